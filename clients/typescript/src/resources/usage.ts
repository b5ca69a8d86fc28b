import type { RequestOptions } from '../transport.js';
import type { QueryOf, ResponseOf } from '../types.js';
import { Resource } from './base.js';

/** `/api/v1/usage`: metrics of the billing period and per day. */
export class Usage extends Resource {
  /** The current billing period: each metric with its plan limit. */
  async get(options?: RequestOptions): Promise<ResponseOf<'getUsage'>> {
    const { data } = await this.rest.GET('/api/v1/usage', { fetch: this.fetchWith(options) });

    return data!;
  }

  /** One record per day and resource type, oldest first; the last 30 days by default. */
  async history(query: QueryOf<'getUsageHistory'> = {}, options?: RequestOptions): Promise<ResponseOf<'getUsageHistory'>> {
    const { data } = await this.rest.GET('/api/v1/usage/history', { params: { query }, fetch: this.fetchWith(options) });

    return data!;
  }
}
