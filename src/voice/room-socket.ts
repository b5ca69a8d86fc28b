import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { digestsEqual, hashToken } from '../auth/secrets.js';
import { isAppError } from '../errors.js';
import type { PrismaClient, VoiceRoom } from '../generated/prisma/client.js';
import type { ModelRuntime } from '../llm/models.js';
import type { Logger } from '../logger.js';
import { isStorableText } from '../validation.js';
import { agentAnswer } from './agent-turn.js';
import { speechEngineFor } from './engines/index.js';
import { RoomCloseCode, type RoomServerMessage } from './room-hub.js';
import type { VoiceRuntime } from './runtime.js';
import { maxAudioBytes, maxParticipantNameLength } from './schemas.js';
import { appendUtterance, recentLines } from './transcripts.js';
import { maxSpeechTextLength } from './engines/types.js';

export interface RoomSocketDependencies {
  prisma: PrismaClient;
  log: Logger;
  models: ModelRuntime;
  voice: VoiceRuntime;
}

/** Milliseconds a new connection has to send its join message. */
const joinTimeoutMs = 10_000;

const roomPathPattern = /^\/api\/v1\/voice\/rooms\/([1-9][0-9]{0,9})\/socket$/;

const storableText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => isStorableText(value), { error: 'contains characters that cannot be stored' });

const joinMessage = z.strictObject({
  type: z.literal('join'),
  token: z.string().min(1).max(200),
  name: storableText(maxParticipantNameLength),
});

const participantMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: storableText(maxSpeechTextLength) }),
  z.strictObject({
    type: z.literal('audio'),
    audio: z.base64().min(1).max(Math.ceil(maxAudioBytes / 3) * 4),
    content_type: z.enum(['audio/wav', 'audio/mpeg', 'audio/ogg', 'audio/webm', 'audio/flac']).default('audio/wav'),
  }),
]);

function send(socket: WebSocket, message: RoomServerMessage): void {
  if (socket.readyState === socket.OPEN) {
    socket.send(JSON.stringify(message));
  }
}

function parseFrame(data: RawData): unknown {
  try {
    return JSON.parse(data.toString());
  } catch {
    return undefined;
  }
}

/**
 * The WebSocket endpoint of voice rooms, `/api/v1/voice/rooms/{id}/socket`. A
 * participant's first frame is `{"type":"join","token":"vrt_...","name":"Ada"}`; then it
 * sends `{"type":"text","text":"..."}` or `{"type":"audio","audio":"<base64>"}` frames
 * and receives the room's transcript lines and the agent's synthesised answers.
 */
