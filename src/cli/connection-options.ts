/**
 * The endpoint and credential flags shared by the producer-side commands (`generate-proto`, `ingest`), with
 * their environment fallbacks: `TRIBUTARY_*` first, then the `ZEROBUS_*` names producers already export.
 * Only the CLI layer reads the environment; everything below receives resolved values.
 */
import type { Command } from 'commander';

/** The settings a producer needs to reach a Zerobus endpoint and its workspace. */
export interface Connection {
  /** The Zerobus gRPC endpoint, e.g. `http://127.0.0.1:50051`. */
  readonly zerobusEndpoint: string;
  /** The workspace / Unity Catalog URL serving `/oidc/v1/token` and the REST API. */
  readonly ucEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export type ConnectionSetting = keyof Connection;

const SETTINGS: Record<ConnectionSetting, { flag: string; env: readonly string[]; help: string }> = {
  zerobusEndpoint: {
    flag: '--zerobus-endpoint <url>',
    env: ['TRIBUTARY_ZEROBUS_ENDPOINT', 'ZEROBUS_ENDPOINT'],
    help: 'Zerobus gRPC endpoint',
  },
  ucEndpoint: {
    flag: '--uc-endpoint <url>',
    env: ['TRIBUTARY_UC_ENDPOINT', 'ZEROBUS_UC_ENDPOINT'],
    help: 'workspace / Unity Catalog URL (OAuth and REST)',
  },
  clientId: { flag: '--client-id <id>', env: ['TRIBUTARY_CLIENT_ID', 'ZEROBUS_CLIENT_ID'], help: 'service principal client id' },
  clientSecret: {
    flag: '--client-secret <secret>',
    env: ['TRIBUTARY_CLIENT_SECRET', 'ZEROBUS_CLIENT_SECRET'],
    help: 'service principal secret',
  },
};

/** A required setting given neither as a flag nor in the environment. */
export class MissingSettingError extends Error {
  override readonly name = 'MissingSettingError';
}

/** Adds the flags for `settings` to a command, each naming its environment fallbacks in the help. */
export function addConnectionOptions(command: Command, settings: readonly ConnectionSetting[]): Command {
  for (const s of settings) {
    const { flag, env, help } = SETTINGS[s];
    command.option(flag, `${help} (env ${env.join(' or ')})`);
  }
  return command;
}

/** Resolves `settings` from the parsed flags, else the environment; throws naming the flag and variables. */
export function resolveConnection<K extends ConnectionSetting>(
  flags: Partial<Record<ConnectionSetting, string>>,
  env: NodeJS.ProcessEnv,
  settings: readonly K[],
): Pick<Connection, K> {
  const resolved: Partial<Record<ConnectionSetting, string>> = {};
  for (const s of settings) {
    const { flag, env: names } = SETTINGS[s];
    const value = flags[s] ?? names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
    if (value === undefined || value === '') {
      throw new MissingSettingError(`missing ${flag.split(' ')[0]} (or set ${names.join(' or ')})`);
    }
    resolved[s] = value;
  }
  return resolved as Pick<Connection, K>;
}
