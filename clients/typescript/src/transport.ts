import { ConnectionError, errorFromResponse, parseRetryAfter, TimeoutError } from './errors.js';

/** When and how often a failed request is sent again. */
export interface RetryOptions {
  /**
   * Retries after the first attempt. A 429 is retried for every method, because the
   * server refused it before doing anything; a 503, a connection error or a timeout only
   * for idempotent requests (GET, HEAD, PUT, DELETE), which are safe to repeat.
   * @default 2
   */
  maxRetries?: number;
  /** Delay before the first retry in milliseconds; it doubles with each retry. @default 500 */
  initialDelayMs?: number;
  /** Longest backoff delay in milliseconds. @default 8000 */
  maxDelayMs?: number;
  /**
   * The longest `Retry-After` of a 429 that is waited for, in seconds. A longer one, such
   * as that of a full per-day window, raises the `RateLimitError` at once.
   * @default 60
   */
  maxRetryAfterSeconds?: number;
}

export interface RetryEvent {
  /** The retry about to start, from 1. */
  attempt: number;
  delayMs: number;
  method: string;
  url: string;
  /** The HTTP status that caused the retry, or the connection error. */
  reason: number | Error;
  requestId: string;
}

export interface TransportOptions {
  apiKey: string;
  /** Time limit of one attempt in milliseconds, until the whole body has arrived (streams: the headers). */
  timeoutMs: number;
  retry: Required<RetryOptions>;
  fetch: typeof globalThis.fetch;
  headers: Record<string, string>;
  /** Called before each retry, for logging or metrics. */
  onRetry?: (event: RetryEvent) => void;
  /** Makes a request id; the same id is sent on every attempt of one call. */
  requestId: () => string;
}

/** Options of one call, overriding the client's. */
export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  maxRetries?: number;
  /** The `X-Request-ID` to send; a new UUID when left out. */
  requestId?: string;
}

const idempotentMethods = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

function isStreamRequest(request: Request): boolean {
  return request.headers.get('accept')?.includes('text/event-stream') ?? false;
}

/**
 * Exponential backoff with jitter: a random delay between half and all of
 * `initialDelayMs * 2^(attempt - 1)`, at most `maxDelayMs`.
 */
export function backoffDelay(attempt: number, retry: Required<RetryOptions>, random = Math.random): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));

  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);

      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface AttemptResult {
  response?: Response;
  error?: ConnectionError;
}

/**
 * Sends requests with the credential and a request id, retries what is safe to retry
 * with backoff, and turns error responses into {@link ApiError}s. Successful responses
 * are returned with their body read in full, except for event streams.
 */
export class Transport {
  constructor(readonly options: TransportOptions) {}

  /** The headers every request carries: the client's defaults, the credential and the request id. */
  headersFor(requestId: string, own: HeadersInit = {}): Headers {
    const headers = new Headers(this.options.headers);
    new Headers(own).forEach((value, name) => headers.set(name, value));
    headers.set('authorization', `Bearer ${this.options.apiKey}`);
    headers.set('x-request-id', requestId);

    return headers;
  }

  async send(original: Request, options: RequestOptions & { idempotent?: boolean } = {}): Promise<Response> {
    const requestId = options.requestId ?? original.headers.get('x-request-id') ?? this.options.requestId();
    const headers = this.headersFor(requestId, original.headers);
    // The body is buffered once so that every attempt can send it again.
    const body = original.body === null ? undefined : await original.arrayBuffer();
    const idempotent = options.idempotent ?? idempotentMethods.has(original.method);
    const maxRetries = options.maxRetries ?? this.options.retry.maxRetries;
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const signal = options.signal ?? original.signal;
    const stream = isStreamRequest(original);

    for (let attempt = 0; ; attempt += 1) {
      const request = new Request(original.url, { method: original.method, headers, body, signal });
      const result = await this.attempt(request, timeoutMs, stream, signal);
      const delayMs = this.retryDelay(result, attempt, maxRetries, idempotent);
      if (delayMs === undefined) {
        if (result.error !== undefined) {
          throw result.error;
        }
        if (!result.response!.ok) {
          throw await errorFromResponse(result.response!);
        }

        return result.response!;
      }
      await result.response?.body?.cancel().catch(() => undefined);
      this.options.onRetry?.({
        attempt: attempt + 1,
        delayMs,
        method: original.method,
        url: original.url,
        reason: result.error ?? result.response!.status,
        requestId,
      });
      await sleep(delayMs, signal);
    }
  }

  private async attempt(request: Request, timeoutMs: number, stream: boolean, signal: AbortSignal | undefined): Promise<AttemptResult> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new TimeoutError(`No response within ${timeoutMs} ms from ${request.method} ${request.url}`)), timeoutMs);
    const combined = signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]);
    try {
      const response = await this.options.fetch(request, { signal: combined });
      if (stream && response.ok) {
        return { response };
      }
      // Reading the body inside the time limit keeps a stalled body from hanging the call.
      const bytes = await response.arrayBuffer();

      return { response: new Response(response.status === 204 ? null : bytes, response) };
    } catch (error) {
      if (signal?.aborted === true) {
        throw signal.reason;
      }
      if (timeout.signal.aborted) {
        return { error: timeout.signal.reason as TimeoutError };
      }
      const message = error instanceof Error ? error.message : String(error);

      return { error: new ConnectionError(`${request.method} ${request.url} failed: ${message}`, { cause: error }) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The delay before the next attempt, or `undefined` when the result is final. */
  private retryDelay(result: AttemptResult, attempt: number, maxRetries: number, idempotent: boolean): number | undefined {
    if (attempt >= maxRetries) {
      return undefined;
    }
    const retry = this.options.retry;
    const backoff = backoffDelay(attempt + 1, retry);
    if (result.error !== undefined) {
      return idempotent ? backoff : undefined;
    }
    const response = result.response!;
    if (response.status !== 429 && !(response.status === 503 && idempotent)) {
      return undefined;
    }
    const seconds = parseRetryAfter(response.headers.get('retry-after'));
    if (seconds === undefined) {
      return backoff;
    }
    if (seconds > retry.maxRetryAfterSeconds) {
      return undefined;
    }

    // Jitter on top of Retry-After spreads out clients that were refused at the same moment.
    return seconds * 1000 + Math.round(Math.random() * Math.min(1000, retry.initialDelayMs));
  }
}
