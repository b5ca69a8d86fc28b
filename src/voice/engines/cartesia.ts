import { serviceUnavailable } from '../../errors.js';
import { assertWav } from '../audio.js';
import { fetchFromProvider, joinUrl } from './http.js';
import type { SpeechEngine } from './types.js';

export interface CartesiaOptions {
  /** `https://api.cartesia.ai` unless an operator routes through a proxy. */
  baseUrl: string;
  apiKey: string | undefined;
  /** A voice id from the Cartesia voice library. */
  voice: string | undefined;
  model: string;
  /** The date sent as `Cartesia-Version`, which fixes the API behaviour. */
  apiVersion: string;
  timeoutMs: number;
}

/** Sample rate asked of Cartesia, the rate of the local engine, so that clients get one format. */
const sampleRate = 22_050;

/**
 * Cartesia through its Text-to-Speech (Bytes) endpoint, `POST /tts/bytes`, which returns
 * the whole utterance as one body. The request asks for a WAV container of 16-bit PCM.
 */
export function createCartesiaEngine(options: CartesiaOptions): SpeechEngine {
  const missing = [
    ...(options.apiKey === undefined ? ['CARTESIA_API_KEY'] : []),
    ...(options.voice === undefined ? ['CARTESIA_VOICE_ID'] : []),
  ];
  const unavailableReason =
    missing.length === 0
      ? undefined
      : `The cartesia voice engine is not configured: set ${missing.join(' and ')}, then restart the server`;

  return {
    name: 'cartesia',
    unavailableReason,
    async synthesize(request) {
      if (unavailableReason !== undefined) {
        throw serviceUnavailable(unavailableReason);
      }
      const { body, contentType } = await fetchFromProvider('Cartesia', joinUrl(options.baseUrl, 'tts/bytes'), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.apiKey!}`,
          'cartesia-version': options.apiVersion,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          model_id: options.model,
          transcript: request.text,
          voice: { mode: 'id', id: request.voice ?? options.voice! },
          output_format: { container: 'wav', encoding: 'pcm_s16le', sample_rate: sampleRate },
        }),
        timeoutMs: options.timeoutMs,
        signal: request.signal,
      });

      return { engine: 'cartesia', contentType: 'audio/wav', audio: assertWav('Cartesia', body, contentType) };
    },
  };
}
