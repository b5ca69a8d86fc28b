import { getAgent } from '../agents/service.js';
import { generateToken, hashToken } from '../auth/secrets.js';
import type { ServiceContext } from '../context.js';
import { notFound } from '../errors.js';
import type { VoiceRoomCreatedData } from '../events/catalogue.js';
import { recordEvent } from '../events/outbox.js';
import type { Prisma, VoiceRoom } from '../generated/prisma/client.js';
import { parseDatabaseId } from '../ids.js';
import { parseInput, type FieldNames } from '../validation.js';
import { speechEngineFor } from './engines/index.js';
import type { VoiceRuntime } from './runtime.js';
import { createRoomInput, type CreateRoomInput } from './schemas.js';
import { formatTranscript, loadTranscript } from './transcripts.js';

/** A room with what REST and GraphQL show beside its row. */
export interface RoomDetails {
  room: VoiceRoom;
  participants: number;
  transcript: string;
}

function tenantWhere(ctx: ServiceContext) {
  return { accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode };
}

/** Builds the WebSocket path that participants of room `id` connect to. */
export function roomSocketPath(id: number): string {
  return `/api/v1/voice/rooms/${id}/socket`;
}

/**
 * Creates a room and returns it with its join token, which is stored only as a hash.
 * The agent must belong to the caller (404 otherwise), and the room's engine (the
 * input's, else the agent's, else the local one) must be usable (503 naming its
 * settings otherwise).
 */
export async function createRoom(
  ctx: ServiceContext,
  runtime: VoiceRuntime,
  input: CreateRoomInput,
  fieldNames: FieldNames = {},
): Promise<{ room: VoiceRoom; joinToken: string }> {
  const data = parseInput(createRoomInput, input, fieldNames);
  const agent = data.agentId == null ? undefined : await getAgent(ctx, data.agentId);
  const voiceEngine = data.voiceEngine ?? agent?.voiceEngine ?? null;
  speechEngineFor(runtime.engines, voiceEngine);
  const joinToken = generateToken('vrt_');

  const room = await ctx.prisma.$transaction(async (tx) => {
    const created = await tx.voiceRoom.create({
      data: {
        ...tenantWhere(ctx),
        name: data.name,
        maxParticipants: data.maxParticipants,
        voiceEngine,
        agentId: agent?.id ?? null,
        joinTokenHash: hashToken(joinToken),
      },
    });
    await recordEvent(tx, ctx.tenant, 'voice.room.created', {
      room_id: created.id,
      room_name: created.name,
      max_participants: created.maxParticipants,
      voice_engine: created.voiceEngine,
      agent_id: created.agentId,
    } satisfies VoiceRoomCreatedData);

    return created;
  });
  ctx.log.info({ roomId: room.id, agentId: room.agentId }, 'created voice room');

  return { room, joinToken };
}

/** Reads a room of the tenant, active or closed; another account's room is "not found". */
export async function getRoom(ctx: ServiceContext, id: string | number): Promise<VoiceRoom> {
  const roomId = parseDatabaseId(id);
  const room = roomId === undefined ? null : await ctx.prisma.voiceRoom.findFirst({ where: { ...tenantWhere(ctx), id: roomId } });
  if (room === null) {
    throw notFound('Voice room', id);
  }

  return room;
}

/** Adds the participant count and transcript to rooms, with one query for each. */
export async function describeRooms(ctx: ServiceContext, rooms: VoiceRoom[]): Promise<RoomDetails[]> {
  const ids = rooms.map((room) => room.id);
  const [counts, lines] = await Promise.all([
    ctx.prisma.voiceParticipant.groupBy({ by: ['roomId'], where: { roomId: { in: ids }, leftAt: null }, _count: { _all: true } }),
    ctx.prisma.voiceUtterance.findMany({
      where: { roomId: { in: ids } },
      orderBy: { id: 'asc' },
      select: { roomId: true, speaker: true, text: true },
    }),
  ]);
  const countByRoom = new Map(counts.map((entry) => [entry.roomId, entry._count._all]));

  return rooms.map((room) => ({
    room,
    participants: countByRoom.get(room.id) ?? 0,
    transcript: formatTranscript(lines.filter((line) => line.roomId === room.id)),
  }));
}

export async function roomDetails(ctx: ServiceContext, id: string | number): Promise<RoomDetails> {
  const [details] = await describeRooms(ctx, [await getRoom(ctx, id)]);

  return details!;
}

/** Lists the tenant's active rooms, oldest first, for offset pagination. */
export async function listActiveRooms(ctx: ServiceContext, page: { offset: number; limit: number }) {
  const where: Prisma.VoiceRoomWhereInput = { ...tenantWhere(ctx), status: 'active' };
  const [rooms, total] = await ctx.prisma.$transaction([
    ctx.prisma.voiceRoom.findMany({ where, orderBy: { id: 'asc' }, skip: page.offset, take: page.limit }),
    ctx.prisma.voiceRoom.count({ where }),
  ]);

  return { rooms, total };
}

/** Lists active rooms with a Pothos connection query. */
export function findActiveRooms(ctx: ServiceContext, query: Prisma.VoiceRoomFindManyArgs) {
  return ctx.prisma.voiceRoom.findMany({ ...query, where: { ...tenantWhere(ctx), status: 'active' }, orderBy: { id: 'asc' } });
}

export function countActiveRooms(ctx: ServiceContext) {
  return ctx.prisma.voiceRoom.count({ where: { ...tenantWhere(ctx), status: 'active' } });
}

/**
 * Closes a room: it leaves the active list, its participants on this instance are
 * disconnected, and nobody can join it again. Closing a closed room changes nothing.
 */
export async function closeRoom(ctx: ServiceContext, runtime: VoiceRuntime, id: string | number): Promise<VoiceRoom> {
  const room = await getRoom(ctx, id);
  if (room.status === 'closed') {
    return room;
  }
  const closedAt = new Date();
  const [closed] = await ctx.prisma.$transaction(async (tx) => {
    await tx.voiceParticipant.updateMany({ where: { roomId: room.id, leftAt: null }, data: { leftAt: closedAt } });

    return tx.voiceRoom.updateManyAndReturn({
      where: { ...tenantWhere(ctx), id: room.id, status: 'active' },
      data: { status: 'closed', closedAt },
    });
  });
  runtime.rooms.close(room.id);
  ctx.log.info({ roomId: room.id }, 'closed voice room');

  return closed ?? (await getRoom(ctx, id));
}

export async function roomTranscript(ctx: ServiceContext, id: string | number): Promise<string> {
  const room = await getRoom(ctx, id);

  return formatTranscript(await loadTranscript(ctx.prisma, { roomId: room.id }));
}
