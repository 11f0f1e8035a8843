/**
 * `tributary serve`: starts the node and prints what a producer needs to paste into its code.
 */
import type { Command } from 'commander';
import { ConfigError, DEFAULTS, resolveConfig, type ConfigInput } from '../server/config.js';
import type { RunningServer } from '../server/server.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the Zerobus ingest endpoint (gRPC) and the catalog/OAuth endpoint (HTTP)')
    .option('--data-dir <dir>', `catalog, keys, WAL and tables (env TRIBUTARY_DATA_DIR, default ${DEFAULTS.dataDir})`)
    .option('--host <host>', `listen address (env TRIBUTARY_HOST, default ${DEFAULTS.host})`)
    .option('--grpc-port <port>', `Zerobus gRPC port, 0 = any free port (default ${DEFAULTS.grpcPort})`)
    .option('--http-port <port>', `REST/OAuth port, 0 = any free port (default ${DEFAULTS.httpPort})`)
    .option('--tls-cert <file>', 'PEM certificate chain for the gRPC listener (enables TLS)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--demo', 'create the demo table main.default.air_quality and a principal allowed to write it')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default info)')
    .option('--max-message-bytes <n>', 'largest accepted gRPC message (default 10 MiB + 64 KiB)')
    .option('--max-rows-per-second <n>', 'per-stream quota, 0 = unlimited (default 0)')
    .option('--max-bytes-per-second <n>', 'per-stream quota, 0 = unlimited (default 0)')
    .option('--idle-timeout-ms <n>', 'close streams idle this long, 0 = never (default 15 min)')
    .option('--group-commit-ms <n>', 'WAL group commit window (default 1)')
    .option('--flush-interval-ms <n>', 'Delta commit interval (default 1000)')
    .option('--flush-bytes <n>', 'Delta commit size threshold (default 128 MiB)')
    .option('--checkpoint-interval <n>', 'commits between Delta checkpoints (default 10)')
    .option('--data-file-codec <codec>', 'compression of the Parquet files flushes write: snappy (faster) or zstd (smaller); compaction writes zstd (default snappy)')
    .action(async (options: ConfigInput) => {
      let config;
      try {
        config = resolveConfig(options, process.env);
      } catch (error) {
        if (error instanceof ConfigError) {
          process.stderr.write(`tributary serve: ${error.message}\n`);
          process.exit(2);
        }
        throw error;
      }
      // Loaded here, not at the top: the admin commands should not pay for the whole server tree.
      const [{ pino }, { startServer }, { setServerHeapGrowth }] = await Promise.all([
        import('pino'),
        import('../server/server.js'),
        import('../server/heap-growth.js'),
      ]);
      setServerHeapGrowth();
      const logger = pino({ level: config.logLevel }, pino.destination(2));
      let server: RunningServer;
      try {
        server = await startServer(config, logger);
      } catch (error) {
        process.stderr.write(`tributary serve: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      }
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) {
          process.stderr.write(`${signal} again: exiting without waiting\n`);
          process.exit(1);
        }
        stopping = true;
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      // Printed only once the signal handlers are in place: whoever reads the endpoints may stop us at once.
      process.stdout.write(banner(server, config.dataDir));
    });
}

function banner(server: RunningServer, dataDir: string): string {
  const lines = [
    'Tributary is serving',
    `  Zerobus endpoint (gRPC):  ${server.zerobusEndpoint}`,
    `  Unity Catalog URL (HTTP): ${server.unityCatalogUrl}`,
    `  Data directory:           ${dataDir}`,
  ];
  if (server.adminCredentials) {
    lines.push(
      '',
      'Admin principal created. Its secret is shown once; keep it:',
      `  client_id: ${server.adminCredentials.clientId}`,
      `  client_secret: ${server.adminCredentials.clientSecret}`,
    );
  }
  const demo = server.demo;
  if (demo) {
    lines.push('', `Demo table ${demo.table}, writable by principal 'demo-producer':`, `  client_id: ${demo.clientId}`);
    lines.push(
      demo.clientSecret
        ? `  client_secret: ${demo.clientSecret}`
        : '  client_secret: (shown on first start only; get a new one with `npx tributary principal rotate-secret demo-producer`)',
    );
    lines.push(
      '',
      'Stream records with the official Zerobus TypeScript SDK (or tributary/sdk):',
      '',
      "  import { ZerobusSdk, RecordType } from '@databricks/zerobus-ingest-sdk';",
      `  const sdk = new ZerobusSdk('${server.zerobusEndpoint}', '${server.unityCatalogUrl}');`,
      `  const stream = await sdk.createStream({ tableName: '${demo.table}' },`,
      `    '${demo.clientId}', '<client_secret>', { recordType: RecordType.Json });`,
      "  await stream.ingestRecordOffset({ device_name: 'sensor-1', temp: 21, humidity: 40 });",
      '  await stream.flush();',
      '  await stream.close();',
      '',
      `Then: npx tributary query "SELECT count(*) FROM ${demo.table}"`,
    );
  }
  return `${lines.join('\n')}\n`;
}
