import { serviceUnavailable } from '../../errors.js';
import { assertWav } from '../audio.js';
import { fetchFromProvider, joinUrl } from './http.js';
import type { SpeechEngine } from './types.js';

export interface OpenAISpeechOptions {
  name: 'kokoro' | 'orpheus';
  /** Display name of the engine in messages, such as "Kokoro". */
  label: string;
  /** The server's OpenAI-compatible base URL, ending in `/v1`; `undefined` leaves the engine off. */
  baseUrl: string | undefined;
  apiKey: string | undefined;
  model: string;
  voice: string;
  timeoutMs: number;
  /** The settings prefix, such as `KOKORO`, for the "not configured" message. */
  settingsPrefix: string;
}

/**
 * An engine behind the OpenAI-compatible `POST /v1/audio/speech` endpoint, which the
 * common self-hosted Kokoro and Orpheus servers expose. It asks for `wav`, so every
 * engine hands clients the same container.
 */
export function createOpenAISpeechEngine(options: OpenAISpeechOptions): SpeechEngine {
  const unavailableReason =
    options.baseUrl === undefined
      ? `The ${options.name} voice engine is not configured: set ${options.settingsPrefix}_BASE_URL (and ${options.settingsPrefix}_API_KEY if the server needs one), then restart the server`
      : undefined;

  return {
    name: options.name,
    unavailableReason,
    async synthesize(request) {
      if (options.baseUrl === undefined) {
        throw serviceUnavailable(unavailableReason!);
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.apiKey !== undefined) {
        headers.authorization = `Bearer ${options.apiKey}`;
      }
      const { body, contentType } = await fetchFromProvider(options.label, joinUrl(options.baseUrl, 'audio/speech'), {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model: options.model,
          input: request.text,
          voice: request.voice ?? options.voice,
          response_format: 'wav',
        }),
        timeoutMs: options.timeoutMs,
        signal: request.signal,
      });

      return { engine: options.name, contentType: 'audio/wav', audio: assertWav(options.label, body, contentType) };
    },
  };
}
