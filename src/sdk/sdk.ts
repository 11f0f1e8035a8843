/**
 * `ZerobusSdk`: the entry point with the official `@databricks/zerobus-ingest-sdk` API. One instance holds
 * one gRPC channel (one HTTP/2 connection) shared by every stream it creates.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { encodeCreateStream } from '../protocol/codec.js';
import { RecordType as WireRecordType } from '../protocol/messages.js';
import { ZerobusChannel } from './channel.js';
import { descriptorBytes } from './descriptor.js';
import { parseEndpoint, type ZerobusEndpoint } from './endpoint.js';
import { ZerobusError, invalidArgument, toZerobusError } from './zerobus-error.js';
import { oauthHeaders, providerHeaders } from './headers.js';
import {
  RecordType,
  resolveOptions,
  type HeadersProvider,
  type StreamConfigurationOptions,
  type TableProperties,
} from './options.js';
import { ZerobusStream, type Outgoing } from './stream.js';
import { parseTableName } from './table-name.js';

/** Options beyond the official constructor's two URLs. */
export interface ZerobusSdkOptions {
  /**
   * Extra CA certificates (PEM) trusted for `https://` endpoints and workspace URLs, in addition to Node's
   * bundled roots. Defaults to the contents of the file named by `SSL_CERT_FILE`, which the official client
   * honours too, so the same environment works for both.
   */
  caCertificates?: string | Buffer;
}

/** What a stream was created from, kept so `recreateStream` can create it again. */
interface StreamRecipe {
  readonly tableProperties: TableProperties;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly options: StreamConfigurationOptions | undefined;
  readonly headersProvider: HeadersProvider | undefined;
}

/** Creates ingestion streams to one Zerobus endpoint, authenticating against one workspace. */
export class ZerobusSdk {
  private readonly endpoint: ZerobusEndpoint;
  private readonly ca: readonly string[] | undefined;
  private channel: ZerobusChannel | undefined;
  private readonly recipes = new WeakMap<ZerobusStream, StreamRecipe>();

  /**
   * @param zerobusEndpoint e.g. `https://<workspace-id>.zerobus.<region>.cloud.databricks.com`, or a
   *   Tributary server's `http://127.0.0.1:50051`; without a scheme, `https://` is assumed.
   * @param unityCatalogUrl the workspace URL; tokens come from `${unityCatalogUrl}/oidc/v1/token`.
   */
  constructor(
    zerobusEndpoint: string,
    private readonly unityCatalogUrl: string,
    options: ZerobusSdkOptions = {},
  ) {
    this.endpoint = parseEndpoint(zerobusEndpoint);
    const extra = options.caCertificates ?? caFromEnvironment();
    this.ca = extra === undefined ? undefined : [...tls.rootCertificates, extra.toString()];
  }

  /**
   * Opens a stream to `tableProperties.tableName` and resolves once the server accepted it. Without a
   * `headersProvider`, a token is requested with `clientId`/`clientSecret` before every call the stream
   * opens. Rejects with a {@link ZerobusError} (`Failed to create stream: ...`).
   */
  async createStream(
    tableProperties: TableProperties,
    clientId: string,
    clientSecret: string,
    options?: StreamConfigurationOptions,
    headersProvider?: HeadersProvider,
  ): Promise<ZerobusStream> {
    return this.openStream({ tableProperties, clientId, clientSecret, options, headersProvider }, []);
  }

  /**
   * Opens a new stream like the failed or closed `stream` and sends its unacknowledged records first, in
   * their original order and batching (with new offsets from 0).
   */
  async recreateStream(stream: ZerobusStream): Promise<ZerobusStream> {
    const recipe = this.recipes.get(stream);
    if (!recipe) {
      throw new ZerobusError('Failed to recreate stream: the stream was not created by this ZerobusSdk', false);
    }
    if (!stream.isFinished) {
      throw new ZerobusError(
        'Failed to recreate stream: the stream is still active; it must be closed or failed',
        false,
      );
    }
    return this.openStream(recipe, stream.unackedOutgoing());
  }

  /**
   * Releases the connection once its calls end: open streams keep working until they need a new call
   * (recovery, rotation), which then fails. The official SDK has no equivalent.
   */
  close(): void {
    this.channel?.close();
    this.channel = undefined;
  }

  private async openStream(recipe: StreamRecipe, replay: readonly Outgoing[]): Promise<ZerobusStream> {
    try {
      const { tableProperties, headersProvider } = recipe;
      const table = parseTableName(tableProperties.tableName);
      const options = resolveOptions(recipe.options);
      const proto = options.recordType === RecordType.Proto;
      if (proto && !tableProperties.descriptorProto) {
        throw invalidArgument('Proto record type requires descriptor_proto on TableProperties');
      }
      const createMessage = encodeCreateStream({
        tableName: table.full,
        ...(proto && { descriptorProto: descriptorBytes(tableProperties.descriptorProto!) }),
        recordType: proto ? WireRecordType.PROTO : WireRecordType.JSON,
      });
      const headers = headersProvider
        ? providerHeaders(headersProvider)
        : oauthHeaders({
            unityCatalogUrl: this.unityCatalogUrl,
            clientId: recipe.clientId,
            clientSecret: recipe.clientSecret,
            table,
            workspaceId: this.endpoint.workspaceId,
            ...(this.ca && { ca: this.ca }),
          });
      this.channel ??= new ZerobusChannel(this.endpoint, this.ca);
      const stream = new ZerobusStream(
        { channel: this.channel, options, createMessage, headers, tableName: table.full },
        replay,
      );
      await stream.start();
      this.recipes.set(stream, recipe);
      return stream;
    } catch (error) {
      throw toZerobusError(error).withPrefix('Failed to create stream');
    }
  }
}

/** PEM text of `SSL_CERT_FILE`, if set and readable. */
function caFromEnvironment(): string | undefined {
  const file = process.env.SSL_CERT_FILE;
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
