// NOTE: the server does not serve fleets or the marketplace yet, so these types
// are written from the REST contract rather than generated from the OpenAPI document.
// Replace them with the generated ones once the routes exist.
import type { RequestOptions, Transport } from '../transport.js';
import type { DataEnvelope, PageEnvelope } from '../types.js';
import { requestUntyped } from './base.js';

export interface Fleet {
  id: number;
  name: string;
  description: string;
  status: string;
  max_agents: number;
  auto_scale: boolean;
  agent_count: number;
  tasks_completed: number;
  created_at: string;
}

export interface CreateFleetParams {
  name: string;
  description?: string;
  /** Agent slots; 5 when left out. */
  max_agents?: number;
  auto_scale?: boolean;
}

export interface DeployFleetParams {
  task?: string;
  strategy?: 'parallel' | 'sequential' | 'round-robin';
  /** Seconds. */
  timeout?: number;
}

/** The contract does not define the marketplace item beyond its id. */
export type MarketplaceItem = { id: number | string } & Record<string, unknown>;

export interface MarketplaceQuery {
  search?: string;
  type?: 'agent' | 'tool' | 'fleet_template' | 'extension';
  sort?: 'popular' | 'newest' | 'rating';
}

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

/** `/api/v1/fleets`: groups of agents that run tasks together. */
export class Fleets extends PlannedResource {
  create(params: CreateFleetParams, options?: RequestOptions): Promise<DataEnvelope<Fleet>> {
    return this.request('POST', '/api/v1/fleets', { body: params }, options);
  }

  list(query: PageQuery = {}, options?: RequestOptions): Promise<PageEnvelope<Fleet>> {
    return this.request('GET', '/api/v1/fleets', { query: { ...query } }, options);
  }

  get(id: number, options?: RequestOptions): Promise<DataEnvelope<Fleet>> {
    return this.request('GET', `/api/v1/fleets/${encodeURIComponent(id)}`, {}, options);
  }

  update(id: number, params: Partial<CreateFleetParams>, options?: RequestOptions): Promise<DataEnvelope<Fleet>> {
    return this.request('PUT', `/api/v1/fleets/${encodeURIComponent(id)}`, { body: params }, options);
  }

  delete(id: number, options?: RequestOptions): Promise<DataEnvelope<{ id: number; deleted: true }>> {
    return this.request('DELETE', `/api/v1/fleets/${encodeURIComponent(id)}`, {}, options);
  }

  deploy(id: number, params: DeployFleetParams = {}, options?: RequestOptions): Promise<DataEnvelope<Record<string, unknown>>> {
    return this.request('POST', `/api/v1/fleets/${encodeURIComponent(id)}/deploy`, { body: params }, options);
  }
}

/** `/api/v1/marketplace`: community agents, tools, fleet templates and extensions. */
export class Marketplace extends PlannedResource {
  list(query: MarketplaceQuery = {}, options?: RequestOptions): Promise<DataEnvelope<MarketplaceItem[]>> {
    return this.request('GET', '/api/v1/marketplace', { query: { ...query } }, options);
  }

  get(id: number | string, options?: RequestOptions): Promise<DataEnvelope<MarketplaceItem>> {
    return this.request('GET', `/api/v1/marketplace/${encodeURIComponent(id)}`, {}, options);
  }

  install(id: number | string, options?: RequestOptions): Promise<DataEnvelope<Record<string, unknown>>> {
    return this.request('POST', `/api/v1/marketplace/${encodeURIComponent(id)}/install`, {}, options);
  }
}
