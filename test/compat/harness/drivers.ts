/**
 * How each official SDK's scenario program is built and started. Builds are cached under `.cache/compat/`
 * (Maven's local repository and build output, Cargo's target directory); the Python SDK lives in the
 * project venv.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureVenv } from '../../helpers/python.js';
import { REPO_ROOT } from '../../helpers/server-process.js';

const run = promisify(execFile);
const CACHE = path.join(REPO_ROOT, '.cache/compat');
const SDKS = path.join(REPO_ROOT, 'test/compat/sdks');

export type SdkName = 'typescript' | 'python-sync' | 'python-asyncio' | 'java' | 'rust' | 'go';

/** A ready scenario program, or why this SDK cannot run here. */
export type Prepared = { readonly command: string; readonly args: readonly string[] } | { readonly skip: string };

export interface SdkDriver {
  readonly name: SdkName;
  /** The version exercised, for the matrix. */
  readonly version: string;
  /** Installs or builds what the program needs. */
  prepare(): Promise<Prepared>;
}

const BUILD_LIMITS = { maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60 * 1000 };

const typescript: SdkDriver = {
  name: 'typescript',
  version: '@databricks/zerobus-ingest-sdk native binary (npm devDependency)',
  prepare: () =>
    Promise.resolve({ command: process.execPath, args: ['--import', 'tsx', path.join(SDKS, 'typescript/scenario.ts')] }),
};

const python = (api: 'sync' | 'asyncio'): SdkDriver => ({
  name: `python-${api}`,
  version: `databricks-zerobus-ingest-sdk 1.10.0 (${api} API)`,
  prepare: async () => {
    const { python: interpreter } = await ensureVenv(['compat']);
    return { command: interpreter, args: [path.join(SDKS, 'python/scenario.py'), api] };
  },
});

const java: SdkDriver = {
  name: 'java',
  version: 'com.databricks:zerobus-ingest-sdk 1.0.1 (Maven Central)',
  prepare: async () => {
    const buildDir = path.join(CACHE, 'java-build');
    await run(
      'mvn',
      ['-B', '-q', '-f', path.join(SDKS, 'java/pom.xml'), `-Dmaven.repo.local=${path.join(CACHE, 'm2')}`, `-Dcompat.buildDir=${buildDir}`, 'package'],
      BUILD_LIMITS,
    );
    const classpath = (await readFile(path.join(buildDir, 'classpath.txt'), 'utf8')).trim();
    return { command: 'java', args: ['-cp', `${path.join(buildDir, 'classes')}${path.delimiter}${classpath}`, 'tributary.compat.Scenario'] };
  },
};

const rust: SdkDriver = {
  name: 'rust',
  version: 'databricks-zerobus-ingest-sdk 2.12.0 (crates.io; 3.0.0 needs webpki-roots 1.0.11, not served here)',
  prepare: async () => {
    const target = path.join(CACHE, 'cargo-target');
    await run('cargo', ['build', '--quiet', '--manifest-path', path.join(SDKS, 'rust/Cargo.toml'), '--target-dir', target], BUILD_LIMITS);
    return { command: path.join(target, 'debug/tributary-compat-rust'), args: [] };
  },
};

const go: SdkDriver = {
  name: 'go',
  version: 'github.com/databricks/zerobus-sdk/go',
  prepare: () =>
    Promise.resolve({
      skip:
        'the Go module proxy reachable here refuses github.com/databricks/zerobus-sdk/go (403 for every version), ' +
        'and the SDK links a prebuilt Rust static library through cgo; see docs/compatibility.md',
    }),
};

/** Every official SDK, in matrix order. */
export const DRIVERS: readonly SdkDriver[] = [typescript, python('sync'), python('asyncio'), java, rust, go];

/** The drivers `npm test` runs: fast to start, nothing to build. */
export const FAST_DRIVERS: readonly SdkDriver[] = [typescript, python('sync'), python('asyncio')];
