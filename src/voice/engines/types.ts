import type { VoiceEngine } from '../../generated/prisma/enums.js';

/**
 * Names of the speech engines: the four provider engines of the `voice_engine` enum,
 * and `espeak`, the local engine that rooms and calls use when they name none.
 */
export type SpeechEngineName = VoiceEngine | 'espeak';

export interface SpeechRequest {
  text: string;
  /** A voice of the engine; `undefined` uses the engine's configured default voice. */
  voice?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Synthesised speech as a complete WAV file (RIFF, PCM). */
export interface SynthesizedSpeech {
  engine: SpeechEngineName;
  contentType: 'audio/wav';
  audio: Buffer;
}

/** One text-to-speech engine behind the common interface. */
export interface SpeechEngine {
  readonly name: SpeechEngineName;
  /**
   * Reason the engine cannot be used, or `undefined` when it can. The reason names the
   * settings or package that would make it usable, and requests get it as a 503.
   */
  readonly unavailableReason: string | undefined;
  synthesize(request: SpeechRequest): Promise<SynthesizedSpeech>;
}

/** Longest text, in characters, that one synthesis request takes. */
export const maxSpeechTextLength = 4000;
