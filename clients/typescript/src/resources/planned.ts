// NOTE: the server does not serve voice yet, so these types
// are written from the REST contract rather than generated from the OpenAPI document.
// Replace them with the generated ones once the routes exist.
import type { RequestOptions, Transport } from '../transport.js';
import type { DataEnvelope, PageEnvelope } from '../types.js';
import { requestUntyped } from './base.js';

export type VoiceEngine = 'kokoro' | 'orpheus' | 'cartesia' | 'elevenlabs';

export interface VoiceCall {
  id: number;
  room_name: string;
  status: string;
  duration_seconds: number;
  participants: number;
  voice_engine: VoiceEngine;
  transcript: string;
  created_at: string;
}

export interface StartCallParams {
  /** An E.164 phone number or a SIP URI. */
  to: string;
  agent_id?: number;
  voice_engine?: VoiceEngine;
}

export interface CreateRoomParams {
  name: string;
  /** 10 when left out. */
  max_participants?: number;
  voice_engine?: VoiceEngine;
  agent_id?: number;
}

/** The contract does not define the room object beyond its id. */
export type VoiceRoom = { id: number | string } & Record<string, unknown>;

export interface PageQuery {
  page?: number;
  per_page?: number;
}

class PlannedResource {
  constructor(
    protected readonly transport: Transport,
    protected readonly baseUrl: string,
  ) {}

  protected request<Result>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    input: { query?: Record<string, string | number | boolean | undefined>; body?: unknown },
    options: RequestOptions | undefined,
  ): Promise<Result> {
    return requestUntyped<Result>(this.transport, this.baseUrl, method, path, input, options);
  }
}

/** `/api/v1/voice/calls`. */
export class VoiceCalls extends PlannedResource {
  list(query: PageQuery = {}, options?: RequestOptions): Promise<PageEnvelope<VoiceCall>> {
    return this.request('GET', '/api/v1/voice/calls', { query: { ...query } }, options);
  }

  get(id: number, options?: RequestOptions): Promise<DataEnvelope<VoiceCall>> {
    return this.request('GET', `/api/v1/voice/calls/${encodeURIComponent(id)}`, {}, options);
  }

  /** Starts an outbound call. */
  create(params: StartCallParams, options?: RequestOptions): Promise<DataEnvelope<VoiceCall>> {
    return this.request('POST', '/api/v1/voice/calls', { body: params }, options);
  }
}

/** `/api/v1/voice/rooms`. */
export class VoiceRooms extends PlannedResource {
  /** The active rooms. */
  list(options?: RequestOptions): Promise<DataEnvelope<VoiceRoom[]>> {
    return this.request('GET', '/api/v1/voice/rooms', {}, options);
  }

  get(id: number | string, options?: RequestOptions): Promise<DataEnvelope<VoiceRoom>> {
    return this.request('GET', `/api/v1/voice/rooms/${encodeURIComponent(id)}`, {}, options);
  }

  create(params: CreateRoomParams, options?: RequestOptions): Promise<DataEnvelope<VoiceRoom>> {
    return this.request('POST', '/api/v1/voice/rooms', { body: params }, options);
  }
}

/** `/api/v1/voice`: calls and conference rooms. */
export class Voice {
  readonly calls: VoiceCalls;
  readonly rooms: VoiceRooms;

  constructor(transport: Transport, baseUrl: string) {
    this.calls = new VoiceCalls(transport, baseUrl);
    this.rooms = new VoiceRooms(transport, baseUrl);
  }
}
