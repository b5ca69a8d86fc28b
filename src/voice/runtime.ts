import type { VoiceSettings } from '../config.js';
import type { Logger } from '../logger.js';
import { createSpeechEngines, type SpeechEngines } from './engines/index.js';
import { RoomHub } from './room-hub.js';
import { createTranscriber, type Transcriber } from './transcription.js';

/** The speech engines, speech to text and telephony settings of one server, built at start-up. */
export interface VoiceRuntime {
  engines: SpeechEngines;
  transcriber: Transcriber;
  settings: VoiceSettings;
  /** Room participants connected to this instance. */
  rooms: RoomHub;
}

export async function createVoiceRuntime(settings: VoiceSettings, log: Logger): Promise<VoiceRuntime> {
  return {
    engines: await createSpeechEngines(settings, log),
    transcriber: createTranscriber({
      baseUrl: settings.sttBaseUrl,
      apiKey: settings.sttApiKey,
      model: settings.sttModel,
      timeoutMs: settings.timeoutMs,
    }),
    settings,
    rooms: new RoomHub(),
  };
}
