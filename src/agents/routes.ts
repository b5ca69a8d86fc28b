import type { Agent } from '../generated/prisma/client.js';
import { parsePageRequest } from '../pagination.js';
import { invertFields, mapBodyFields } from '../rest/fields.js';
import { dataResponse, pageResponse } from '../rest/responses.js';
import { route, type RouteList } from '../rest/router.js';
import { dataEnvelope, deletedEnvelope, emptyBody, idParams, pageEnvelope, pageQuery, resourceId } from '../rest/route-docs.js';
import { isoTimestamp } from '../rest/timestamps.js';
import type { CreateAgentInput, ExecuteAgentInput, UpdateAgentInput } from './schemas.js';
import {
  agentFields,
  agentResource,
  createAgentBody,
  executeAgentBody,
  executeFields,
  executionResult,
  updateAgentBody,
  type AgentResource,
} from './rest-schemas.js';
import { executeAgent } from './runs.js';
import * as agents from './service.js';

const agentFieldNames = invertFields(agentFields);

/** An agent as REST v1 returns it. */
export function serializeAgent(agent: Agent): AgentResource {
  return {
    id: agent.id,
    agent_name: agent.name,
    agent_role: agent.role,
    task: agent.task,
    skills: agent.skills,
    fleet_id: agent.fleetId,
    status: agent.status,
    voice_enabled: agent.voiceEnabled,
    voice_engine: agent.voiceEngine,
    created_at: isoTimestamp(agent.createdAt),
    updated_at: isoTimestamp(agent.updatedAt),
  };
}

export const agentRoutes: RouteList = [
  route({
    method: 'POST',
    path: '/api/v1/agents',
    scope: 'agents:write',
    docs: {
      operationId: 'createAgent',
      summary: 'Create an agent',
      tag: 'agents',
      body: createAgentBody,
      response: { status: 201, description: 'The new agent, with status idle', schema: dataEnvelope(agentResource) },
      errors: ['conflict', 'quota_exceeded'],
    },
    async handler({ body, services }) {
      const input = mapBodyFields(await body(), agentFields) as CreateAgentInput;
      const agent = await agents.createAgent(services, input, { fieldNames: agentFieldNames });

      return dataResponse(serializeAgent(agent), 201);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/agents',
    scope: 'agents:read',
    docs: {
      operationId: 'listAgents',
      summary: "List the account's agents",
      description: 'Oldest first, one page at a time.',
      tag: 'agents',
      query: pageQuery,
      response: { status: 200, description: 'One page of agents', schema: pageEnvelope(agentResource) },
      errors: [],
    },
    async handler({ query, services }) {
      const page = parsePageRequest(query);
      const result = await agents.listAgents(services, { offset: page.offset, limit: page.perPage });

      return pageResponse(result.agents.map(serializeAgent), result.total, page);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/agents/:id',
    scope: 'agents:read',
    docs: {
      operationId: 'getAgent',
      summary: 'Fetch an agent',
      tag: 'agents',
      params: idParams,
      response: { status: 200, description: 'The agent', schema: dataEnvelope(agentResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      return dataResponse(serializeAgent(await agents.getAgent(services, params.id!)));
    },
  }),
  route({
    method: 'PUT',
    path: '/api/v1/agents/:id',
    scope: 'agents:write',
    docs: {
      operationId: 'updateAgent',
      summary: 'Change an agent',
      description: 'Fields left out keep their values. Any change to an agent in `error` status returns it to `idle`.',
      tag: 'agents',
      params: idParams,
      body: updateAgentBody,
      response: { status: 200, description: 'The changed agent', schema: dataEnvelope(agentResource) },
      errors: ['resource_not_found', 'conflict'],
    },
    async handler({ params, body, services }) {
      const input = mapBodyFields(await body(), agentFields) as UpdateAgentInput;
      const agent = await agents.updateAgent(services, params.id!, input, { fieldNames: agentFieldNames });

      return dataResponse(serializeAgent(agent));
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/agents/:id',
    scope: 'agents:write',
    docs: {
      operationId: 'deleteAgent',
      summary: 'Delete an agent',
      tag: 'agents',
      params: idParams,
      response: { status: 200, description: 'The id of the deleted agent', schema: deletedEnvelope(resourceId) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      const agent = await agents.deleteAgent(services, params.id!);

      return dataResponse({ id: agent.id, deleted: true });
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/agents/:id/execute',
    scope: 'agents:write',
    docs: {
      operationId: 'executeAgent',
      summary: 'Run a task on an agent',
      description: 'Runs the model with the agent\'s tools until it answers. Without a configured model provider the answer is `503 service_unavailable`.',
      tag: 'agents',
      params: idParams,
      body: executeAgentBody,
      response: { status: 200, description: "The agent's reply and the tools it used", schema: dataEnvelope(executionResult) },
      errors: ['resource_not_found', 'conflict', 'plan_upgrade_required', 'upstream_error', 'upstream_timeout'],
    },
    async handler({ params, body, services, principal, deps }) {
      const input = mapBodyFields(await body(), executeFields) as ExecuteAgentInput;
      const runtime = { principal, tools: deps.tools, models: deps.models };
      const result = await executeAgent(services, runtime, params.id!, input);

      return dataResponse({
        reply: result.reply,
        tools_used: result.toolsUsed,
        execution_time_ms: result.executionTimeMs,
      });
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/agents/:id/deploy',
    scope: 'agents:write',
    docs: {
      operationId: 'deployAgent',
      summary: 'Deploy an agent',
      description: 'Takes no fields: send no body or `{}`. Deploying a working agent returns it unchanged.',
      tag: 'agents',
      params: idParams,
      body: emptyBody,
      bodyOptional: true,
      response: { status: 200, description: 'The agent, with status working', schema: dataEnvelope(agentResource) },
      errors: ['resource_not_found', 'conflict'],
    },
    async handler({ params, body, services }) {
      // The deploy endpoint takes no fields; an empty body or `{}` are both accepted.
      mapBodyFields(await body({ optional: true }), {});

      return dataResponse(serializeAgent(await agents.deployAgent(services, params.id!)));
    },
  }),
];
