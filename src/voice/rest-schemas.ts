import { z } from 'zod';
import { named, restBody, resourceId, timestamp } from '../rest/route-docs.js';
import { VoiceCallStatus, VoiceRoomStatus } from '../generated/prisma/enums.js';
import { createRoomInput, speechInput, startCallInput, transcriptionInput, voiceEngines } from './schemas.js';

export const roomFields = {
  name: 'name',
  max_participants: 'maxParticipants',
  voice_engine: 'voiceEngine',
  agent_id: 'agentId',
} as const;

export const callFields = { to: 'to', agent_id: 'agentId', voice_engine: 'voiceEngine' } as const;

export const speechFields = { text: 'text', voice_engine: 'voiceEngine', voice: 'voice' } as const;

export const transcriptionFields = { audio: 'audio', content_type: 'contentType' } as const;

export const createRoomBody = restBody(createRoomInput, roomFields, {
  name: 'Room name',
  max_participants: 'Participants allowed at once, from 1 to 100; the agent does not count',
  voice_engine: "Engine that speaks the agent's answers; null or absent uses the agent's engine, else the local espeak-ng engine",
  agent_id: 'Agent of the same account that answers in the room',
});

export const startCallBody = restBody(startCallInput, callFields, {
  to: 'E.164 phone number (+ and 8 to 15 digits) or SIP URI (sip: or sips: user@host)',
  agent_id: 'Agent of the same account that handles the call',
  voice_engine: "Overrides the agent's engine; without either the local espeak-ng engine speaks",
});

export const speechBody = restBody(speechInput, speechFields, {
  text: 'Text to speak, at most 4000 characters',
  voice_engine: 'Engine to use; null or absent uses the local espeak-ng engine',
  voice: "A voice of the engine; absent uses the engine's configured default",
});

export const transcriptionBody = restBody(transcriptionInput, transcriptionFields, {
  audio: 'The audio, base64-encoded, at most 10 MiB decoded',
  content_type: 'MIME type of the audio',
});

const engine = z.enum(voiceEngines).nullable().describe('null: the local espeak-ng engine');

export const roomResource = named(
  'VoiceRoom',
  z.object({
    id: resourceId,
    name: z.string(),
    status: z.enum(Object.values(VoiceRoomStatus)).describe('active: open to participants; closed: ended'),
    max_participants: z.int(),
    participants: z.int().min(0).describe('Participants connected now, the agent not counted'),
    voice_engine: engine,
    agent_id: resourceId.nullable(),
    transcript: z.string().describe('Speaker-prefixed lines, oldest first'),
    created_at: timestamp,
    closed_at: timestamp.nullable(),
  }),
);

export type RoomResource = z.output<typeof roomResource>;

export const createdRoomResource = named(
  'CreatedVoiceRoom',
  roomResource.extend({
    join_token: z.string().describe('Token that participants send to join; shown only here'),
    join_url: z.string().describe('WebSocket URL path of the room'),
  }),
);

export const callResource = named(
  'VoiceCall',
  z.object({
    id: resourceId,
    to: z.string(),
    room_name: z.string(),
    status: z.enum(Object.values(VoiceCallStatus).map((status) => status.replace('_', '-')) as [string, ...string[]]),
    duration_seconds: z.int().min(0),
    participants: z.int().min(0).describe('Parties on the call: the callee and the agent'),
    voice_engine: engine,
    agent_id: resourceId.nullable(),
    provider: z.enum(['twilio', 'sip']),
    transcript: z.string().describe('Speaker-prefixed lines, oldest first'),
    created_at: timestamp,
    ended_at: timestamp.nullable(),
  }),
);

export type CallResource = z.output<typeof callResource>;

export const transcriptionResult = named('Transcription', z.object({ text: z.string() }));

export const audioBody = z.string().meta({ format: 'binary', description: 'A WAV file (RIFF, 16-bit PCM)' });
