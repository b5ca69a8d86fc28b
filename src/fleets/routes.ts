import { ValidationError } from '../errors.js';
import type { FleetRunStep } from '../generated/prisma/client.js';
import { parsePageRequest } from '../pagination.js';
import { invertFields, mapBodyFields } from '../rest/fields.js';
import { dataResponse, pageResponse } from '../rest/responses.js';
import { route, type RouteList } from '../rest/router.js';
import { dataEnvelope, deletedEnvelope, emptyBody, idParams, pageEnvelope, pageQuery, resourceId } from '../rest/route-docs.js';
import { isoTimestamp } from '../rest/timestamps.js';
import type { ErrorCode } from '../errors.js';
import {
  createFleetBody,
  deleteQuery,
  deployFields,
  deployFleetBody,
  fleetFields,
  fleetResource,
  fleetRunResource,
  runParams,
  updateFleetBody,
  type FleetResource,
  type FleetRunResource,
} from './rest-schemas.js';
import { cancelFleetRun, deployFleet, getFleetRun, listFleetRuns, strategyName, type FleetRunWithSteps } from './runs.js';
import type { CreateFleetInput, DeployFleetInput, UpdateFleetInput } from './schemas.js';
import * as fleets from './service.js';

const fleetFieldNames = invertFields(fleetFields);
const deployFieldNames = invertFields(deployFields);

/** A fleet as REST v1 returns it. */
export function serializeFleet(fleet: fleets.FleetWithCount): FleetResource {
  return {
    id: fleet.id,
    name: fleet.name,
    description: fleet.description,
    status: fleet.status as FleetResource['status'],
    max_agents: fleet.maxAgents,
    auto_scale: fleet.autoScale,
    agent_count: fleet.agentCount,
    tasks_completed: fleet.tasksCompleted,
    created_at: isoTimestamp(fleet.createdAt),
    updated_at: isoTimestamp(fleet.updatedAt),
  };
}

function errorOf(row: { errorCode: string | null; errorMessage: string | null }) {
  return row.errorMessage === null ? null : { code: row.errorCode as ErrorCode | null, message: row.errorMessage };
}

function optionalTimestamp(date: Date | null): string | null {
  return date === null ? null : isoTimestamp(date);
}

function serializeStep(step: FleetRunStep): FleetRunResource['steps'][number] {
  return {
    position: step.position,
    agent_id: step.agentId,
    agent_name: step.agentName,
    status: step.status,
    input: step.input,
    reply: step.reply,
    tools_used: step.toolsUsed,
    attempts: step.attempts,
    execution_time_ms: step.executionTimeMs,
    error: errorOf(step),
    started_at: optionalTimestamp(step.startedAt),
    finished_at: optionalTimestamp(step.finishedAt),
  };
}

/** A fleet run as REST v1 returns it. */
export function serializeRun(run: FleetRunWithSteps): FleetRunResource {
  return {
    id: run.id,
    fleet_id: run.fleetId,
    task: run.task,
    strategy: strategyName(run.strategy),
    status: run.status,
    timeout: run.timeoutSeconds,
    result: {
      output: run.output,
      replies: run.steps
        .filter((step) => step.status === 'succeeded')
        .map((step) => ({ agent_id: step.agentId, agent_name: step.agentName, reply: step.reply ?? '' })),
    },
    error: errorOf(run),
    steps: run.steps.map(serializeStep),
    deadline_at: isoTimestamp(run.deadlineAt),
    created_at: isoTimestamp(run.createdAt),
    started_at: optionalTimestamp(run.startedAt),
    finished_at: optionalTimestamp(run.finishedAt),
  };
}

function parseForce(query: URLSearchParams): boolean {
  const value = query.get('force');
  if (value !== null && value !== 'true' && value !== 'false') {
    throw new ValidationError([{ field: 'force', message: `must be true or false, got ${JSON.stringify(value)}` }]);
  }

  return value === 'true';
}