export function createRoomSockets(deps: RoomSocketDependencies) {
  const server = new WebSocketServer({ noServer: true, maxPayload: Math.ceil(maxAudioBytes / 3) * 4 + 1024 });
  // Answers of one room run one after another, so that they follow the order of messages.
  const roomQueues = new Map<number, Promise<void>>();

  function enqueue(roomId: number, work: () => Promise<void>): void {
    const previous = roomQueues.get(roomId) ?? Promise.resolve();
    const next = previous.then(work).catch((error: unknown) => {
      deps.log.error({ err: error, roomId }, 'voice room turn failed');
    });
    roomQueues.set(roomId, next);
    void next.then(() => {
      if (roomQueues.get(roomId) === next) {
        roomQueues.delete(roomId);
      }
    });
  }

  function reportError(roomId: number, error: unknown): void {
    if (isAppError(error)) {
      deps.voice.rooms.broadcast(roomId, { type: 'error', code: error.code, message: error.message });

      return;
    }
    deps.log.error({ err: error, roomId }, 'voice room turn failed');
    deps.voice.rooms.broadcast(roomId, { type: 'error', code: 'internal_error', message: 'The agent could not answer' });
  }

  /** Records a line, shows it to everyone, and lets the room's agent answer it. */
  async function handleLine(room: VoiceRoom, speaker: string, text: string): Promise<void> {
    await appendUtterance(deps.prisma, { roomId: room.id }, { speaker, text });
    deps.voice.rooms.broadcast(room.id, { type: 'transcript', speaker, text });
    if (room.agentId === null) {
      return;
    }
    const agent = await deps.prisma.agent.findUnique({ where: { id: room.agentId } });
    if (agent === null) {
      return;
    }
    const history = await recentLines(deps.prisma, { roomId: room.id });
    const answer = await agentAnswer(deps.models, agent, history, deps.log);
    if (answer === '') {
      return;
    }
    await appendUtterance(deps.prisma, { roomId: room.id }, { speaker: agent.name, text: answer });
    deps.voice.rooms.broadcast(room.id, { type: 'transcript', speaker: agent.name, text: answer });
    const speech = await speechEngineFor(deps.voice.engines, room.voiceEngine).synthesize({ text: answer });
    deps.voice.rooms.broadcast(room.id, {
      type: 'audio',
      speaker: agent.name,
      content_type: speech.contentType,
      engine: speech.engine,
      audio: speech.audio.toString('base64'),
    });
  }

  /**
   * Admits a participant unless the room is full, counting only those still connected.
   * NOTE: a participant of an instance that crashed stays counted until the room closes.
   */
  async function admit(room: VoiceRoom, name: string): Promise<number | undefined> {
    return deps.prisma.$transaction(async (tx) => {
      // The row lock makes concurrent joins of one room count one after another.
      await tx.$queryRaw`SELECT id FROM voice_rooms WHERE id = ${room.id} FOR UPDATE`;
      const current = await tx.voiceRoom.findUnique({ where: { id: room.id }, select: { status: true } });
      if (current?.status !== 'active') {
        return undefined;
      }
      const connected = await tx.voiceParticipant.count({ where: { roomId: room.id, leftAt: null } });
      if (connected >= room.maxParticipants) {
        return -1;
      }
      const participant = await tx.voiceParticipant.create({ data: { roomId: room.id, name } });

      return participant.id;
    });
  }

  async function join(socket: WebSocket, roomId: number, frame: unknown): Promise<void> {
    const parsed = joinMessage.safeParse(frame);
    if (!parsed.success) {
      socket.close(RoomCloseCode.BadMessage, 'the first message must be {"type":"join","token":"...","name":"..."}');

      return;
    }
    const room = await deps.prisma.voiceRoom.findUnique({ where: { id: roomId } });
    if (room === null || !digestsEqual(hashToken(parsed.data.token), room.joinTokenHash)) {
      // A wrong token and a missing room look the same, so tokens cannot probe room ids.
      socket.close(RoomCloseCode.InvalidToken, 'invalid room id or join token');

      return;
    }
    if (room.status !== 'active') {
      socket.close(RoomCloseCode.RoomNotFound, 'the room is closed');

      return;
    }
    const name = parsed.data.name;
    const participantId = await admit(room, name);
    if (participantId === undefined) {
      socket.close(RoomCloseCode.RoomNotFound, 'the room is closed');

      return;
    }
    if (participantId === -1) {
      send(socket, {
        type: 'error',
        code: 'room_full',
        message: `The room allows ${room.maxParticipants} participants and is full`,
      });
      socket.close(RoomCloseCode.RoomFull, 'room full');

      return;
    }
    const agent = room.agentId === null ? null : await deps.prisma.agent.findUnique({ where: { id: room.agentId } });
    if (socket.readyState !== socket.OPEN) {
      // The participant left while being admitted, so its place is given back at once.
      await deps.prisma.voiceParticipant.update({ where: { id: participantId }, data: { leftAt: new Date() } });

      return;
    }
    deps.voice.rooms.add(room.id, socket, name);
    send(socket, {
      type: 'joined',
      participant_id: participantId,
      room: { id: room.id, name: room.name },
      participants: deps.voice.rooms.names(room.id),
      agent: agent?.name ?? null,
    });
    deps.voice.rooms.broadcast(room.id, { type: 'participant_joined', name }, socket);
    deps.log.info({ roomId: room.id, participantId }, 'participant joined voice room');

    socket.on('message', (data) => {
      const message = participantMessage.safeParse(parseFrame(data));
      if (!message.success) {
        send(socket, {
          type: 'error',
          code: 'validation_error',
          message: 'Messages must be {"type":"text","text":"..."} or {"type":"audio","audio":"<base64>","content_type":"audio/wav"}',
        });

        return;
      }
      const body = message.data;
      enqueue(room.id, async () => {
        try {
          const text =
            body.type === 'text'
              ? body.text
              : await deps.voice.transcriber.transcribe(Buffer.from(body.audio, 'base64'), body.content_type);
          if (text !== '') {
            await handleLine(room, name, text);
          }
        } catch (error) {
          reportError(room.id, error);
        }
      });
    });
    socket.on('close', () => {
      deps.voice.rooms.remove(room.id, socket);
      deps.voice.rooms.broadcast(room.id, { type: 'participant_left', name });
      deps.prisma.voiceParticipant
        .update({ where: { id: participantId }, data: { leftAt: new Date() } })
        .catch((error: unknown) => deps.log.error({ err: error, roomId: room.id, participantId }, 'could not record that a participant left'));
    });
  }

  server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const roomId = Number(roomPathPattern.exec(new URL(request.url ?? '/', 'http://room').pathname)?.[1]);
    const timer = setTimeout(() => socket.close(RoomCloseCode.JoinTimeout, 'no join message'), joinTimeoutMs);
    socket.once('message', (data) => {
      clearTimeout(timer);
      join(socket, roomId, parseFrame(data)).catch((error: unknown) => {
        deps.log.error({ err: error, roomId }, 'voice room join failed');
        socket.close(1011, 'internal error');
      });
    });
    socket.on('close', () => clearTimeout(timer));
  });

  return {
    server,
    matches: (pathname: string) => roomPathPattern.test(pathname),
    async close() {
      for (const client of server.clients) {
        client.close(1001, 'server shutting down');
      }
      await Promise.allSettled([...roomQueues.values()]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type RoomSockets = ReturnType<typeof createRoomSockets>;
