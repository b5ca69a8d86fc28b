import { EventSourceParserStream } from 'eventsource-parser/stream';
import { errorForStatus } from './errors.js';

/** The data line that ends a chat stream; it is not JSON. */
const doneMarker = '[DONE]';

interface ErrorChunk {
  type: 'error';
  error: { code: string; message: string; status: number };
}

function isErrorChunk(value: unknown): value is ErrorChunk {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'error';
}

/**
 * Reads a Server-Sent Events body and yields the JSON of each `data:` field until
 * `data: [DONE]` or the end of the body. An `error` chunk, which the server sends when a
 * reply fails after the stream has started, is raised as the matching error class.
 * Leaving the loop early cancels the body, so the server stops generating.
 */
export async function* readJsonEvents<Chunk>(response: Response): AsyncGenerator<Chunk, void, undefined> {
  if (response.body === null) {
    return;
  }
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || value.data === doneMarker) {
        return;
      }
      const chunk = JSON.parse(value.data) as unknown;
      if (isErrorChunk(chunk)) {
        throw errorForStatus(chunk.error.message, { status: chunk.error.status, code: chunk.error.code, requestId });
      }
      yield chunk as Chunk;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
