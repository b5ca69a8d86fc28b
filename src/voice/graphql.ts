import { VoiceEngineEnum } from '../agents/graphql.js';
import { builder } from '../graphql/builder.js';
import { databaseIdOf, tenantNodeWhere } from '../graphql/tenancy.js';
import { VoiceCallProvider, VoiceCallStatus, VoiceRoomStatus } from '../generated/prisma/enums.js';
import { notFound } from '../errors.js';
import * as calls from './calls.js';
import * as rooms from './rooms.js';
import { formatTranscript } from './transcripts.js';

export const VoiceRoomStatusEnum = builder.enumType(VoiceRoomStatus, {
  name: 'VoiceRoomStatus',
  description: 'active: participants may join; closed: ended, with its transcript kept',
});
export const VoiceCallStatusEnum = builder.enumType(VoiceCallStatus, {
  name: 'VoiceCallStatus',
  description: 'The call status of Twilio: queued, ringing, in_progress, then one of the final statuses',
});
export const VoiceCallProviderEnum = builder.enumType(VoiceCallProvider, { name: 'VoiceCallProvider' });

const transcriptSelection = { utterances: { orderBy: { id: 'asc' as const }, select: { speaker: true, text: true } } };

export const VoiceRoomNode = builder.prismaNode('VoiceRoom', {
  id: { field: 'id' },
  // node(id:) returns null, as Relay expects, for a row that the tenant filter hides.
  nullable: true,
  findUnique: (id, context) => tenantNodeWhere(id, context),
  authScopes: { scope: 'voice:read' },
  description: 'A voice conference room where participants talk with each other and an agent.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id that REST v1 uses.' }),
    name: t.exposeString('name'),
    status: t.expose('status', { type: VoiceRoomStatusEnum }),
    maxParticipants: t.exposeInt('maxParticipants'),
    participants: t.relationCount('participants', {
      where: { leftAt: null },
      description: 'Participants connected now, the agent not counted.',
    }),
    voiceEngine: t.expose('voiceEngine', {
      type: VoiceEngineEnum,
      nullable: true,
      description: 'null: the local espeak-ng engine.',
    }),
    agent: t.relation('agent', { nullable: true }),
    transcript: t.string({
      select: transcriptSelection,
      description: 'Speaker-prefixed lines, oldest first.',
      resolve: (room) => formatTranscript(room.utterances),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const VoiceCallNode = builder.prismaNode('VoiceCall', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => tenantNodeWhere(id, context),
  authScopes: { scope: 'voice:read' },
  description: 'An outbound call placed through a telephony provider.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id that REST v1 uses.' }),
    to: t.exposeString('to'),
    roomName: t.exposeString('roomName'),
    status: t.expose('status', { type: VoiceCallStatusEnum }),
    provider: t.expose('provider', { type: VoiceCallProviderEnum }),
    durationSeconds: t.exposeInt('durationSeconds'),
    participants: t.int({ description: 'Parties on the call: the callee and the agent.', resolve: () => calls.callParticipants }),
    voiceEngine: t.expose('voiceEngine', { type: VoiceEngineEnum, nullable: true }),
    agent: t.relation('agent', { nullable: true }),
    transcript: t.string({
      select: transcriptSelection,
      description: 'Speaker-prefixed lines, oldest first.',
      resolve: (call) => formatTranscript(call.utterances),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryFields((t) => ({
  voiceRooms: t.prismaConnection(
    {
      type: 'VoiceRoom',
      cursor: 'id',
      authScopes: { scope: 'voice:read' },
      description: "The caller's active voice rooms, oldest first.",
      totalCount: (_parent, _args, context) => rooms.countActiveRooms(context.services()),
      resolve: (query, _parent, _args, context) => rooms.findActiveRooms(context.services(), query),
    },
    {},
  ),
  voiceRoom: t.prismaField({
    type: 'VoiceRoom',
    authScopes: { scope: 'voice:read' },
    description: 'One voice room by its global id, active or closed.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _parent, args, context) => {
      const id = databaseIdOf(String(args.id), 'VoiceRoom', 'Voice room');
      const room = await context.prisma.voiceRoom.findFirst({ ...query, where: { id, ...context.services().tenant } });
      if (room === null) {
        throw notFound('Voice room', String(args.id));
      }

      return room;
    },
  }),
  voiceCalls: t.prismaConnection(
    {
      type: 'VoiceCall',
      cursor: 'id',
      authScopes: { scope: 'voice:read' },
      description: "The caller's calls, newest first.",
      totalCount: (_parent, _args, context) => calls.countCalls(context.services()),
      resolve: (query, _parent, _args, context) => calls.findCalls(context.services(), query),
    },
    {},
  ),
  voiceCall: t.prismaField({
    type: 'VoiceCall',
    authScopes: { scope: 'voice:read' },
    description: 'One call by its global id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _parent, args, context) => {
      const id = databaseIdOf(String(args.id), 'VoiceCall', 'Voice call');
      const call = await context.prisma.voiceCall.findFirst({ ...query, where: { id, ...context.services().tenant } });
      if (call === null) {
        throw notFound('Voice call', String(args.id));
      }

      return call;
    },
  }),
}));

/** Agent global id in an input, decoded to its database id. */
function agentDatabaseId(value: string | number | null | undefined): number | null | undefined {
  return value === undefined || value === null ? value : databaseIdOf(String(value), 'Agent');
}

builder.relayMutationField(
  'createVoiceRoom',
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      maxParticipants: t.int({ description: 'From 1 to 100; 10 when absent.' }),
      voiceEngine: t.field({ type: VoiceEngineEnum }),
      agentId: t.id({ description: 'Global id of an agent that answers in the room.' }),
    }),
  },
  {
    authScopes: { scope: 'voice:write' },
    resolve: async (_parent, { input }, context) => {
      const created = await rooms.createRoom(context.services(), context.voice, {
        name: input.name,
        maxParticipants: input.maxParticipants ?? undefined,
        voiceEngine: input.voiceEngine,
        agentId: agentDatabaseId(input.agentId),
      });

      return { ...created, joinUrl: rooms.roomSocketPath(created.room.id) };
    },
  },
  {
    outputFields: (t) => ({
      room: t.field({ type: VoiceRoomNode, resolve: (payload) => payload.room }),
      joinToken: t.string({ description: 'Token participants join with; shown only here.', resolve: (payload) => payload.joinToken }),
      joinUrl: t.string({ description: 'WebSocket path of the room.', resolve: (payload) => payload.joinUrl }),
    }),
  },
);

