/**
 * `tributary generate-proto`: the `.proto` of a table, fetched from Tributary's or a Databricks workspace's
 * Unity Catalog API, with the official Zerobus tool's flags and output.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TributaryError } from '../errors.js';
import { addConnectionOptions, MissingSettingError, resolveConnection, type Connection } from './connection-options.js';
import { generateProto } from './proto-gen/generate.js';
import { fetchTable, fetchToken, UcRequestError } from './uc-client.js';

/** What `generate-proto` needs, resolved. */
export interface GenerateProtoRequest extends Pick<Connection, 'ucEndpoint' | 'clientId' | 'clientSecret'> {
  /** `catalog.schema.table`. */
  readonly table: string;
  readonly output: string;
  readonly protoMsg?: string;
}

/** Fetches the table's schema, generates the `.proto` and writes it to `request.output`. Returns the text. */
export async function runGenerateProto(request: GenerateProtoRequest): Promise<string> {
  const token = await fetchToken(request.ucEndpoint, request);
  const table = await fetchTable(request.ucEndpoint, token, request.table);
  const proto = generateProto(
    { name: request.table, columns: table.columns },
    request.protoMsg === undefined ? {} : { messageName: request.protoMsg },
  );
  try {
    await writeFile(request.output, proto);
  } catch (e) {
    throw new TributaryError('failed_precondition', `cannot write ${request.output}: ${(e as Error).message}`);
  }
  return proto;
}

interface Flags {
  ucEndpoint?: string;
  clientId?: string;
  clientSecret?: string;
  table: string;
  output: string;
  protoMsg?: string;
}

export function register(program: Command): void {
  const command = program
    .command('generate-proto')
    .description("write a table's Protobuf schema (proto2), as the official Zerobus generate_proto tool does");
  addConnectionOptions(command, ['ucEndpoint', 'clientId', 'clientSecret'])
    .requiredOption('--table <catalog.schema.table>', 'full table name')
    .requiredOption('--output <file>', 'where to write the .proto file')
    .option('--proto-msg <name>', 'message name (default: the table name)')
    .action(async (flags: Flags) => {
      try {
        const connection = resolveConnection(flags, process.env, ['ucEndpoint', 'clientId', 'clientSecret']);
        await runGenerateProto({
          ...connection,
          table: flags.table,
          output: flags.output,
          ...(flags.protoMsg === undefined ? {} : { protoMsg: flags.protoMsg }),
        });
        process.stdout.write(`Successfully generated proto file at: ${flags.output}\n`);
      } catch (e) {
        if (e instanceof UcRequestError || e instanceof TributaryError || e instanceof MissingSettingError) {
          process.stderr.write(`tributary generate-proto: ${e.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw e;
      }
    });
}
