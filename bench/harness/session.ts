/**
 * One server child with what the scenarios need around it: the bench tables created once each, a producer
 * per table, clients opened once per kind, and on close the server's peak memory and CPU profile.
 */
import { mkdir } from 'node:fs/promises';
import { openBenchAdmin, type BenchAdmin, type Credentials } from './admin.js';
import { openClient, type BenchClient, type ClientKind } from './clients.js';
import { summarizeProfiles } from './cpu-profile.js';
import type { ProfileSummary } from './results.js';
import { startBenchServer, type BenchServer, type BenchServerOptions } from './server-child.js';
import type { TableWorkload } from '../workload/table-workload.js';

/** A table ready to receive: who may write it and where its Delta log is. */
export interface ReadyTable {
  readonly credentials: Credentials;
  readonly location: string;
}

export interface BenchSession {
  readonly server: BenchServer;
  /** Creates the workload's table and its producer on first use. */
  table(workload: TableWorkload): Promise<ReadyTable>;
  /** The session's client of `kind` (one connection each). */
  client(kind: ClientKind): BenchClient;
  /** Stops the server; resolves with its peak RSS and, when profiling, its profile summaries. */
  close(): Promise<{ peakRssBytes: number; profiles: ProfileSummary[] }>;
}

/** Starts a server child; with `cpuProfileDir` it is profiled and the profiles summarised on close. */
export async function openSession(options: BenchServerOptions): Promise<BenchSession> {
  const { cpuProfileDir } = options;
  if (cpuProfileDir) await mkdir(cpuProfileDir, { recursive: true });
  const server = await startBenchServer(options);
  let admin: BenchAdmin;
  try {
    admin = await openBenchAdmin(server.dataDir);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const tables = new Map<string, Promise<ReadyTable>>();
  const clients = new Map<ClientKind, BenchClient>();
  return {
    server,
    table: (workload) => {
      let ready = tables.get(workload.tableName);
      if (!ready) {
        ready = (async () => {
          await admin.sql(workload.createSql);
          const credentials = await admin.producer(`bench-${workload.tableName.split('.').at(-1)}`, workload.tableName);
          return { credentials, location: await admin.tableLocation(workload.tableName) };
        })();
        tables.set(workload.tableName, ready);
      }
      return ready;
    },
    client: (kind) => {
      let client = clients.get(kind);
      if (!client) {
        client = openClient(kind, server.zerobusEndpoint, server.unityCatalogUrl);
        clients.set(kind, client);
      }
      return client;
    },
    close: async () => {
      for (const client of clients.values()) client.close();
      await admin.close();
      const peakRssBytes = await server.peakRssBytes();
      await server.stop();
      return { peakRssBytes, profiles: cpuProfileDir ? await summarizeProfiles(cpuProfileDir) : [] };
    },
  };
}
