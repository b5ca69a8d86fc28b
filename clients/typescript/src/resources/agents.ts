import type { RequestOptions } from '../transport.js';
import type { BodyOf, QueryOf, ResponseOf } from '../types.js';
import { Resource } from './base.js';

/** `/api/v1/agents`. Every method returns the response envelope, with the agent in `data`. */
export class Agents extends Resource {
  async create(params: BodyOf<'createAgent'>, options?: RequestOptions): Promise<ResponseOf<'createAgent'>> {
    const { data } = await this.rest.POST('/api/v1/agents', { body: params, fetch: this.fetchWith(options) });

    return data!;
  }

  /** One page of agents, oldest first. */
  async list(query: QueryOf<'listAgents'> = {}, options?: RequestOptions): Promise<ResponseOf<'listAgents'>> {
    const { data } = await this.rest.GET('/api/v1/agents', { params: { query }, fetch: this.fetchWith(options) });

    return data!;
  }

  async get(id: number, options?: RequestOptions): Promise<ResponseOf<'getAgent'>> {
    const { data } = await this.rest.GET('/api/v1/agents/{id}', { params: { path: { id } }, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Changes the fields sent; `null` clears `task`, `skills`, `fleet_id` and `voice_engine`. */
  async update(id: number, params: BodyOf<'updateAgent'>, options?: RequestOptions): Promise<ResponseOf<'updateAgent'>> {
    const { data } = await this.rest.PUT('/api/v1/agents/{id}', {
      params: { path: { id } },
      body: params,
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  async delete(id: number, options?: RequestOptions): Promise<ResponseOf<'deleteAgent'>> {
    const { data } = await this.rest.DELETE('/api/v1/agents/{id}', { params: { path: { id } }, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Runs a task; the reply and the tools used are in `data`. */
  async execute(id: number, params: BodyOf<'executeAgent'>, options?: RequestOptions): Promise<ResponseOf<'executeAgent'>> {
    const { data } = await this.rest.POST('/api/v1/agents/{id}/execute', {
      params: { path: { id } },
      body: params,
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** Puts the agent into service (`status: "working"`). */
  async deploy(id: number, options?: RequestOptions): Promise<ResponseOf<'deployAgent'>> {
    const { data } = await this.rest.POST('/api/v1/agents/{id}/deploy', {
      params: { path: { id } },
      fetch: this.fetchWith(options),
    });

    return data!;
  }
}
