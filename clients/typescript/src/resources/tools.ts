import type { RequestOptions } from '../transport.js';
import type { BodyOf, QueryOf, ResponseOf } from '../types.js';
import { Resource } from './base.js';

/** `/api/v1/tools`: the tool catalogue and tool runs. */
export class Tools extends Resource {
  /** One page of tools; with `search` ranked by relevance. */
  async list(query: QueryOf<'listTools'> = {}, options?: RequestOptions): Promise<ResponseOf<'listTools'>> {
    const { data } = await this.rest.GET('/api/v1/tools', { params: { query }, fetch: this.fetchWith(options) });

    return data!;
  }

  async categories(options?: RequestOptions): Promise<ResponseOf<'listToolCategories'>> {
    const { data } = await this.rest.GET('/api/v1/tools/categories', { fetch: this.fetchWith(options) });

    return data!;
  }

  /** A tool with the JSON Schema of its arguments. */
  async get(name: string, options?: RequestOptions): Promise<ResponseOf<'getTool'>> {
    const { data } = await this.rest.GET('/api/v1/tools/{name}', { params: { path: { name } }, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Runs a tool; the result is at `.data.result`. */
  async execute(name: string, params: BodyOf<'executeTool'>, options?: RequestOptions): Promise<ResponseOf<'executeTool'>> {
    const { data } = await this.rest.POST('/api/v1/tools/{name}/execute', {
      params: { path: { name } },
      body: params,
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** Registers an HTTP tool that only this account sees; needs the `*` scope. */
  async register(params: BodyOf<'registerTool'>, options?: RequestOptions): Promise<ResponseOf<'registerTool'>> {
    const { data } = await this.rest.POST('/api/v1/tools', { body: params, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Deletes one of the account's HTTP tools; built-in tools cannot be deleted. */
  async delete(name: string, options?: RequestOptions): Promise<ResponseOf<'deleteTool'>> {
    const { data } = await this.rest.DELETE('/api/v1/tools/{name}', { params: { path: { name } }, fetch: this.fetchWith(options) });

    return data!;
  }
}