export const fleetRoutes: RouteList = [
  route({
    method: 'POST',
    path: '/api/v1/fleets',
    scope: 'fleets:write',
    docs: {
      operationId: 'createFleet',
      summary: 'Create a fleet',
      tag: 'fleets',
      body: createFleetBody,
      response: { status: 201, description: 'The new fleet, with no agents', schema: dataEnvelope(fleetResource) },
      errors: ['quota_exceeded'],
    },
    async handler({ body, services }) {
      const input = mapBodyFields(await body(), fleetFields) as CreateFleetInput;

      return dataResponse(serializeFleet(await fleets.createFleet(services, input, { fieldNames: fleetFieldNames })), 201);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/fleets',
    scope: 'fleets:read',
    docs: {
      operationId: 'listFleets',
      summary: "List the account's fleets",
      description: 'Oldest first, one page at a time.',
      tag: 'fleets',
      query: pageQuery,
      response: { status: 200, description: 'One page of fleets', schema: pageEnvelope(fleetResource) },
      errors: [],
    },
    async handler({ query, services }) {
      const page = parsePageRequest(query);
      const result = await fleets.listFleets(services, { offset: page.offset, limit: page.perPage });

      return pageResponse(result.fleets.map(serializeFleet), result.total, page);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/fleets/:id',
    scope: 'fleets:read',
    docs: {
      operationId: 'getFleet',
      summary: 'Fetch a fleet',
      tag: 'fleets',
      params: idParams,
      response: { status: 200, description: 'The fleet', schema: dataEnvelope(fleetResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      return dataResponse(serializeFleet(await fleets.getFleet(services, params.id!)));
    },
  }),
  route({
    method: 'PUT',
    path: '/api/v1/fleets/:id',
    scope: 'fleets:write',
    docs: {
      operationId: 'updateFleet',
      summary: 'Change a fleet',
      description: 'Fields left out keep their values. Lowering max_agents below the attached agents is a conflict while auto_scale is off.',
      tag: 'fleets',
      params: idParams,
      body: updateFleetBody,
      response: { status: 200, description: 'The changed fleet', schema: dataEnvelope(fleetResource) },
      errors: ['resource_not_found', 'conflict'],
    },
    async handler({ params, body, services }) {
      const input = mapBodyFields(await body(), fleetFields) as UpdateFleetInput;

      return dataResponse(serializeFleet(await fleets.updateFleet(services, params.id!, input, { fieldNames: fleetFieldNames })));
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/fleets/:id',
    scope: 'fleets:write',
    docs: {
      operationId: 'deleteFleet',
      summary: 'Delete a fleet',
      description:
        'Its agents stay and are detached; agents that auto-scaling added are deleted. A fleet with a run queued or running is a conflict unless `force=true`, which deletes the runs too.',
      tag: 'fleets',
      params: idParams,
      query: deleteQuery,
      response: { status: 200, description: 'The id of the deleted fleet', schema: deletedEnvelope(resourceId) },
      errors: ['resource_not_found', 'conflict'],
    },
    async handler({ params, query, services }) {
      const fleet = await fleets.deleteFleet(services, params.id!, { force: parseForce(query) });

      return dataResponse({ id: fleet.id, deleted: true });
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/fleets/:id/deploy',
    scope: 'fleets:write',
    docs: {
      operationId: 'deployFleet',
      summary: 'Run a task on a fleet',
      description:
        'Queues a run and returns it at once with status `queued`; poll `GET /fleets/{id}/runs/{run_id}` or subscribe to `fleetRunProgress` in GraphQL. Without a configured model provider the answer is `503 service_unavailable`.',
      tag: 'fleets',
      params: idParams,
      body: deployFleetBody,
      response: { status: 202, description: 'The queued run', schema: dataEnvelope(fleetRunResource) },
      errors: ['resource_not_found', 'conflict'],
    },
    async handler({ params, body, services, principal, deps }) {
      const input = mapBodyFields(await body(), deployFields) as DeployFleetInput;
      const run = await deployFleet(services, principal, deps.models, params.id!, input, { fieldNames: deployFieldNames });

      return dataResponse(serializeRun(run), 202);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/fleets/:id/runs',
    scope: 'fleets:read',
    docs: {
      operationId: 'listFleetRuns',
      summary: "List a fleet's runs",
      description: 'Newest first, one page at a time, each with its steps.',
      tag: 'fleets',
      params: idParams,
      query: pageQuery,
      response: { status: 200, description: 'One page of runs', schema: pageEnvelope(fleetRunResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, query, services }) {
      const page = parsePageRequest(query);
      const result = await listFleetRuns(services, params.id!, { offset: page.offset, limit: page.perPage });

      return pageResponse(result.runs.map(serializeRun), result.total, page);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/fleets/:id/runs/:run_id',
    scope: 'fleets:read',
    docs: {
      operationId: 'getFleetRun',
      summary: 'Fetch a fleet run',
      tag: 'fleets',
      params: runParams,
      response: { status: 200, description: 'The run with its steps', schema: dataEnvelope(fleetRunResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      return dataResponse(serializeRun(await getFleetRun(services, params.id!, params.run_id!)));
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/fleets/:id/runs/:run_id/cancel',
    scope: 'fleets:write',
    docs: {
      operationId: 'cancelFleetRun',
      summary: 'Cancel a fleet run',
      description: 'Takes no fields. Steps not yet done are marked cancelled; a run that already ended is a conflict.',
      tag: 'fleets',
      params: runParams,
      body: emptyBody,
      bodyOptional: true,
      response: { status: 200, description: 'The cancelled run', schema: dataEnvelope(fleetRunResource) },
      errors: ['resource_not_found', 'conflict'],
    },
    async handler({ params, body, services }) {
      mapBodyFields(await body({ optional: true }), {});

      return dataResponse(serializeRun(await cancelFleetRun(services, params.id!, params.run_id!)));
    },
  }),
];
