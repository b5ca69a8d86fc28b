import { invertFields, mapBodyFields } from '../rest/fields.js';
import { dataResponse } from '../rest/responses.js';
import { route, type RouteList } from '../rest/router.js';
import { dataEnvelope } from '../rest/route-docs.js';
import type { SpeechInput, TranscriptionInput } from './schemas.js';
import { audioBody, speechBody, speechFields, transcriptionBody, transcriptionFields, transcriptionResult } from './rest-schemas.js';
import { synthesizeSpeech, transcribeAudio } from './speech.js';

const speechFieldNames = invertFields(speechFields);
const transcriptionFieldNames = invertFields(transcriptionFields);

/** Speech synthesis and transcription, the building blocks that rooms and calls use. */
export const voiceRoutes: RouteList = [
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
