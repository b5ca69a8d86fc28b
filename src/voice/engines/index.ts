import type { VoiceSettings } from '../../config.js';
import { serviceUnavailable } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { createCartesiaEngine } from './cartesia.js';
import { createElevenLabsEngine } from './elevenlabs.js';
import { createEspeakEngine } from './espeak.js';
import { createOpenAISpeechEngine } from './openai-speech.js';
import type { SpeechEngine, SpeechEngineName } from './types.js';

export type SpeechEngines = ReadonlyMap<SpeechEngineName, SpeechEngine>;

/** Builds every speech engine from the settings; engines without settings stay off. */
export async function createSpeechEngines(settings: VoiceSettings, log: Logger): Promise<SpeechEngines> {
  const timeoutMs = settings.timeoutMs;
  const engines: SpeechEngine[] = [
    await createEspeakEngine({ command: settings.espeakPath, voice: settings.espeakVoice, timeoutMs }, log),
    createOpenAISpeechEngine({ name: 'kokoro', label: 'Kokoro', settingsPrefix: 'KOKORO', timeoutMs, ...settings.kokoro }),
    createOpenAISpeechEngine({ name: 'orpheus', label: 'Orpheus', settingsPrefix: 'ORPHEUS', timeoutMs, ...settings.orpheus }),
    createCartesiaEngine({ timeoutMs, ...settings.cartesia }),
    createElevenLabsEngine({ timeoutMs, ...settings.elevenlabs }),
  ];
  const configured = engines.filter((engine) => engine.unavailableReason === undefined).map((engine) => engine.name);
  log.info({ engines: configured }, 'speech engines ready');

  return new Map(engines.map((engine) => [engine.name, engine]));
}

/**
 * Returns the engine for a room or call: its `voice_engine`, or the local engine when it
 * names none. An engine that cannot be used raises 503 with the reason.
 */
export function speechEngineFor(engines: SpeechEngines, name: SpeechEngineName | null): SpeechEngine {
  const engine = engines.get(name ?? 'espeak');
  if (engine === undefined) {
    throw serviceUnavailable(`The ${name ?? 'espeak'} voice engine does not exist on this server`);
  }
  if (engine.unavailableReason !== undefined) {
    throw serviceUnavailable(engine.unavailableReason);
  }

  return engine;
}
