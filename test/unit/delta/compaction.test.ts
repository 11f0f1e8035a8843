import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AddFile } from '../../../src/delta/actions.js';
import { pickFilesToCompact } from '../../../src/delta/compaction.js';

const file = (path: string, size: number, modificationTime = 0, numRecords?: number): AddFile => ({
  path,
  partitionValues: {},
  size,
  modificationTime,
  dataChange: true,
  ...(numRecords === undefined ? {} : { stats: JSON.stringify({ numRecords, minValues: {}, maxValues: {}, nullCount: {} }) }),
});

describe('choosing files to compact', () => {
  it('waits until enough small files exist', () => {
    const files = [file('a', 10), file('b', 10), file('big', 500)];
    assert.deepEqual(pickFilesToCompact(files, { minFiles: 3, targetFileBytes: 100 }), []);
    assert.deepEqual(
      pickFilesToCompact(files, { minFiles: 2, targetFileBytes: 100 }).map((f) => f.path),
      ['a', 'b'],
    );
  });

  it('takes the smallest files first, up to about one target file', () => {
    const files = [file('grown', 80, 0), file('s1', 10, 3), file('s2', 5, 2), file('s3', 30, 1), file('s4', 40, 4)];
    const picked = pickFilesToCompact(files, { minFiles: 2, targetFileBytes: 100 });
    assert.deepEqual(picked.map((f) => f.path), ['s2', 's1', 's3', 's4']);
  });

  it('never picks a single file', () => {
    assert.deepEqual(pickFilesToCompact([file('a', 90), file('b', 95)], { minFiles: 2, targetFileBytes: 100, maxInputBytes: 50 }).length, 2);
    assert.deepEqual(pickFilesToCompact([file('a', 10)], { minFiles: 1, targetFileBytes: 100 }), []);
  });

  it('bounds the rows merged, for memory: files of half the row budget or more are big enough', () => {
    const files = [file('a', 10, 0, 400), file('b', 11, 0, 300), file('c', 12, 0, 300), file('d', 13, 0, 600), file('e', 14)];
    assert.deepEqual(
      pickFilesToCompact(files, { minFiles: 2, targetFileBytes: 100, maxInputRows: 1000 }).map((f) => f.path),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(pickFilesToCompact(files, { minFiles: 2, targetFileBytes: 100, maxInputRows: 900 }).map((f) => f.path), ['a', 'b']);
    assert.deepEqual(pickFilesToCompact(files, { minFiles: 2, targetFileBytes: 100, maxInputRows: 500 }), []);
  });
});
