/**
 * A Tributary server for one SDK's scenarios: `tributary serve` as a child process on fixed free ports (so
 * it can be killed and started again at the same endpoints), set up with the CLI as an operator would:
 * `tributary sql` for the schema, tables and grants, `tributary principal create` for the producer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../helpers/run-cli.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { compatTableDdl } from './records.js';

export interface CompatServer {
  readonly dataDir: string;
  readonly zerobusEndpoint: string;
  readonly ucEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** kill -9, then start again on the same data directory and ports. */
  restart(): Promise<void>;
  /** Graceful stop: the server drains and materializes what it acked. */
  stop(): Promise<void>;
  /** Stops the server if it runs and deletes its data directory. */
  dispose(): Promise<void>;
  /** Everything the server printed, across restarts. */
  output(): string;
}

/** Creates `main.<schema>` with one compatibility table per name, a producer allowed to write them, and serves. */
export async function startCompatServer(schema: string, tables: readonly string[]): Promise<CompatServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `tributary-compat-${schema}-`));
  const cli = async (args: readonly string[]): Promise<string> => {
    const result = await runCli([...args, '--data-dir', dataDir]);
    if (result.code !== 0) throw new Error(`tributary ${args[0]} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  };
  const producer = `${schema}-producer`;
  // Tables first: the first command on a new data directory also creates (and prints) the admin principal.
  await cli(['sql', [`CREATE SCHEMA main.${schema}`, ...tables.map(compatTableDdl)].join(';\n')]);
  const credentials = await cli(['principal', 'create', producer]);
  const clientId = /client_id:\s*(\S+)/.exec(credentials)?.[1];
  const clientSecret = /client_secret:\s*(\S+)/.exec(credentials)?.[1];
  if (!clientId || !clientSecret) throw new Error(`no credentials in: ${credentials}`);
  await cli([
    'sql',
    [
      `GRANT USE CATALOG ON CATALOG main TO \`${producer}\``,
      `GRANT USE SCHEMA ON SCHEMA main.${schema} TO \`${producer}\``,
      ...tables.map((t) => `GRANT SELECT, MODIFY ON TABLE ${t} TO \`${producer}\``),
    ].join(';\n'),
  ]);

  // At info level the log shows every stream opened and closed, and why: what a failed restart scenario needs.
  const serveArgs = ['--log-level', 'info', '--grpc-port', String(await freePort()), '--http-port', String(await freePort())];
  let earlier = '';
  let running: ServerProcess | undefined = await startServerProcess(dataDir, serveArgs);
  const first = running;
  const stop = async (): Promise<void> => {
    if (!running) return;
    const code = await running.stop();
    earlier += running.output();
    running = undefined;
    if (code !== 0) throw new Error(`server exited with ${code} on SIGTERM:\n${earlier}`);
  };
  return {
    dataDir,
    zerobusEndpoint: first.zerobusEndpoint,
    ucEndpoint: first.ucUrl,
    clientId,
    clientSecret,
    restart: async () => {
      if (running) {
        await running.kill9();
        earlier += running.output();
      }
      running = await startServerProcess(dataDir, serveArgs);
    },
    stop,
    dispose: async () => {
      try {
        if (running) await running.kill9();
      } finally {
        running = undefined;
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    output: () => earlier + (running?.output() ?? ''),
  };
}

/** A port nobody listens on right now (the server binds it moments later; a clash fails loudly). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
