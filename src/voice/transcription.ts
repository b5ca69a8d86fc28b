import { AppError, ErrorCode, serviceUnavailable } from '../errors.js';
import { fetchFromProvider, joinUrl } from './engines/http.js';

export interface TranscriptionOptions {
  /** An OpenAI-compatible base URL ending in `/v1`; `undefined` turns speech input off. */
  baseUrl: string | undefined;
  apiKey: string | undefined;
  model: string;
  timeoutMs: number;
}

/** Speech to text through an OpenAI-compatible `POST /v1/audio/transcriptions` endpoint. */
export interface Transcriber {
  readonly unavailableReason: string | undefined;
  transcribe(audio: Buffer, contentType: string, signal?: AbortSignal): Promise<string>;
}

const fileNames: Record<string, string> = {
  'audio/wav': 'speech.wav',
  'audio/x-wav': 'speech.wav',
  'audio/mpeg': 'speech.mp3',
  'audio/ogg': 'speech.ogg',
  'audio/webm': 'speech.webm',
  'audio/flac': 'speech.flac',
  'audio/mp4': 'speech.m4a',
};

/** Audio types that transcription accepts, by their MIME type. */
export const transcribableTypes = Object.keys(fileNames);

/**
 * Sends audio as the `file` part of a multipart form, with `model` and
 * `response_format=json`, and returns the `text` field of the JSON response, which is
 * the shape of OpenAI's transcription API.
 */
export function createTranscriber(options: TranscriptionOptions): Transcriber {
  const unavailableReason =
    options.baseUrl === undefined
      ? 'Speech to text is not configured: set STT_BASE_URL to an OpenAI-compatible server (and STT_API_KEY if it needs one), then restart the server'
      : undefined;

  return {
    unavailableReason,
    async transcribe(audio, contentType, signal) {
      if (options.baseUrl === undefined) {
        throw serviceUnavailable(unavailableReason!);
      }
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(audio)], { type: contentType }), fileNames[contentType] ?? 'speech.wav');
      form.set('model', options.model);
      form.set('response_format', 'json');
      const headers: Record<string, string> = {};
      if (options.apiKey !== undefined) {
        headers.authorization = `Bearer ${options.apiKey}`;
      }
      const { body } = await fetchFromProvider('The speech-to-text server', joinUrl(options.baseUrl, 'audio/transcriptions'), {
        method: 'POST',
        headers,
        body: form,
        timeoutMs: options.timeoutMs,
        signal,
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      const text = (parsed as { text?: unknown } | undefined)?.text;
      if (typeof text !== 'string') {
        throw new AppError(ErrorCode.UpstreamError, 'The speech-to-text server returned JSON without a "text" field');
      }

      return text.trim();
    },
  };
}
