import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, RetryError, type LanguageModel } from 'ai';
import { AppError, ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ModelRuntime, ResolvedModel } from './models.js';

const maxProviderMessageLength = 500;

/** A language model for one chat turn or agent run, with the wait limit of its requests. */
export interface ModelConnection {
  model: LanguageModel;
  /** True once a request of this connection waited longer than the limit. */
  timedOut(): boolean;
  /** Stops the wait timers of requests still open. */
  close(): void;
}

/**
 * Wraps `fetch` so that a provider request fails once it waits `timeoutMs` for the
 * response to start or, after that, for its next chunk. A streamed reply can therefore run
 * as long as the provider keeps sending. The request is aborted with a `TimeoutError`,
 * which the AI SDK passes on without retrying.
 */
function createTimedFetch(timeoutMs: number) {
  const timers = new Set<NodeJS.Timeout>();
  let timedOut = false;

  const timedFetch: typeof fetch = async (input, init) => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      clearTimeout(timer);
      timers.delete(timer!);
    };
    const restart = () => {
      stop();
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new DOMException(`no data from the model provider for ${timeoutMs} ms`, 'TimeoutError'));
      }, timeoutMs);
      timers.add(timer);
    };
    restart();
    const signal = init?.signal == null ? controller.signal : AbortSignal.any([init.signal, controller.signal]);
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal });
    } catch (error) {
      stop();
      throw error;
    }
    if (response.body === null) {
      stop();

      return response;
    }
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, stream) {
          restart();
          stream.enqueue(chunk);
        },
        flush: stop,
      }),
    );

    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  return {
    fetch: timedFetch,
    timedOut: () => timedOut,
    close() {
      for (const timer of timers) {
        clearTimeout(timer);
      }
      timers.clear();
    },
  };
}

/** Opens `model` on the configured OpenAI-compatible provider. */
export function connectModel(runtime: ModelRuntime, model: ResolvedModel): ModelConnection {
  const provider = runtime.provider;
  if (provider === undefined) {
    throw new Error('connectModel needs a configured provider; resolveModel checks that first');
  }
  const timed = createTimedFetch(runtime.timeoutMs);
  const openai = createOpenAICompatible({
    name: 'provider',
    baseURL: provider.baseUrl,
    apiKey: provider.apiKey,
    includeUsage: true,
    fetch: timed.fetch,
  });

  return { model: openai.chatModel(model.providerModel), timedOut: timed.timedOut, close: timed.close };
}

function truncate(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();

  return flat.length > maxProviderMessageLength ? `${flat.slice(0, maxProviderMessageLength)}…` : flat;
}

/**
 * Picks the parts of a failure worth logging. The AI SDK's errors also carry the request
 * body, which contains the whole conversation, so they are not logged as they are.
 */
function logFields(error: unknown): Record<string, unknown> {
  if (APICallError.isInstance(error)) {
    const url = new URL(error.url);

    return {
      name: error.name,
      message: error.message,
      statusCode: error.statusCode,
      url: `${url.protocol}//${url.host}${url.pathname}`,
      responseBody: error.responseBody === undefined ? undefined : truncate(error.responseBody),
      cause: error.cause instanceof Error ? error.cause.message : undefined,
    };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message };
  }

  return { value: truncate(typeof error === 'string' ? error : JSON.stringify(error)) };
}

/** Reads the message of an error object that a provider put into its stream, such as `{"message": "..."}`. */
function streamedErrorMessage(error: unknown): string | undefined {
  if (typeof error === 'string') {
    return error;
  }
  if (typeof error === 'object' && error !== null && !(error instanceof Error)) {
    const message = (error as { message?: unknown }).message;

    return typeof message === 'string' ? message : JSON.stringify(error);
  }

  return undefined;
}

/**
 * Turns a failure of a model call into the error returned to the client: `upstream_timeout`
 * (504) when the provider went quiet for LLM_TIMEOUT_MS, otherwise `upstream_error` (502)
 * with the provider's status and message. Failures are logged here, with the details
 * that the client message leaves out.
 */
export function upstreamError(error: unknown, connection: ModelConnection, runtime: ModelRuntime, log: Logger): AppError {
  if (error instanceof AppError) {
    return error;
  }
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (connection.timedOut()) {
    log.warn({ failure: logFields(cause), timeoutMs: runtime.timeoutMs }, 'model provider timed out');

    return new AppError(
      ErrorCode.UpstreamTimeout,
      `The model provider sent nothing for ${runtime.timeoutMs} ms (LLM_TIMEOUT_MS); try again, or raise LLM_TIMEOUT_MS for a slow model`,
      { cause },
    );
  }
  log.error({ failure: logFields(cause) }, 'model provider request failed');
  if (APICallError.isInstance(cause)) {
    if (cause.statusCode === undefined) {
      return new AppError(
        ErrorCode.UpstreamError,
        'Could not reach the model provider; check OPENAI_BASE_URL and that the provider is running',
        { cause },
      );
    }

    return new AppError(
      ErrorCode.UpstreamError,
      `The model provider answered HTTP ${cause.statusCode}: ${truncate(cause.message)}`,
      { cause },
    );
  }
  const streamed = streamedErrorMessage(cause);
  if (streamed !== undefined) {
    return new AppError(ErrorCode.UpstreamError, `The model provider reported an error: ${truncate(streamed)}`);
  }

  return new AppError(
    ErrorCode.UpstreamError,
    `The model provider's response could not be used: ${truncate(cause instanceof Error ? cause.message : String(cause))}`,
    { cause },
  );
}
