import type { RequestOptions, Transport } from '../transport.js';
import type { BodyOf, QueryOf, ResponseOf } from '../types.js';
import { Resource, type RestClient } from './base.js';

export type StartCallParams = BodyOf<'startVoiceCall'>;
export type CreateRoomParams = BodyOf<'createVoiceRoom'>;
export type SpeechParams = BodyOf<'synthesizeSpeech'>;
export type TranscriptionParams = BodyOf<'transcribeAudio'>;

/** `/api/v1/voice/calls`: outbound calls and their history. */
export class VoiceCalls extends Resource {
  /** Starts an outbound call to an E.164 number or SIP URI; it begins `queued`. */
  async create(params: StartCallParams, options?: RequestOptions): Promise<ResponseOf<'startVoiceCall'>> {
    const { data } = await this.rest.POST('/api/v1/voice/calls', { body: params, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Lists one page of calls, newest first. */
  async list(query: QueryOf<'listVoiceCalls'> = {}, options?: RequestOptions): Promise<ResponseOf<'listVoiceCalls'>> {
    const { data } = await this.rest.GET('/api/v1/voice/calls', { params: { query }, fetch: this.fetchWith(options) });

    return data!;
  }

  async get(id: number, options?: RequestOptions): Promise<ResponseOf<'getVoiceCall'>> {
    const { data } = await this.rest.GET('/api/v1/voice/calls/{id}', { params: { path: { id } }, fetch: this.fetchWith(options) });

    return data!;
  }
}

/** `/api/v1/voice/rooms`: conference rooms with an agent. */
export class VoiceRooms extends Resource {
  /** Creates a room; `data.join_token` is shown only here. */
  async create(params: CreateRoomParams, options?: RequestOptions): Promise<ResponseOf<'createVoiceRoom'>> {
    const { data } = await this.rest.POST('/api/v1/voice/rooms', { body: params, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Lists one page of active rooms, oldest first. */
  async list(query: QueryOf<'listVoiceRooms'> = {}, options?: RequestOptions): Promise<ResponseOf<'listVoiceRooms'>> {
    const { data } = await this.rest.GET('/api/v1/voice/rooms', { params: { query }, fetch: this.fetchWith(options) });

    return data!;
  }

  async get(id: number, options?: RequestOptions): Promise<ResponseOf<'getVoiceRoom'>> {
    const { data } = await this.rest.GET('/api/v1/voice/rooms/{id}', { params: { path: { id } }, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Disconnects the participants; the room and its transcript stay readable. */
  async close(id: number, options?: RequestOptions): Promise<ResponseOf<'closeVoiceRoom'>> {
    const { data } = await this.rest.POST('/api/v1/voice/rooms/{id}/close', {
      params: { path: { id } },
      fetch: this.fetchWith(options),
    });

    return data!;
  }
}

/** `/api/v1/voice`: calls, rooms, speech synthesis and transcription. */
export class Voice extends Resource {
  readonly calls: VoiceCalls;
  readonly rooms: VoiceRooms;

  constructor(rest: RestClient, transport: Transport) {
    super(rest, transport);
    this.calls = new VoiceCalls(rest, transport);
    this.rooms = new VoiceRooms(rest, transport);
  }

  /** Speaks `text` with an engine and returns the WAV file. */
  async speak(params: SpeechParams, options?: RequestOptions): Promise<Uint8Array> {
    const { data } = await this.rest.POST('/api/v1/voice/speech', {
      body: params,
      parseAs: 'arrayBuffer',
      fetch: this.fetchWith(options),
    });

    return new Uint8Array(data as unknown as ArrayBuffer);
  }

  /** Transcribes base64-encoded audio; the text is in `data.text`. */
  async transcribe(params: TranscriptionParams, options?: RequestOptions): Promise<ResponseOf<'transcribeAudio'>> {
    const { data } = await this.rest.POST('/api/v1/voice/transcriptions', { body: params, fetch: this.fetchWith(options) });

    return data!;
  }
}
