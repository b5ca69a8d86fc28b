import { z } from 'zod';
import { named, restBody, resourceId, timestamp } from '../rest/route-docs.js';
import { agentRoles, agentStatuses, createAgentInput, executeAgentInput, updateAgentInput, voiceEngines } from './schemas.js';

/** REST body fields and the service fields they map to. */
export const agentFields = {
  agent_name: 'name',
  agent_role: 'role',
  task: 'task',
  skills: 'skills',
  fleet_id: 'fleetId',
  voice_enabled: 'voiceEnabled',
  voice_engine: 'voiceEngine',
} as const;

export const executeFields = { message: 'message', tools: 'tools', context: 'context' } as const;

const fieldDescriptions = {
  agent_name: 'Display name',
  agent_role: 'What the agent does in a fleet',
  task: 'Standing task description',
  skills: 'Tool names the agent may use; repeats are dropped',
  fleet_id: 'Fleet to attach the agent to; null detaches it',
  voice_enabled: 'Turns on voice interaction',
  voice_engine: 'Text-to-speech engine',
};

export const createAgentBody = restBody(createAgentInput, agentFields, fieldDescriptions);

export const updateAgentBody = restBody(updateAgentInput, agentFields, fieldDescriptions).describe(
  'A partial update: fields left out keep their values, and null clears task, skills, fleet_id and voice_engine',
);

export const executeAgentBody = restBody(executeAgentInput, executeFields, {
  message: 'Task or message for the agent',
  tools: 'Replaces the tool set for this run only',
  context: 'Extra context for the run',
});

/** An agent as REST v1 returns it. */
export const agentResource = named(
  'Agent',
  z.object({
    id: resourceId,
    agent_name: z.string(),
    agent_role: z.enum(agentRoles),
    task: z.string(),
    skills: z.array(z.string()),
    fleet_id: resourceId.nullable(),
    status: z.enum(agentStatuses),
    voice_enabled: z.boolean(),
    voice_engine: z.enum(voiceEngines).nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  }),
);

export type AgentResource = z.output<typeof agentResource>;

export const executionResult = named(
  'AgentExecution',
  z.object({
    reply: z.string().describe("The agent's answer"),
    tools_used: z.array(z.string()).describe('Tools called during the run'),
    execution_time_ms: z.int().min(0).describe('Wall time of the run in milliseconds'),
  }),
);
