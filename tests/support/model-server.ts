import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted OpenAI-compatible provider for tests. It serves `POST /v1/chat/completions`
 * in the wire format of the OpenAI Chat Completions API: a `chat.completion` JSON body,
 * or with `"stream": true` Server-Sent Events of `chat.completion.chunk` objects, each as
 * `data: {...}` and a blank line, ending with `data: [DONE]`. With
 * `stream_options.include_usage` the last chunk before `[DONE]` carries `usage` and an
 * empty `choices`, as OpenAI sends it.
 *
 * Each request takes the next scripted turn from a queue. A request with nothing queued
 * gets HTTP 500, so a test that expected fewer model calls fails loudly.
 */

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ScriptedToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text, exactly as the model would write them (may be `""`). */
  arguments: string;
  /** Splits of `arguments` sent in separate stream chunks; one chunk when absent. */
  argumentChunks?: string[];
}

export type ModelTurn =
  | {
      kind: 'reply';
      /** The reply text, streamed as these pieces in order. */
      chunks: string[];
      /** Adds `{"delta":{"content":""}}` chunks between the pieces, as some providers send. */
      emptyDeltas?: boolean;
      usage?: Usage;
      /** Milliseconds to wait between two streamed chunks. */
      chunkDelayMs?: number;
    }
  | { kind: 'tool_calls'; calls: ScriptedToolCall[]; text?: string; usage?: Usage }
  | { kind: 'http_error'; status: number; message: string }
  | { kind: 'stream_error'; before: string[]; message: string }
  | { kind: 'slow'; delayMs: number; then: ModelTurn }
  /** Responds with `then` only once `open` resolves, so that a test decides when a request ends. */
  | { kind: 'gated'; open: Promise<void>; then: ModelTurn }
  /** Streams `before`, then sends nothing more until the client gives up. */
  | { kind: 'stall'; before: string[] }
  /** Sends `writes` as the body of an event stream, byte for byte, one write each. */
  | { kind: 'raw_stream'; writes: string[] }
  /** Builds the turn from the request body, for requests whose arrival order is not fixed. */
  | { kind: 'computed'; build: (body: ChatCompletionBody) => ModelTurn };

/** The parts of a chat completion request that computed turns read. */
export interface ChatCompletionBody {
  model: string;
  messages: { role: string; content: unknown }[];
}

const defaultUsage: Usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

/** Scripts a plain text reply, streamed in `chunks` (or split into words when one string is given). */
export function reply(text: string | string[], options: { usage?: Usage; emptyDeltas?: boolean; chunkDelayMs?: number } = {}): ModelTurn {
  const chunks = Array.isArray(text) ? text : (text.match(/\S+\s*|\s+/g) ?? ['']);

  return { kind: 'reply', chunks, ...options };
}

/** Scripts a turn in which the model calls tools instead of replying. */
export function toolCalls(calls: ScriptedToolCall[], options: { text?: string; usage?: Usage } = {}): ModelTurn {
  return { kind: 'tool_calls', calls, ...options };
}

export function httpError(status: number, message: string): ModelTurn {
  return { kind: 'http_error', status, message };
}

/** Scripts a stream that starts well and then carries an OpenAI-style `{"error": {...}}` chunk. */
export function streamError(message: string, before: string[] = []): ModelTurn {
  return { kind: 'stream_error', before, message };
}

/** Scripts a turn whose response starts only after `delayMs`. */
export function slow(delayMs: number, then: ModelTurn): ModelTurn {
  return { kind: 'slow', delayMs, then };
}

/** Scripts a turn built from the request it answers. */
export function computed(build: (body: ChatCompletionBody) => ModelTurn): ModelTurn {
  return { kind: 'computed', build };
}

/** Scripts a turn that waits for `open` before it responds with `then`. */
export function gated(open: Promise<void>, then: ModelTurn): ModelTurn {
  return { kind: 'gated', open, then };
}

export function stall(before: string[] = []): ModelTurn {
  return { kind: 'stall', before };
}

export function rawStream(...writes: string[]): ModelTurn {
  return { kind: 'raw_stream', writes };
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body: `model`, `messages`, `tools`, `stream`, `temperature` and so on. */
  body: any;
  /** True once the client closed the connection before the response ended. */
  aborted: boolean;
  /** Resolves when the response ended or the client went away. */
  closed: Promise<void>;
}

