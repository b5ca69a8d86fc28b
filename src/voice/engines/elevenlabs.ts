import { AppError, ErrorCode, serviceUnavailable } from '../../errors.js';
import { wavFromPcm16 } from '../audio.js';
import { fetchFromProvider, joinUrl } from './http.js';
import type { SpeechEngine } from './types.js';

export interface ElevenLabsOptions {
  /** `https://api.elevenlabs.io` unless an operator routes through a proxy. */
  baseUrl: string;
  apiKey: string | undefined;
  /** A voice id of the account's ElevenLabs voices. */
  voice: string | undefined;
  model: string;
  timeoutMs: number;
}

/** Sample rate asked of ElevenLabs (`pcm_22050`), the rate of the local engine. */
const sampleRate = 22_050;

/**
 * ElevenLabs through its text-to-speech endpoint, `POST /v1/text-to-speech/{voice_id}`.
 * The `pcm_22050` output format returns headerless 16-bit little-endian mono samples,
 * which are wrapped in a WAV header here.
 */
export function createElevenLabsEngine(options: ElevenLabsOptions): SpeechEngine {
  const missing = [
    ...(options.apiKey === undefined ? ['ELEVENLABS_API_KEY'] : []),
    ...(options.voice === undefined ? ['ELEVENLABS_VOICE_ID'] : []),
  ];
  const unavailableReason =
    missing.length === 0
      ? undefined
      : `The elevenlabs voice engine is not configured: set ${missing.join(' and ')}, then restart the server`;

  return {
    name: 'elevenlabs',
    unavailableReason,
    async synthesize(request) {
      if (unavailableReason !== undefined) {
        throw serviceUnavailable(unavailableReason);
      }
      const voice = encodeURIComponent(request.voice ?? options.voice!);
      const url = `${joinUrl(options.baseUrl, `v1/text-to-speech/${voice}`)}?output_format=pcm_${sampleRate}`;
      const { body, contentType } = await fetchFromProvider('ElevenLabs', url, {
        method: 'POST',
        headers: { 'xi-api-key': options.apiKey!, 'content-type': 'application/json', accept: 'audio/pcm' },
        body: JSON.stringify({ text: request.text, model_id: options.model }),
        timeoutMs: options.timeoutMs,
        signal: request.signal,
      });
      if (body.length === 0 || contentType.startsWith('application/json')) {
        throw new AppError(ErrorCode.UpstreamError, `ElevenLabs returned no audio (${contentType}, ${body.length} bytes)`);
      }

      return { engine: 'elevenlabs', contentType: 'audio/wav', audio: wavFromPcm16(body, sampleRate) };
    },
  };
}
