/**
 * The two Unity Catalog REST calls the producer-side commands make, against Tributary or a Databricks
 * workspace alike: an OAuth client-credentials token (`scope=all-apis`, no `authorization_details`, as the
 * official generate-proto tools ask) and `GET /api/2.1/unity-catalog/tables/{full_name}`.
 *
 * Failures say which request failed and why: the HTTP status plus the server's own error code and message.
 */
import { fromSparkField, parseTypeText, type Column, type StructField } from '../catalog/types.js';

/** A request to the catalog or token endpoint that failed; the message is meant for the user as is. */
export class UcRequestError extends Error {
  override readonly name = 'UcRequestError';

  constructor(
    message: string,
    /** HTTP status, absent when no answer arrived. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A column as `GET /tables/{name}` describes it (the fields Tributary's CLI reads). */
export interface UcColumn {
  readonly name: string;
  readonly type_text: string;
  /** Spark StructField JSON as a string; keeps struct field nullability that `type_text` drops. */
  readonly type_json?: string;
  readonly nullable: boolean;
}

/** The parts of a UC TableInfo the CLI reads. */
export interface UcTable {
  readonly full_name: string;
  readonly columns: readonly UcColumn[];
}

/** Service-principal credentials. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

function endpointUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

async function send(url: string, init: RequestInit, what: string): Promise<{ status: number; text: string }> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new UcRequestError(`${what}: cannot reach ${url} (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  return { status: response.status, text: await response.text() };
}

/** `HTTP 404 TABLE_DOES_NOT_EXIST: Table 'x' does not exist.` from either error body shape. */
function describeFailure(status: number, text: string): string {
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: shown raw below
  }
  const code = body?.error_code ?? body?.error;
  const message = body?.message ?? body?.error_description;
  if (typeof code === 'string' || typeof message === 'string') {
    return `HTTP ${status} ${[code, message].filter((p) => typeof p === 'string').join(': ')}`;
  }
  const raw = text.trim();
  return raw === '' ? `HTTP ${status}` : `HTTP ${status}: ${raw.slice(0, 300)}`;
}

/**
 * Obtains an access token with the client-credentials grant (HTTP Basic client authentication). Without
 * `authorization_details` the token carries the principal's grants for catalog reads.
 */
export async function fetchToken(ucEndpoint: string, credentials: ClientCredentials): Promise<string> {
  const url = endpointUrl(ucEndpoint, '/oidc/v1/token');
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, 'utf8').toString('base64');
  const { status, text } = await send(
    url,
    {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=all-apis',
    },
    'OAuth token request failed',
  );
  if (status !== 200) throw new UcRequestError(`OAuth token request to ${url} failed: ${describeFailure(status, text)}`, status);
  let token: unknown;
  try {
    token = (JSON.parse(text) as { access_token?: unknown }).access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') {
    throw new UcRequestError(`OAuth token request to ${url} answered without an access_token`, status);
  }
  return token;
}

/** `GET /api/2.1/unity-catalog/tables/{fullName}` with a bearer token. */
export async function fetchTable(ucEndpoint: string, token: string, fullName: string): Promise<UcTable> {
  const url = endpointUrl(ucEndpoint, `/api/2.1/unity-catalog/tables/${encodeURIComponent(fullName)}`);
  const { status, text } = await send(
    url,
    { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
    `Reading table ${fullName} failed`,
  );
  if (status !== 200) throw new UcRequestError(`Reading table ${fullName} failed: ${describeFailure(status, text)}`, status);
  return parseTableInfo(text, fullName);
}

function parseTableInfo(text: string, fullName: string): UcTable {
  const bad = (why: string): UcRequestError => new UcRequestError(`Reading table ${fullName}: unexpected answer (${why})`, 200);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const columns = (body as { columns?: unknown }).columns;
  if (!Array.isArray(columns)) throw bad('no columns array');
  const parsed = columns.map((c: unknown, i): UcColumn => {
    const o = (c ?? {}) as Record<string, unknown>;
    if (typeof o.name !== 'string' || typeof o.type_text !== 'string') throw bad(`column ${i} lacks name or type_text`);
    return {
      name: o.name,
      type_text: o.type_text,
      nullable: o.nullable !== false,
      ...(typeof o.type_json === 'string' ? { type_json: o.type_json } : {}),
    };
  });
  const name = (body as { full_name?: unknown }).full_name;
  return { full_name: typeof name === 'string' ? name : fullName, columns: parsed };
}

/**
 * The table's columns in the shared type model: from `type_json` when present (it keeps NOT NULL on
 * struct fields), else from `type_text`.
 */
export function tableColumns(table: UcTable): Column[] {
  return table.columns.map((c, position) => {
    let field: StructField;
    try {
      field =
        c.type_json === undefined
          ? { name: c.name, type: parseTypeText(c.type_text), nullable: c.nullable }
          : fromSparkField(JSON.parse(c.type_json));
    } catch (e) {
      throw new UcRequestError(`Reading table ${table.full_name}: column ${c.name} has a type that cannot be read (${(e as Error).message})`);
    }
    return { ...field, name: c.name, nullable: c.nullable, position };
  });
}
