import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import wavefile from 'wavefile';

// wavefile is a CommonJS module, whose named exports Node's ESM loader cannot see.
const { WaveFile } = wavefile;

/**
 * A loopback server that speaks the wire formats of the speech providers the voice
 * engines call, and returns real speech that espeak-ng produces:
 *
 * - `POST /v1/audio/speech`: OpenAI's speech endpoint, which self-hosted Kokoro and
 *   Orpheus servers expose (JSON `model`, `input`, `voice`, `response_format`; WAV back).
 * - `POST /tts/bytes`: Cartesia's bytes endpoint (`Cartesia-Version` and a bearer key;
 *   JSON `model_id`, `transcript`, `voice`, `output_format`; WAV back).
 * - `POST /v1/text-to-speech/{voice_id}?output_format=pcm_22050`: ElevenLabs (`xi-api-key`;
 *   JSON `text`, `model_id`; headerless 16-bit PCM back).
 * - `POST /v1/audio/transcriptions`: OpenAI's transcription endpoint (multipart `file`,
 *   `model`, `response_format`; JSON `text` back). The text comes from `transcripts`,
 *   because the fake cannot recognise speech; the uploaded file must be a WAV file.
 *
 * A request that breaks the format gets the provider's kind of 4xx error.
 */
export interface SpeechServer {
  baseUrl: string;
  /** The key that every endpoint expects. */
  apiKey: string;
  requests: ReceivedSpeechRequest[];
  /** Texts that the next transcriptions return, in order. */
  transcripts: string[];
  close(): Promise<void>;
}

export interface ReceivedSpeechRequest {
  path: string;
  headers: IncomingMessage['headers'];
  /** The JSON body, or for transcriptions the form fields with the file's size and type. */
  body: Record<string, unknown>;
}

/** Runs espeak-ng and returns the WAV file it writes. */
export async function espeak(text: string): Promise<Buffer> {
  const folder = await mkdtemp(join(tmpdir(), 'speech-peer-'));
  try {
    const file = join(folder, 'out.wav');
    await promisify(execFile)('espeak-ng', ['-w', file, '-v', 'en', text]);

    return await readFile(file);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Strips the header of a WAV file, leaving raw 16-bit PCM samples. */
function pcmOf(wav: Buffer): Buffer {
  const file = new WaveFile(wav);

  return Buffer.from((file.data as { samples: Uint8Array }).samples);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }

  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function sendAudio(response: ServerResponse, contentType: string, audio: Buffer): void {
  response.writeHead(200, { 'content-type': contentType, 'content-length': String(audio.length) });
  response.end(audio);
}

export async function startSpeechServer(apiKey = 'speech-test-key'): Promise<SpeechServer> {
  const requests: ReceivedSpeechRequest[] = [];
  const transcripts: string[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://speech');
    const raw = await readBody(request);
    if (url.pathname === '/v1/audio/transcriptions') {
      await transcribe(request, url, raw, response);

      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      sendJson(response, 400, { error: { message: 'body is not JSON' } });

      return;
    }
    requests.push({ path: url.pathname + url.search, headers: request.headers, body });

    if (url.pathname === '/v1/audio/speech') {
      if (request.headers.authorization !== `Bearer ${apiKey}`) {
        sendJson(response, 401, { error: { message: 'invalid api key', type: 'invalid_request_error' } });

        return;
      }
      if (typeof body.input !== 'string' || typeof body.voice !== 'string' || typeof body.model !== 'string') {
        sendJson(response, 422, { detail: 'model, input and voice are required' });

        return;
      }
      if (body.response_format !== 'wav') {
        sendJson(response, 400, { error: { message: `this server only sends wav, not ${String(body.response_format)}` } });

        return;
      }
      sendAudio(response, 'audio/wav', await espeak(body.input));

      return;
    }
    if (url.pathname === '/tts/bytes') {
      if (request.headers.authorization !== `Bearer ${apiKey}` || request.headers['cartesia-version'] === undefined) {
        sendJson(response, 401, { error: 'Authorization and Cartesia-Version are required' });

        return;
      }
      const format = body.output_format as { container?: string; encoding?: string; sample_rate?: number } | undefined;
      const voice = body.voice as { mode?: string; id?: string } | undefined;
      if (typeof body.transcript !== 'string' || voice?.mode !== 'id' || typeof voice.id !== 'string') {
        sendJson(response, 400, { error: 'transcript and voice {mode: id, id} are required' });

        return;
      }
      if (format?.container !== 'wav' || format.encoding !== 'pcm_s16le' || format.sample_rate !== 22_050) {
        sendJson(response, 400, { error: 'this server only sends 22050 Hz pcm_s16le wav' });

        return;
      }
      sendAudio(response, 'audio/wav', await espeak(body.transcript));

      return;
    }
    const eleven = /^\/v1\/text-to-speech\/([^/]+)$/.exec(url.pathname);
    if (eleven !== null) {
      if (request.headers['xi-api-key'] !== apiKey) {
        sendJson(response, 401, { detail: { status: 'invalid_api_key', message: 'Invalid API key' } });

        return;
      }
      if (url.searchParams.get('output_format') !== 'pcm_22050' || typeof body.text !== 'string') {
        sendJson(response, 422, { detail: { status: 'invalid_request', message: 'text and output_format=pcm_22050 are required' } });

        return;
      }
      sendAudio(response, 'audio/pcm', pcmOf(await espeak(body.text)));

      return;
    }
    sendJson(response, 404, { error: { message: `no route ${request.method} ${url.pathname}` } });
  }

  async function transcribe(request: IncomingMessage, url: URL, raw: Buffer, response: ServerResponse): Promise<void> {
    const form = await new Request('http://speech/', {
      method: 'POST',
      headers: { 'content-type': request.headers['content-type'] ?? '' },
      body: new Uint8Array(raw),
    }).formData();
    const file = form.get('file');
    const fields = {
      model: form.get('model'),
      response_format: form.get('response_format'),
      file_type: file instanceof Blob ? file.type : null,
      file_size: file instanceof Blob ? file.size : null,
    };
    requests.push({ path: url.pathname, headers: request.headers, body: fields });
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      sendJson(response, 401, { error: { message: 'invalid api key' } });

      return;
    }
    if (!(file instanceof Blob) || typeof fields.model !== 'string') {
      sendJson(response, 400, { error: { message: 'file and model are required' } });

      return;
    }
    try {
      new WaveFile(new Uint8Array(await file.arrayBuffer()));
    } catch (error) {
      sendJson(response, 400, { error: { message: `file is not a WAV file: ${(error as Error).message}` } });

      return;
    }
    const text = transcripts.shift();
    if (text === undefined) {
      sendJson(response, 500, { error: { message: 'the test scripted no transcript for this request' } });

      return;
    }
    sendJson(response, 200, { text });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      sendJson(response, 500, { error: { message: String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    transcripts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
