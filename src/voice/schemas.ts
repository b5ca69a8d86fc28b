import { z } from 'zod';
import { VoiceEngine } from '../generated/prisma/enums.js';
import { maxDatabaseId } from '../ids.js';
import { maxSpeechTextLength } from './engines/types.js';

export const voiceEngines = Object.values(VoiceEngine);

/** Default and largest `max_participants` of a room; the agent does not count. */
export const defaultMaxParticipants = 10;
export const maxMaxParticipants = 100;
export const maxRoomNameLength = 100;
export const maxParticipantNameLength = 60;
/** Largest audio accepted for one transcription, in bytes (10 MiB). */
export const maxAudioBytes = 10 * 1024 * 1024;

function requiredString(issue: { input?: unknown }): string {
  return issue.input === undefined ? 'is required' : 'must be a string';
}

function tooLong(max: number) {
  return (issue: { input?: unknown }) => `must be at most ${max} characters, got ${[...String(issue.input)].length}`;
}

const voiceEngine = z.enum(VoiceEngine, {
  error: (issue) => `must be one of ${voiceEngines.join(', ')}, got ${JSON.stringify(issue.input)}`,
});

const agentId = z
  .number({ error: 'must be an integer agent id' })
  .int({ error: 'must be an integer agent id' })
  .min(1, { error: 'must be a positive agent id' })
  .max(maxDatabaseId, { error: 'does not name an agent' });

/** E.164: a `+`, then 8 to 15 digits, the first of which is not 0. */
export const e164Pattern = /^\+[1-9][0-9]{7,14}$/;

/**
 * A SIP or SIPS URI of the form `sip:user@host`, with an optional port and URI
 * parameters. The user part takes the unreserved and user-unreserved characters of
 * RFC 3261 and percent escapes. The host is a domain name, an IPv4 address or an IPv6
 * reference in brackets.
 */
export const sipUriPattern =
  /^(sips?):((?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+)@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?((?:;[A-Za-z0-9\-_.!~*'()%]+(?:=[A-Za-z0-9\-_.!~*'()%[\]/:&+$]+)?)*)$/i;

/** A call destination, sorted by kind, or `undefined` for neither. */
export type Destination = { kind: 'phone'; number: string } | { kind: 'sip'; uri: string; host: string; port: number | undefined };

export function parseDestination(value: string): Destination | undefined {
  if (e164Pattern.test(value)) {
    return { kind: 'phone', number: value };
  }
  const match = sipUriPattern.exec(value);
  if (match === null) {
    return undefined;
  }
  const port = match[4] === undefined ? undefined : Number(match[4]);
  if (port !== undefined && (port < 1 || port > 65_535)) {
    return undefined;
  }

  return { kind: 'sip', uri: value, host: match[3]!.replace(/^\[|\]$/g, ''), port };
}

const destination = z.string({ error: requiredString }).refine((value) => parseDestination(value) !== undefined, {
  error: (issue) =>
    `must be an E.164 phone number (+ and 8 to 15 digits, such as +14155550123) or a SIP URI such as sip:alice@example.com, got ${JSON.stringify(issue.input)}`,
});

export const createRoomInput = z.strictObject({
  name: z
    .string({ error: requiredString })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(maxRoomNameLength, { error: tooLong(maxRoomNameLength) }),
  maxParticipants: z
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .min(1, { error: `must be an integer from 1 to ${maxMaxParticipants}` })
    .max(maxMaxParticipants, { error: `must be an integer from 1 to ${maxMaxParticipants}` })
    .default(defaultMaxParticipants),
  voiceEngine: voiceEngine.nullable().optional(),
  agentId: agentId.nullable().optional(),
});

export type CreateRoomInput = z.input<typeof createRoomInput>;

export const startCallInput = z.strictObject({
  to: destination,
  agentId: agentId.nullable().optional(),
  voiceEngine: voiceEngine.nullable().optional(),
});

export type StartCallInput = z.input<typeof startCallInput>;

export const speechInput = z.strictObject({
  text: z
    .string({ error: requiredString })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(maxSpeechTextLength, { error: tooLong(maxSpeechTextLength) }),
  voiceEngine: voiceEngine.nullable().optional(),
  voice: z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' }).max(200).optional(),
});

export type SpeechInput = z.input<typeof speechInput>;

export const transcriptionInput = z.strictObject({
  audio: z.base64({ error: 'must be base64-encoded audio' }).min(1, { error: 'must not be empty' }),
  contentType: z
    .enum(['audio/wav', 'audio/x-wav', 'audio/mpeg', 'audio/ogg', 'audio/webm', 'audio/flac', 'audio/mp4'], {
      error: (issue) =>
        `must be one of audio/wav, audio/x-wav, audio/mpeg, audio/ogg, audio/webm, audio/flac, audio/mp4, got ${JSON.stringify(issue.input)}`,
    })
    .default('audio/wav'),
});

export type TranscriptionInput = z.input<typeof transcriptionInput>;
