import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppError, ErrorCode, serviceUnavailable } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { assertWav } from '../audio.js';
import type { SpeechEngine, SpeechRequest, SynthesizedSpeech } from './types.js';

export interface EspeakOptions {
  /** The `espeak-ng` program: a name looked up on `PATH` or a file path. */
  command: string;
  /** An espeak-ng voice name, such as `en` or `en-us`. */
  voice: string;
  timeoutMs: number;
}

const installHint =
  'install espeak-ng (on Debian or Ubuntu: apt-get install espeak-ng) or set ESPEAK_NG_PATH to its location, then restart the server';

/** Runs `espeak-ng --version` and returns its first line, or `undefined` when it cannot run. */
export async function probeEspeak(command: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(command, ['--version'], { timeout: 5000 });

    return stdout.split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

/**
 * The local engine: runs espeak-ng, which writes a WAV file (22050 Hz, 16-bit mono).
 * The text goes through standard input, so no text is ever parsed as a command-line
 * option.
 */
export async function createEspeakEngine(options: EspeakOptions, log: Logger): Promise<SpeechEngine> {
  const version = await probeEspeak(options.command);
  const unavailableReason =
    version === undefined ? `The local speech engine could not run "${options.command}": ${installHint}` : undefined;
  if (version === undefined) {
    log.warn({ command: options.command }, 'espeak-ng is not available, so the local speech engine is off');
  } else {
    log.info({ version }, 'local speech engine ready');
  }

  return {
    name: 'espeak',
    unavailableReason,
    synthesize: (request) => {
      if (unavailableReason !== undefined) {
        throw serviceUnavailable(unavailableReason);
      }

      return runEspeak(options, request);
    },
  };
}

async function runEspeak(options: EspeakOptions, request: SpeechRequest): Promise<SynthesizedSpeech> {
  // espeak-ng writes placeholder sizes into the WAV header when it streams to standard
  // output, so it writes to a file, whose header it completes.
  const folder = await mkdtemp(join(tmpdir(), 'agentgraph-espeak-'));
  const file = join(folder, 'speech.wav');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(options.command, ['-w', file, '-v', request.voice ?? options.voice, '--stdin'], {
        stdio: ['pipe', 'ignore', 'pipe'],
        timeout: options.timeoutMs,
        signal: request.signal,
      });
      const errors: Buffer[] = [];
      child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'ENOENT'
            ? serviceUnavailable(`The local speech engine could not run "${options.command}": ${installHint}`)
            : new AppError(ErrorCode.InternalError, `espeak-ng failed: ${error.message}`, { cause: error }),
        );
      });
      child.on('close', (code, signal) => {
        if (code === 0) {
          resolve();

          return;
        }
        const reason = signal === null ? `exit status ${code}` : `signal ${signal}`;
        const message = Buffer.concat(errors).toString('utf8').trim().slice(0, 300);
        reject(new AppError(ErrorCode.InternalError, `espeak-ng stopped with ${reason}: ${message}`));
      });
      child.stdin.on('error', () => {
        // A child that exits early closes its input; the close handler reports why.
      });
      child.stdin.end(request.text, 'utf8');
    });
    const audio = await readFile(file);

    return { engine: 'espeak', contentType: 'audio/wav', audio: assertWav('espeak-ng', audio, 'audio/wav') };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
