import { ValidationError } from '../errors.js';
import { parseInput, type FieldNames } from '../validation.js';
import { speechEngineFor } from './engines/index.js';
import type { SynthesizedSpeech } from './engines/types.js';
import type { VoiceRuntime } from './runtime.js';
import { maxAudioBytes, speechInput, transcriptionInput, type SpeechInput, type TranscriptionInput } from './schemas.js';

/** Synthesises `text` with the engine the input names, or the local engine when it names none. */
export async function synthesizeSpeech(
  runtime: VoiceRuntime,
  input: SpeechInput,
  fieldNames: FieldNames = {},
): Promise<SynthesizedSpeech> {
  const data = parseInput(speechInput, input, fieldNames);
  const engine = speechEngineFor(runtime.engines, data.voiceEngine ?? null);

  return engine.synthesize({ text: data.text, voice: data.voice });
}

/** Transcribes base64-encoded audio through the configured speech-to-text server. */
export async function transcribeAudio(
  runtime: VoiceRuntime,
  input: TranscriptionInput,
  fieldNames: FieldNames = {},
): Promise<string> {
  const data = parseInput(transcriptionInput, input, fieldNames);
  const audio = Buffer.from(data.audio, 'base64');
  if (audio.length > maxAudioBytes) {
    throw new ValidationError([
      { field: fieldNames.audio ?? 'audio', message: `must be at most ${maxAudioBytes} bytes of audio, got ${audio.length}` },
    ]);
  }

  return runtime.transcriber.transcribe(audio, data.contentType);
}