export interface ModelServer {
  /** Base URL for OPENAI_BASE_URL, such as http://127.0.0.1:40123/v1 */
  baseUrl: string;
  requests: ReceivedRequest[];
  /** Queues turns, which the next requests receive in order. */
  script(...turns: ModelTurn[]): void;
  /** Turns still queued. */
  pending(): number;
  /** Waits until `count` requests arrived, for at most `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function completionId(): string {
  return `chatcmpl-${Math.random().toString(36).slice(2, 12)}`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }

  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function jsonCompletion(turn: ModelTurn, model: string) {
  const base = { id: completionId(), object: 'chat.completion', created: Math.floor(Date.now() / 1000), model };
  if (turn.kind === 'tool_calls') {
    return {
      ...base,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: turn.text ?? null,
            tool_calls: turn.calls.map((call) => ({
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: call.arguments },
            })),
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: turn.usage ?? defaultUsage,
    };
  }
  if (turn.kind !== 'reply') {
    throw new Error(`turn ${turn.kind} has no JSON form`);
  }

  return {
    ...base,
    choices: [{ index: 0, message: { role: 'assistant', content: turn.chunks.join('') }, finish_reason: 'stop' }],
    usage: turn.usage ?? defaultUsage,
  };
}

/** Writes the turn as SSE chunks, and stops writing once the client has gone away. */
async function streamCompletion(
  response: ServerResponse,
  turn: ModelTurn,
  model: string,
  includeUsage: boolean,
  received: ReceivedRequest,
): Promise<void> {
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const write = (payload: unknown) => {
    if (!received.aborted) {
      response.write(`data: ${JSON.stringify(payload)}\n\n`);
    }
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    write({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] });
  const finish = (finishReason: string, usage: Usage | undefined) => {
    chunk({}, finishReason);
    if (includeUsage) {
      write({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usage ?? defaultUsage });
    }
    if (!received.aborted) {
      response.end('data: [DONE]\n\n');
    }
  };

  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // OpenAI opens every stream with the role and an empty content delta.
  chunk({ role: 'assistant', content: '' });
  switch (turn.kind) {
    case 'reply':
      for (const [index, piece] of turn.chunks.entries()) {
        if (turn.chunkDelayMs !== undefined && index > 0) {
          await delay(turn.chunkDelayMs);
        }
        chunk({ content: piece });
        if (turn.emptyDeltas === true) {
          chunk({ content: '' });
        }
      }
      finish('stop', turn.usage);
      break;
    case 'tool_calls':
      if (turn.text !== undefined) {
        chunk({ content: turn.text });
      }
      for (const [index, call] of turn.calls.entries()) {
        // The id, type and name come only in a call's first delta; later deltas carry
        // just the index and the next piece of the arguments.
        chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] });
        for (const piece of call.argumentChunks ?? [call.arguments]) {
          chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
        }
      }
      finish('tool_calls', turn.usage);
      break;
    case 'stream_error':
      for (const piece of turn.before) {
        chunk({ content: piece });
      }
      write({ error: { message: turn.message, type: 'server_error', code: null } });
      response.end();
      break;
    case 'stall':
      for (const piece of turn.before) {
        chunk({ content: piece });
      }
      await received.closed;
      break;
    default:
      throw new Error(`turn ${turn.kind} cannot be streamed`);
  }
}

/** Starts the scripted provider on a free loopback port. */
export async function startModelServer(): Promise<ModelServer> {
  const queue: ModelTurn[] = [];
  const requests: ReceivedRequest[] = [];
  const waiters: (() => void)[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let markClosed!: () => void;
    const received: ReceivedRequest = {
      path: request.url ?? '',
      headers: request.headers,
      body: undefined,
      aborted: false,
      closed: new Promise<void>((resolve) => {
        markClosed = resolve;
      }),
    };
    response.on('close', () => {
      received.aborted = !response.writableFinished;
      markClosed();
    });
    const text = await readBody(request);
    received.body = text === '' ? undefined : JSON.parse(text);
    requests.push(received);
    for (const wake of waiters.splice(0)) {
      wake();
    }

    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      sendJson(response, 404, { error: { message: `no route ${request.method} ${request.url}`, type: 'invalid_request_error' } });

      return;
    }
    let turn = queue.shift();
    if (turn === undefined) {
      sendJson(response, 500, { error: { message: 'the test scripted no response for this request', type: 'server_error' } });

      return;
    }
    while (turn.kind === 'slow' || turn.kind === 'gated' || turn.kind === 'computed') {
      if (turn.kind === 'computed') {
        turn = turn.build(received.body as ChatCompletionBody);
        continue;
      }
      if (turn.kind === 'slow') {
        await delay(turn.delayMs);
      } else {
        await Promise.race([turn.open, received.closed]);
      }
      turn = turn.then;
    }
    if (received.aborted) {
      return;
    }
    if (turn.kind === 'http_error') {
      sendJson(response, turn.status, { error: { message: turn.message, type: 'server_error', param: null, code: null } });

      return;
    }
    if (turn.kind === 'raw_stream') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const text of turn.writes) {
        response.write(text);
        await delay(20);
      }
      response.end();

      return;
    }
    const body = received.body as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
    if (body.stream === true) {
      await streamCompletion(response, turn, body.model, body.stream_options?.include_usage === true, received);
    } else {
      sendJson(response, 200, jsonCompletion(turn, body.model));
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendJson(response, 500, { error: { message: String(error), type: 'server_error' } });
      } else {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...turns) => {
      queue.push(...turns);
    },
    pending: () => queue.length,
    async waitForRequests(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} model requests within ${timeoutMs} ms, got ${requests.length}`);
        }
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), delay(50)]);
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        queue.length = 0;
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
