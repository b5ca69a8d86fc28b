import type { RequestOptions } from '../transport.js';
import type { BodyOf, QueryOf, ResponseOf } from '../types.js';
import { Resource } from './base.js';

/**
 * `/api/v1/marketplace`: publish, browse, install and rate agents, tools, fleet templates
 * and extensions. Every method returns the response envelope.
 */
export class Marketplace extends Resource {
  /** One page of items; with `search` ranked by relevance unless `sort` is given, otherwise `popular` first. */
  async list(query: QueryOf<'listMarketplaceItems'> = {}, options?: RequestOptions): Promise<ResponseOf<'listMarketplaceItems'>> {
    const { data } = await this.rest.GET('/api/v1/marketplace', { params: { query }, fetch: this.fetchWith(options) });

    return data!;
  }

  /** An item with its manifest. */
  async get(id: number, options?: RequestOptions): Promise<ResponseOf<'getMarketplaceItem'>> {
    const { data } = await this.rest.GET('/api/v1/marketplace/{id}', { params: { path: { id } }, fetch: this.fetchWith(options) });

    return data!;
  }

  async publish(params: BodyOf<'publishMarketplaceItem'>, options?: RequestOptions): Promise<ResponseOf<'publishMarketplaceItem'>> {
    const { data } = await this.rest.POST('/api/v1/marketplace', { body: params, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Publishes a new version of an item of the account; `version` must be higher than the current one. */
  async update(id: number, params: BodyOf<'updateMarketplaceItem'>, options?: RequestOptions): Promise<ResponseOf<'updateMarketplaceItem'>> {
    const { data } = await this.rest.PUT('/api/v1/marketplace/{id}', {
      params: { path: { id } },
      body: params,
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** Hides an item of the account from the marketplace; what installations created stays. */
  async unpublish(id: number, options?: RequestOptions): Promise<ResponseOf<'unpublishMarketplaceItem'>> {
    const { data } = await this.rest.DELETE('/api/v1/marketplace/{id}', { params: { path: { id } }, fetch: this.fetchWith(options) });

    return data!;
  }

  /**
   * Installs the current version of an item and returns what it created. Installing a
   * version again returns the earlier installation instead of creating anything.
   * `tool_names` registers tools whose names are taken under other names.
   */
  async install(
    id: number,
    params: BodyOf<'installMarketplaceItem'> = {},
    options?: RequestOptions,
  ): Promise<ResponseOf<'installMarketplaceItem'>> {
    const { data } = await this.rest.POST('/api/v1/marketplace/{id}/install', {
      params: { path: { id } },
      body: params,
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** Sets the account's rating from 1 to 5, replacing an earlier one; the item must be installed. */
  async rate(id: number, rating: number, options?: RequestOptions): Promise<ResponseOf<'rateMarketplaceItem'>> {
    const { data } = await this.rest.PUT('/api/v1/marketplace/{id}/rating', {
      params: { path: { id } },
      body: { rating },
      fetch: this.fetchWith(options),
    });

    return data!;
  }
}
