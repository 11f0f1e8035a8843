import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULTS, resolveConfig } from '../../../src/server/config.js';

describe('server configuration', () => {
  it('writes Snappy data files unless told otherwise, by flag or environment', () => {
    assert.equal(resolveConfig({}, {}).materializer.dataFileCodec, 'snappy');
    assert.equal(resolveConfig({ dataFileCodec: 'zstd' }, {}).materializer.dataFileCodec, 'zstd');
    assert.equal(resolveConfig({}, { TRIBUTARY_DATA_FILE_CODEC: 'zstd' }).materializer.dataFileCodec, 'zstd');
    assert.equal(resolveConfig({ dataFileCodec: 'snappy' }, { TRIBUTARY_DATA_FILE_CODEC: 'zstd' }).materializer.dataFileCodec, 'snappy');
  });

  it('refuses a codec it cannot write, naming the choices', () => {
    assert.throws(() => resolveConfig({ dataFileCodec: 'gzip' }, {}), (e: unknown) => e instanceof ConfigError && /snappy or zstd, got "gzip"/.test(e.message));
  });

  it('keeps the documented flush defaults', () => {
    const { materializer } = resolveConfig({}, {});
    assert.equal(materializer.flushBytes, DEFAULTS.flushBytes);
    assert.equal(materializer.flushBytes, 128 * 1024 * 1024);
    assert.equal(materializer.flushIntervalMs, 1000);
  });
});
