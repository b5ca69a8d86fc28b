import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { Client } from '../../clients/typescript/src/index.js';
import { conformingFetch, type Violation } from '../support/openapi-conformance.js';
import { startSpeechServer, type SpeechServer } from '../support/speech-server.js';
import { call, createTestAccount, startServer, type TestServer } from '../support/server.js';

const { WaveFile } = wavefile;

type Response = Awaited<ReturnType<typeof call>>;

function expectError(response: Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.status).toBe(status);
}

/** Posts to the speech endpoint and returns the raw response bytes. */
async function speak(server: TestServer, key: string, body: Record<string, unknown>) {
  const response = await fetch(`${server.url}/api/v1/voice/speech`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

function wavInfo(bytes: Buffer) {
  const wav = new WaveFile(bytes);
  const format = wav.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
  const data = wav.data as { chunkSize: number };

  return { channels: format.numChannels, sampleRate: format.sampleRate, bits: format.bitsPerSample, dataBytes: data.chunkSize };
}

describe('speech engines', () => {
  let peer: SpeechServer;
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    peer = await startSpeechServer();
    server = await startServer({
      KOKORO_BASE_URL: `${peer.baseUrl}/v1`,
      KOKORO_API_KEY: peer.apiKey,
      ORPHEUS_BASE_URL: `${peer.baseUrl}/v1`,
      ORPHEUS_API_KEY: peer.apiKey,
      CARTESIA_BASE_URL: peer.baseUrl,
      CARTESIA_API_KEY: peer.apiKey,
      CARTESIA_VOICE_ID: 'a0e99841-438c-4a64-b679-ae501e7d6091',
      ELEVENLABS_BASE_URL: peer.baseUrl,
      ELEVENLABS_API_KEY: peer.apiKey,
      ELEVENLABS_VOICE_ID: 'JBFqnCBsd6RMkjVDRZzb',
      STT_BASE_URL: `${peer.baseUrl}/v1`,
      STT_API_KEY: peer.apiKey,
    });
    key = (await createTestAccount(server)).key;
  });
  afterAll(async () => {
    await server?.stop();
    await peer?.close();
  });

  it('local engine returns espeak-ng audio', async () => {
    const response = await speak(server, key, { text: 'Hello from the local engine' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(response.headers.get('x-voice-engine')).toBe('espeak');
    const info = wavInfo(response.bytes);
    expect(info.sampleRate).toBe(22_050);
    expect(info.bits).toBe(16);
    expect(info.dataBytes).toBeGreaterThan(10_000);
  });

  it.each([
    ['kokoro', '/v1/audio/speech', { model: 'kokoro', voice: 'af_heart', response_format: 'wav' }],
    ['orpheus', '/v1/audio/speech', { model: 'orpheus', voice: 'tara', response_format: 'wav' }],
  ])('%s speaks through /v1/audio/speech', async (engine, path, expected) => {
    const before = peer.requests.length;
    const text = `Greetings from ${engine}`;
    const response = await speak(server, key, { text, voice_engine: engine });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-voice-engine')).toBe(engine);
    expect(wavInfo(response.bytes).dataBytes).toBeGreaterThan(10_000);
    const sent = peer.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe(path);
    expect(sent[0]!.body).toEqual({ ...expected, input: text });
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${peer.apiKey}`);
  });

  it('cartesia speaks through /tts/bytes', async () => {
    const before = peer.requests.length;
    const response = await speak(server, key, { text: 'Cartesia speaking', voice_engine: 'cartesia' });
    expect(response.status).toBe(200);
    expect(wavInfo(response.bytes).dataBytes).toBeGreaterThan(10_000);
    const sent = peer.requests[before]!;
    expect(sent.path).toBe('/tts/bytes');
    expect(sent.headers['cartesia-version']).toBe('2025-04-16');
    expect(sent.body).toEqual({
      model_id: 'sonic-2',
      transcript: 'Cartesia speaking',
      voice: { mode: 'id', id: 'a0e99841-438c-4a64-b679-ae501e7d6091' },
      output_format: { container: 'wav', encoding: 'pcm_s16le', sample_rate: 22_050 },
    });
  });

  it('elevenlabs PCM arrives as a WAV file', async () => {
    const before = peer.requests.length;
    const response = await speak(server, key, { text: 'ElevenLabs speaking', voice_engine: 'elevenlabs', voice: 'voice-two' });
    expect(response.status).toBe(200);
    const info = wavInfo(response.bytes);
    expect(info.sampleRate).toBe(22_050);
    expect(info.channels).toBe(1);
    expect(info.dataBytes).toBeGreaterThan(10_000);
    const sent = peer.requests[before]!;
    expect(sent.path).toBe('/v1/text-to-speech/voice-two?output_format=pcm_22050');
    expect(sent.headers['xi-api-key']).toBe(peer.apiKey);
    expect(sent.body).toEqual({ text: 'ElevenLabs speaking', model_id: 'eleven_multilingual_v2' });
  });

  it('transcribes audio through /v1/audio/transcriptions', async () => {
    const audio = await speak(server, key, { text: 'what is the weather' });
    peer.transcripts.push('what is the weather');
    const before = peer.requests.length;
    const response = await call(server, 'POST', '/api/v1/voice/transcriptions', {
      token: key,
      json: { audio: audio.bytes.toString('base64'), content_type: 'audio/wav' },
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ text: 'what is the weather' });
    const sent = peer.requests[before]!;
    expect(sent.path).toBe('/v1/audio/transcriptions');
    expect(sent.body).toEqual({
      model: 'whisper-1',
      response_format: 'json',
      file_type: 'audio/wav',
      file_size: audio.bytes.length,
    });
  });

  it('rejects an unknown engine', async () => {
    const response = await call(server, 'POST', '/api/v1/voice/speech', { token: key, json: { text: 'hi', voice_engine: 'festival' } });
    expectError(response, 400, 'validation_error');
    expect(response.body.error.details).toEqual([
      { field: 'voice_engine', message: 'must be one of kokoro, orpheus, cartesia, elevenlabs, got "festival"' },
    ]);
  });

  it('reports a provider error as upstream_error', async () => {
    const broken = await startServer({ KOKORO_BASE_URL: `${peer.baseUrl}/v1`, KOKORO_API_KEY: 'wrong-key' });
    try {
      const owner = await createTestAccount(broken);
      const response = await call(broken, 'POST', '/api/v1/voice/speech', {
        token: owner.key,
        json: { text: 'hi', voice_engine: 'kokoro' },
      });
      expectError(response, 502, 'upstream_error');
      expect(response.body.error.message).toContain('Kokoro answered HTTP 401');
    } finally {
      await broken.stop();
    }
  });

  it('names the settings of an unconfigured engine', async () => {
    const bare = await startServer({ ESPEAK_NG_PATH: '/nonexistent/espeak-ng' });
    try {
      const owner = await createTestAccount(bare);
      const expectations: [Record<string, unknown>, string][] = [
        [{ text: 'hi', voice_engine: 'kokoro' }, 'KOKORO_BASE_URL'],
        [{ text: 'hi', voice_engine: 'orpheus' }, 'ORPHEUS_BASE_URL'],
        [{ text: 'hi', voice_engine: 'cartesia' }, 'CARTESIA_API_KEY and CARTESIA_VOICE_ID'],
        [{ text: 'hi', voice_engine: 'elevenlabs' }, 'ELEVENLABS_API_KEY and ELEVENLABS_VOICE_ID'],
        [{ text: 'hi' }, 'apt-get install espeak-ng'],
      ];
      for (const [json, setting] of expectations) {
        const response = await call(bare, 'POST', '/api/v1/voice/speech', { token: owner.key, json });
        expectError(response, 503, 'service_unavailable');
        expect(response.body.error.message).toContain(setting);
      }
      const transcription = await call(bare, 'POST', '/api/v1/voice/transcriptions', {
        token: owner.key,
        json: { audio: Buffer.from('RIFF').toString('base64') },
      });
      expectError(transcription, 503, 'service_unavailable');
      expect(transcription.body.error.message).toContain('STT_BASE_URL');
      const agents = await call(bare, 'GET', '/api/v1/agents', { token: owner.key });
      expect(agents.status).toBe(200);
    } finally {
      await bare.stop();
    }
  });

  it('SDK speaks, creates and lists rooms', async () => {
    const violations: Violation[] = [];
    const document = (await call(server, 'GET', '/api/v1/openapi.json')).body;
    const client = new Client({ apiKey: key, baseUrl: server.url, fetch: conformingFetch(document, violations) });
    const audio = await client.voice.speak({ text: 'Spoken through the SDK', voice_engine: 'kokoro' });
    expect(wavInfo(Buffer.from(audio)).dataBytes).toBeGreaterThan(10_000);
    const created = await client.voice.rooms.create({ name: 'SDK room', max_participants: 3 });
    expect(created.data.join_token).toMatch(/^vrt_/);
    const listed = await client.voice.rooms.list({ per_page: 100 });
    expect(listed.data.map((room) => room.id)).toContain(created.data.id);
    const closed = await client.voice.rooms.close(created.data.id);
    expect(closed.data.status).toBe('closed');
    const calls = await client.voice.calls.list();
    expect(calls.meta.total).toBe(0);
    expect(violations).toEqual([]);
  });
});
