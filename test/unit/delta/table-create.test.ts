import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commitKey, checkpointKey, decodeCommit, encodeCommit, parseLogKey } from '../../../src/delta/actions.js';
import { createTableActions, isWritable, protocolFor } from '../../../src/delta/table-create.js';
import { tableInfo } from './fixtures.js';

describe('table creation (version 0)', () => {
  it('uses the lowest protocol, and the timestampNtz feature only when a column needs it', () => {
    assert.deepEqual(protocolFor(tableInfo({ a: 'int', b: 'timestamp' }).columns), { minReaderVersion: 1, minWriterVersion: 2 });
    assert.deepEqual(protocolFor(tableInfo({ s: 'struct<x:array<timestamp_ntz>>' }).columns), {
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['timestampNtz'],
      writerFeatures: ['appendOnly', 'invariants', 'timestampNtz'],
    });
  });

  it('writes protocol, metadata with the schema string and table id, and commitInfo', () => {
    const table = tableInfo({ device_name: 'string', temp: 'int' }, { comment: 'air', properties: { 'delta.appendOnly': 'true' } });
    const actions = createTableActions(table, 1234);
    assert.equal(actions.length, 3);
    const meta = actions.find((a) => 'metaData' in a);
    assert.ok(meta && 'metaData' in meta);
    assert.equal(meta.metaData.id, table.tableId);
    assert.equal(meta.metaData.description, 'air');
    assert.deepEqual(meta.metaData.configuration, { 'delta.appendOnly': 'true' });
    assert.deepEqual(JSON.parse(meta.metaData.schemaString), {
      type: 'struct',
      fields: [
        { name: 'device_name', type: 'string', nullable: true, metadata: {} },
        { name: 'temp', type: 'integer', nullable: true, metadata: {} },
      ],
    });
    const info = actions.find((a) => 'commitInfo' in a);
    assert.ok(info && 'commitInfo' in info && info.commitInfo.operation === 'CREATE TABLE');
  });

  it('refuses delta properties that would enable features it does not implement', () => {
    const table = tableInfo({ a: 'int' }, { properties: { 'delta.enableDeletionVectors': 'true' } });
    assert.throws(() => createTableActions(table, 0), /delta.enableDeletionVectors is not supported/);
  });

  it('knows which protocols it can write', () => {
    assert.ok(isWritable({ minReaderVersion: 1, minWriterVersion: 2 }));
    assert.ok(isWritable({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz'] }));
    assert.ok(!isWritable({ minReaderVersion: 1, minWriterVersion: 4 }));
    assert.ok(!isWritable({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [], writerFeatures: ['deletionVectors'] }));
  });
});

describe('log files', () => {
  it('names versions with 20 digits and parses them back', () => {
    assert.equal(commitKey(42), '_delta_log/00000000000000000042.json');
    assert.deepEqual(parseLogKey(commitKey(42)), { kind: 'commit', version: 42 });
    assert.deepEqual(parseLogKey(checkpointKey(40)), { kind: 'checkpoint', version: 40 });
    assert.deepEqual(parseLogKey('_delta_log/_last_checkpoint'), { kind: 'other' });
  });

  it('round-trips a commit as one JSON action per line and drops unknown actions', () => {
    const actions = createTableActions(tableInfo({ a: 'int' }), 5);
    const bytes = encodeCommit(actions);
    assert.equal(Buffer.from(bytes).toString().trimEnd().split('\n').length, 3);
    assert.deepEqual(decodeCommit(bytes, 0), actions);
    const withUnknown = Buffer.concat([Buffer.from(bytes), Buffer.from('{"domainMetadata":{"domain":"x"}}\n')]);
    assert.equal(decodeCommit(withUnknown, 0).length, 3);
  });
});
