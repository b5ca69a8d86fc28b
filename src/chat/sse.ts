import { AppError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { errorResponse } from '../rest/responses.js';
import type { ChatChunk } from './service.js';

/** How often an open stream sends an SSE comment, so that proxies keep the connection open. */
const heartbeatMs = 15_000;

/**
 * Headers of a chat stream. `no-transform` and `X-Accel-Buffering: no` stop proxies such as
 * nginx from buffering or compressing the events, which would hold them back until the end.
 */
export const eventStreamHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

const internalErrorChunk: ChatChunk = {
  type: 'error',
  error: { code: 'internal_error', message: 'Internal server error', status: 500 },
};

/**
 * Sends chat chunks as Server-Sent Events in the REST contract's format: each chunk
 * is one `data: <json>` line and a blank line, and the stream ends with `data: [DONE]`,
 * also after an `error` chunk. JSON escapes newlines inside strings, so a chunk never
 * spans two lines.
 *
 * The status is sent with the first chunk. When that chunk is already an error, such as a
 * provider that is down, the answer is the usual JSON error envelope with its status
 * instead of a stream. When the client disconnects (`requestSignal`) or cancels the body,
 * the signal passed to `start` aborts.
 */
export async function chatEventStream(
  start: (signal: AbortSignal) => AsyncGenerator<ChatChunk, void>,
  requestSignal: AbortSignal,
  log: Logger,
): Promise<Response> {
  const controller = new AbortController();
  const abort = () => controller.abort(requestSignal.reason);
  requestSignal.addEventListener('abort', abort, { once: true });
  const chunks = start(controller.signal);
  const next = async (): Promise<IteratorResult<ChatChunk, void>> => {
    try {
      return await chunks.next();
    } catch (error) {
      log.error({ err: error }, 'chat stream failed');

      return { done: false, value: internalErrorChunk };
    }
  };

  const first = await next();
  if (first.done !== true && first.value.type === 'error') {
    requestSignal.removeEventListener('abort', abort);
    await chunks.return();
    const { code, message } = first.value.error;

    return errorResponse(new AppError(code as ErrorCode, message));
  }

  const encoder = new TextEncoder();
  let pending: IteratorResult<ChatChunk, void> | undefined = first;
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;
  const close = (stream: ReadableStreamDefaultController<Uint8Array>) => {
    closed = true;
    clearInterval(heartbeat);
    requestSignal.removeEventListener('abort', abort);
    stream.enqueue(encoder.encode('data: [DONE]\n\n'));
    stream.close();
  };

  const body = new ReadableStream<Uint8Array>({
    start(stream) {
      heartbeat = setInterval(() => {
        if (!closed) {
          stream.enqueue(encoder.encode(': keep-alive\n\n'));
        }
      }, heartbeatMs);
    },
    async pull(stream) {
      const result = pending ?? (await next());
      pending = undefined;
      if (closed) {
        return;
      }
      if (result.done === true) {
        close(stream);

        return;
      }
      stream.enqueue(encoder.encode(`data: ${JSON.stringify(result.value)}\n\n`));
      if (result.value.type === 'error') {
        close(stream);
        await chunks.return();
      }
    },
    async cancel() {
      closed = true;
      clearInterval(heartbeat);
      requestSignal.removeEventListener('abort', abort);
      controller.abort();
      await chunks.return();
    },
  });

  return new Response(body, { status: 200, headers: eventStreamHeaders });
}
