import WebSocket from 'ws';
import { waitUntil } from './webhooks.js';

/** A participant connection to a voice room socket that keeps every frame it receives. */
export interface RoomClient {
  messages: Record<string, any>[];
  /** Resolves with the close code and reason once the socket closed. */
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  /** Waits for the first message after `from` (an index into `messages`) that `match` accepts. */
  waitFor(match: (message: Record<string, any>) => boolean, from?: number, timeoutMs?: number): Promise<Record<string, any>>;
  close(): Promise<void>;
}

/** Opens a socket to `path` of the server at `baseUrl` and sends the join message. */
export async function joinRoom(baseUrl: string, path: string, join: { token: string; name: string }): Promise<RoomClient> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`);
  const messages: Record<string, any>[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, any>));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'join', ...join }));

  return {
    messages,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    waitFor: (match, from = 0, timeoutMs = 15_000) =>
      waitUntil(
        () => messages.slice(from).find(match),
        timeoutMs,
        () => `expected a matching room message; received ${JSON.stringify(messages.map((message) => message.type))}`,
      ),
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) {
        socket.close();
        await closed;
      }
    },
  };
}
