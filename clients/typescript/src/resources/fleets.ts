import type { RequestOptions } from '../transport.js';
import type { BodyOf, QueryOf, ResponseOf } from '../types.js';
import { Resource } from './base.js';

/**
 * `/api/v1/fleets`: groups of agents and the runs that deploy tasks to them. Every method
 * returns the response envelope, with the fleet or run in `data`.
 */
export class Fleets extends Resource {
  async create(params: BodyOf<'createFleet'>, options?: RequestOptions): Promise<ResponseOf<'createFleet'>> {
    const { data } = await this.rest.POST('/api/v1/fleets', { body: params, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Lists one page of fleets, oldest first. */
  async list(query: QueryOf<'listFleets'> = {}, options?: RequestOptions): Promise<ResponseOf<'listFleets'>> {
    const { data } = await this.rest.GET('/api/v1/fleets', { params: { query }, fetch: this.fetchWith(options) });

    return data!;
  }

  async get(id: number, options?: RequestOptions): Promise<ResponseOf<'getFleet'>> {
    const { data } = await this.rest.GET('/api/v1/fleets/{id}', { params: { path: { id } }, fetch: this.fetchWith(options) });

    return data!;
  }

  /** Changes the fields sent; `null` clears `description`. */
  async update(id: number, params: BodyOf<'updateFleet'>, options?: RequestOptions): Promise<ResponseOf<'updateFleet'>> {
    const { data } = await this.rest.PUT('/api/v1/fleets/{id}', {
      params: { path: { id } },
      body: params,
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /**
   * Deletes a fleet and detaches its agents. A fleet with a run queued or running raises a
   * conflict unless `force` is true, which deletes the runs too.
   */
  async delete(id: number, query: QueryOf<'deleteFleet'> = {}, options?: RequestOptions): Promise<ResponseOf<'deleteFleet'>> {
    const { data } = await this.rest.DELETE('/api/v1/fleets/{id}', {
      params: { path: { id }, query },
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** Queues a run of the task and returns it at once with `status: "queued"`. */
  async deploy(id: number, params: BodyOf<'deployFleet'>, options?: RequestOptions): Promise<ResponseOf<'deployFleet'>> {
    const { data } = await this.rest.POST('/api/v1/fleets/{id}/deploy', {
      params: { path: { id } },
      body: params,
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** Lists one page of the fleet's runs, newest first. */
  async listRuns(id: number, query: QueryOf<'listFleetRuns'> = {}, options?: RequestOptions): Promise<ResponseOf<'listFleetRuns'>> {
    const { data } = await this.rest.GET('/api/v1/fleets/{id}/runs', {
      params: { path: { id }, query },
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** Fetches a run with its steps: status, agent, reply, tools used, timings and errors of each. */
  async getRun(id: number, runId: number, options?: RequestOptions): Promise<ResponseOf<'getFleetRun'>> {
    const { data } = await this.rest.GET('/api/v1/fleets/{id}/runs/{run_id}', {
      params: { path: { id, run_id: runId } },
      fetch: this.fetchWith(options),
    });

    return data!;
  }

  /** Cancels a queued or running run; a run that already ended raises a conflict. */
  async cancelRun(id: number, runId: number, options?: RequestOptions): Promise<ResponseOf<'cancelFleetRun'>> {
    const { data } = await this.rest.POST('/api/v1/fleets/{id}/runs/{run_id}/cancel', {
      params: { path: { id, run_id: runId } },
      fetch: this.fetchWith(options),
    });

    return data!;
  }
}
