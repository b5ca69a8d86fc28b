import wavefile from 'wavefile';
import { AppError, ErrorCode } from '../errors.js';

// wavefile is a CommonJS module, whose named exports Node's ESM loader cannot see.
const { WaveFile } = wavefile;

/** Facts of a WAV file that callers check or report. */
export interface WavInfo {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Length of the audio in seconds. */
  durationSeconds: number;
}

/** Reads the format chunk of a WAV file; raises when `audio` is not a valid WAV file. */
export function readWav(audio: Uint8Array): WavInfo {
  const wav = new WaveFile(audio);
  const format = wav.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number; byteRate: number };
  const data = wav.data as { chunkSize: number };

  return {
    channels: format.numChannels,
    sampleRate: format.sampleRate,
    bitsPerSample: format.bitsPerSample,
    durationSeconds: format.byteRate === 0 ? 0 : data.chunkSize / format.byteRate,
  };
}

/**
 * Checks that a provider returned a WAV file, so that every engine hands the same
 * container to clients. Anything else is an upstream error naming the provider.
 */
export function assertWav(provider: string, audio: Buffer, contentType: string): Buffer {
  try {
    readWav(audio);
  } catch (error) {
    throw new AppError(
      ErrorCode.UpstreamError,
      `${provider} returned ${audio.length} bytes of ${contentType} that are not a WAV file: ${(error as Error).message}`,
      { cause: error },
    );
  }

  return audio;
}

/** Wraps raw 16-bit little-endian mono PCM samples in a WAV file. */
export function wavFromPcm16(pcm: Buffer, sampleRate: number): Buffer {
  const samples = new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length - (pcm.length % 2)));
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, '16', samples);

  return Buffer.from(wav.toBuffer());
}
