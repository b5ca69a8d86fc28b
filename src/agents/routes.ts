import type { Agent } from '../generated/prisma/client.js';
import { parsePageRequest } from '../pagination.js';
import { invertFields, mapBodyFields } from '../rest/fields.js';
import { dataResponse, pageResponse } from '../rest/responses.js';
import { route, type RouteList } from '../rest/router.js';
import { isoTimestamp } from '../rest/timestamps.js';
import type { CreateAgentInput, ExecuteAgentInput, UpdateAgentInput } from './schemas.js';
import * as agents from './service.js';

/** REST body fields and the service fields they map to. */
const agentFields = {
  agent_name: 'name',
  agent_role: 'role',
  task: 'task',
  skills: 'skills',
  fleet_id: 'fleetId',
  voice_enabled: 'voiceEnabled',
  voice_engine: 'voiceEngine',
} as const;

const executeFields = { message: 'message', tools: 'tools', context: 'context' } as const;

const agentFieldNames = invertFields(agentFields);

/** An agent as REST v1 returns it. */
export function serializeAgent(agent: Agent) {
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
    async handler({ params, services }) {
      return dataResponse(serializeAgent(await agents.getAgent(services, params.id!)));
    },
  }),
  route({
    method: 'PUT',
    path: '/api/v1/agents/:id',
    scope: 'agents:write',
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
    async handler({ params, services }) {
      const agent = await agents.deleteAgent(services, params.id!);

      return dataResponse({ id: agent.id, deleted: true });
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/agents/:id/execute',
    scope: 'agents:write',
    async handler({ params, body, services }) {
      const input = mapBodyFields(await body(), executeFields) as ExecuteAgentInput;
      const result = await agents.executeAgent(services, params.id!, input);

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
    async handler({ params, body, services }) {
      // The deploy endpoint takes no fields; an empty body or `{}` are both accepted.
      mapBodyFields(await body({ optional: true }), {});

      return dataResponse(serializeAgent(await agents.deployAgent(services, params.id!)));
    },
  }),
];