builder.relayMutationField(
  'closeVoiceRoom',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    authScopes: { scope: 'voice:write' },
    description: 'Disconnects the participants and keeps the transcript. Closing a closed room changes nothing.',
    resolve: async (_parent, { input }, context) => ({
      room: await rooms.closeRoom(context.services(), context.voice, databaseIdOf(String(input.id), 'VoiceRoom', 'Voice room')),
    }),
  },
  { outputFields: (t) => ({ room: t.field({ type: VoiceRoomNode, resolve: (payload) => payload.room }) }) },
);

builder.relayMutationField(
  'startVoiceCall',
  {
    inputFields: (t) => ({
      to: t.string({ required: true, description: 'E.164 phone number or SIP URI.' }),
      agentId: t.id({ description: 'Global id of the agent that handles the call.' }),
      voiceEngine: t.field({ type: VoiceEngineEnum }),
    }),
  },
  {
    authScopes: { scope: 'voice:write' },
    resolve: async (_parent, { input }, context) => ({
      call: await calls.startCall(context.services(), context.voice, {
        to: input.to,
        agentId: agentDatabaseId(input.agentId),
        voiceEngine: input.voiceEngine,
      }, { origin: undefined }),
    }),
  },
  { outputFields: (t) => ({ call: t.field({ type: VoiceCallNode, resolve: (payload) => payload.call }) }) },
);
