import type { Client as FetchClient } from 'openapi-fetch';
import type { paths } from '../generated/openapi.js';
import type { RequestOptions, Transport } from '../transport.js';

export type RestClient = FetchClient<paths, 'application/json'>;

/** What every namespace shares: the typed REST client and the transport under it. */
export class Resource {
  constructor(
    protected readonly rest: RestClient,
    protected readonly transport: Transport,
  ) {}

  /** The `fetch` that openapi-fetch calls for one request: the transport with this call's options. */
  protected fetchWith(options: RequestOptions = {}) {
    return (request: Request) => this.transport.send(request, options);
  }
}

/**
 * Sends a JSON request to a path that the OpenAPI document does not describe yet, for
 * the namespaces whose server side is still to come.
 */
export async function requestUntyped<Result>(
  transport: Transport,
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  input: { query?: Record<string, string | number | boolean | undefined>; body?: unknown } = {},
  options: RequestOptions = {},
): Promise<Result> {
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(input.query ?? {})) {
    if (value !== undefined) {
      url.searchParams.set(name, String(value));
    }
  }
  const request = new Request(url, {
    method,
    headers: input.body === undefined ? {} : { 'content-type': 'application/json' },
    body: input.body === undefined ? undefined : JSON.stringify(input.body),
  });
  const response = await transport.send(request, options);

  return (await response.json()) as Result;
}
