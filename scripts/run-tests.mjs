#!/usr/bin/env node
// Runs every test file under test/unit, test/integration and the fast part of test/compat with Node's
// built-in runner (TypeScript through tsx). Extra arguments narrow the run: `npm test -- test/unit`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['test/unit', 'test/integration', 'test/compat/fast'];

function collect(p, out) {
  const abs = path.resolve(root, p);
  let st;
  try {
    st = statSync(abs);
  } catch {
    return;
  }
  if (st.isFile()) {
    if (abs.endsWith('.test.ts')) out.push(abs);
    return;
  }
  for (const name of readdirSync(abs).sort()) collect(path.join(abs, name), out);
}

const files = [];
for (const r of roots) collect(r, files);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
