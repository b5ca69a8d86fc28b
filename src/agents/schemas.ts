import { z } from 'zod';
import { AgentRole, AgentStatus, VoiceEngine } from '../generated/prisma/enums.js';
import { maxDatabaseId } from '../ids.js';

export const agentRoles = Object.values(AgentRole);
export const agentStatuses = Object.values(AgentStatus);
export const voiceEngines = Object.values(VoiceEngine);

export const maxAgentNameLength = 100;
export const maxTaskLength = 2000;
export const maxSkills = 100;
export const maxExecuteMessageLength = 10_000;

const toolName = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Zod 4 checks `max` in code points, so that an emoji counts once, and the message counts
 * the same way.
 */
function tooLong(max: number) {
  return (issue: { input?: unknown }) =>
    `must be at most ${max} characters, got ${String([...(issue.input as string)].length)}`;
}

function oneOf(values: readonly string[]) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined
      ? `is required and must be one of ${values.join(', ')}`
      : `must be one of ${values.join(', ')}, got ${JSON.stringify(issue.input)}`;
}

function requiredString(issue: { input?: unknown }): string {
  return issue.input === undefined ? 'is required' : 'must be a string';
}

const name = z
  .string({ error: requiredString })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(maxAgentNameLength, { error: tooLong(maxAgentNameLength) });

const role = z.enum(AgentRole, { error: oneOf(agentRoles) });

const task = z.string({ error: 'must be a string' }).max(maxTaskLength, { error: tooLong(maxTaskLength) });

export const toolNames = z
  .array(
    z.string({ error: 'must be a string' }).regex(toolName, {
      error: (issue) =>
        `must be a tool name in snake_case (lowercase letters, digits and underscores), got ${JSON.stringify(issue.input)}`,
    }),
    { error: 'must be an array of tool names' },
  )
  .max(maxSkills, { error: `must list at most ${maxSkills} tools` })
  .transform((names) => [...new Set(names)]);

const fleetId = z
  .number({ error: 'must be an integer fleet id or null' })
  .int({ error: 'must be an integer fleet id or null' })
  .min(1, { error: 'must be a positive fleet id' })
  .max(maxDatabaseId, { error: 'does not name a fleet' });

const voiceEnabled = z.boolean({ error: 'must be true or false' });
const voiceEngine = z.enum(VoiceEngine, { error: oneOf(voiceEngines) });

/** Fields of a new agent, in the service's names (`name`, not the REST `agent_name`). */
export const createAgentInput = z.strictObject({
  name,
  role,
  task: task.default(''),
  skills: toolNames.default([]),
  fleetId: fleetId.nullable().default(null),
  voiceEnabled: voiceEnabled.default(false),
  voiceEngine: voiceEngine.nullable().default(null),
});

/** The same fields, each optional; `null` clears the nullable ones. */
export const updateAgentInput = z.strictObject({
  name: name.optional(),
  role: role.optional(),
  task: task.nullable().optional(),
  skills: toolNames.nullable().optional(),
  fleetId: fleetId.nullable().optional(),
  voiceEnabled: voiceEnabled.optional(),
  voiceEngine: voiceEngine.nullable().optional(),
});

export const executeAgentInput = z.strictObject({
  message: z
    .string({ error: requiredString })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(maxExecuteMessageLength, { error: tooLong(maxExecuteMessageLength) }),
  tools: toolNames.optional(),
  context: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).optional(),
});

export type CreateAgentInput = z.input<typeof createAgentInput>;
export type UpdateAgentInput = z.input<typeof updateAgentInput>;
export type ExecuteAgentInput = z.input<typeof executeAgentInput>;
