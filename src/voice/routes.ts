import { parsePageRequest } from '../pagination.js';
import { invertFields, mapBodyFields } from '../rest/fields.js';
import { dataResponse, pageResponse } from '../rest/responses.js';
import { route, type RouteList } from '../rest/router.js';
import { dataEnvelope, emptyBody, idParams, pageEnvelope, pageQuery } from '../rest/route-docs.js';
import { isoTimestamp } from '../rest/timestamps.js';
import type { CreateRoomInput, SpeechInput, TranscriptionInput } from './schemas.js';
import {
  audioBody,
  createdRoomResource,
  createRoomBody,
  roomFields,
  roomResource,
  speechBody,
  speechFields,
  transcriptionBody,
  transcriptionFields,
  transcriptionResult,
  type RoomResource,
} from './rest-schemas.js';
import { callRoutes } from './call-routes.js';
import * as rooms from './rooms.js';
import { synthesizeSpeech, transcribeAudio } from './speech.js';

const roomFieldNames = invertFields(roomFields);

/** A room as REST v1 returns it. */
export function serializeRoom(details: rooms.RoomDetails): RoomResource {
  const { room } = details;

  return {
    id: room.id,
    name: room.name,
    status: room.status,
    max_participants: room.maxParticipants,
    participants: details.participants,
    voice_engine: room.voiceEngine,
    agent_id: room.agentId,
    transcript: details.transcript,
    created_at: isoTimestamp(room.createdAt),
    closed_at: room.closedAt === null ? null : isoTimestamp(room.closedAt),
  };
}

const roomRoutes: RouteList = [
  route({
    method: 'POST',
    path: '/api/v1/voice/rooms',
    scope: 'voice:write',
    docs: {
      operationId: 'createVoiceRoom',
      summary: 'Create a voice room',
      description:
        'Participants join over a WebSocket at `join_url` with `join_token`, which is shown only in this response. An engine that is not configured answers `503 service_unavailable` naming its settings.',
      tag: 'voice',
      body: createRoomBody,
      response: { status: 201, description: 'The new room, with its join token', schema: dataEnvelope(createdRoomResource) },
      errors: ['resource_not_found'],
    },
    async handler({ body, services, deps }) {
      const input = mapBodyFields(await body(), roomFields) as CreateRoomInput;
      const created = await rooms.createRoom(services, deps.voice, input, roomFieldNames);
      const room = serializeRoom({ room: created.room, participants: 0, transcript: '' });

      return dataResponse({ ...room, join_token: created.joinToken, join_url: rooms.roomSocketPath(created.room.id) }, 201);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/voice/rooms',
    scope: 'voice:read',
    docs: {
      operationId: 'listVoiceRooms',
      summary: 'List active voice rooms',
      description: 'Rooms that are not closed, oldest first, one page at a time.',
      tag: 'voice',
      query: pageQuery,
      response: { status: 200, description: 'One page of active rooms', schema: pageEnvelope(roomResource) },
      errors: [],
    },
    async handler({ query, services }) {
      const page = parsePageRequest(query);
      const result = await rooms.listActiveRooms(services, { offset: page.offset, limit: page.perPage });
      const details = await rooms.describeRooms(services, result.rooms);

      return pageResponse(details.map(serializeRoom), result.total, page);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/voice/rooms/:id',
    scope: 'voice:read',
    docs: {
      operationId: 'getVoiceRoom',
      summary: 'Fetch a voice room',
      description: 'Closed rooms stay readable, with their transcript.',
      tag: 'voice',
      params: idParams,
      response: { status: 200, description: 'The room', schema: dataEnvelope(roomResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      return dataResponse(serializeRoom(await rooms.roomDetails(services, params.id!)));
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/voice/rooms/:id/close',
    scope: 'voice:write',
    docs: {
      operationId: 'closeVoiceRoom',
      summary: 'Close a voice room',
      description: 'Disconnects its participants and keeps its transcript. Closing a closed room returns it unchanged.',
      tag: 'voice',
      params: idParams,
      body: emptyBody,
      bodyOptional: true,
      response: { status: 200, description: 'The room, with status closed', schema: dataEnvelope(roomResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, body, services, deps }) {
      mapBodyFields(await body({ optional: true }), {});
      const room = await rooms.closeRoom(services, deps.voice, params.id!);
      const [details] = await rooms.describeRooms(services, [room]);

      return dataResponse(serializeRoom(details!));
    },
  }),
];

const speechFieldNames = invertFields(speechFields);
const transcriptionFieldNames = invertFields(transcriptionFields);

/** Speech synthesis and transcription, the building blocks that rooms and calls use. */
const speechRoutes: RouteList = [
  route({
    method: 'POST',
    path: '/api/v1/voice/speech',
    scope: 'voice:write',
    docs: {
      operationId: 'synthesizeSpeech',
      summary: 'Speak text with a voice engine',
      description:
        'Returns a WAV file. An engine without its settings, or the local engine without espeak-ng installed, answers `503 service_unavailable` naming what to set or install.',
      tag: 'voice',
      body: speechBody,
      response: { status: 200, description: 'The speech as a WAV file', schema: audioBody, mediaType: 'audio/wav' },
      errors: ['upstream_error', 'upstream_timeout'],
    },
    async handler({ body, deps }) {
      const input = mapBodyFields(await body(), speechFields) as SpeechInput;
      const speech = await synthesizeSpeech(deps.voice, input, speechFieldNames);

      return new Response(new Uint8Array(speech.audio), {
        status: 200,
        headers: { 'content-type': speech.contentType, 'x-voice-engine': speech.engine },
      });
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/voice/transcriptions',
    scope: 'voice:write',
    docs: {
      operationId: 'transcribeAudio',
      summary: 'Transcribe speech to text',
      description:
        'Sends the audio to the OpenAI-compatible speech-to-text server at `STT_BASE_URL`; without it the answer is `503 service_unavailable`.',
      tag: 'voice',
      body: transcriptionBody,
      response: { status: 200, description: 'The text heard in the audio', schema: dataEnvelope(transcriptionResult) },
      errors: ['upstream_error', 'upstream_timeout'],
    },
    async handler({ body, deps }) {
      const input = mapBodyFields(await body(), transcriptionFields) as TranscriptionInput;

      return dataResponse({ text: await transcribeAudio(deps.voice, input, transcriptionFieldNames) });
    },
  }),
];

export const voiceRoutes: RouteList = [...callRoutes, ...roomRoutes, ...speechRoutes];
