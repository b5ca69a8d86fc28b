import { AppError, ErrorCode } from '../../errors.js';

const maxProviderMessageLength = 300;

/**
 * Sends a request to a speech provider and returns the response body as bytes. A
 * non-2xx answer becomes `upstream_error` with the provider's status and message, and a
 * request that takes longer than `timeoutMs` becomes `upstream_timeout`.
 */
export async function fetchFromProvider(
  provider: string,
  url: string,
  init: RequestInit & { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<{ body: Buffer; contentType: string }> {
  const timeout = AbortSignal.timeout(init.timeoutMs);
  const signal = init.signal === undefined ? timeout : AbortSignal.any([init.signal, timeout]);
  let response: Response;
  let body: Buffer;
  try {
    response = await fetch(url, { ...init, signal });
    body = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    if (timeout.aborted) {
      throw new AppError(ErrorCode.UpstreamTimeout, `${provider} did not answer within ${init.timeoutMs} ms`, { cause: error });
    }
    throw new AppError(ErrorCode.UpstreamError, `${provider} could not be reached: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!response.ok) {
    const text = body.toString('utf8').slice(0, maxProviderMessageLength);
    throw new AppError(ErrorCode.UpstreamError, `${provider} answered HTTP ${response.status}: ${text}`);
  }

  return { body, contentType: response.headers.get('content-type') ?? 'application/octet-stream' };
}

/** Joins a base URL and a path without doubling or dropping the slash between them. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
