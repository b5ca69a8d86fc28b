import { z } from 'zod';
import { ErrorCode } from '../errors.js';
import { named, resourceId, restBody, timestamp } from '../rest/route-docs.js';
import {
  createFleetInput,
  defaultRunTimeoutSeconds,
  defaultStrategy,
  deployFleetInput,
  fleetRunStatuses,
  fleetStepStatuses,
  fleetStrategies,
  updateFleetInput,
} from './schemas.js';
import { fleetStatuses } from './service.js';

/** REST body fields and the service fields they map to. */
export const fleetFields = {
  name: 'name',
  description: 'description',
  max_agents: 'maxAgents',
  auto_scale: 'autoScale',
} as const;

export const deployFields = { task: 'task', strategy: 'strategy', timeout: 'timeout' } as const;

const fieldDescriptions = {
  name: 'Display name',
  description: 'What the fleet is for',
  max_agents: 'Agent slots, from 1 to 100; default 5. Auto-scaling may go past it',
  auto_scale: 'Lets agents join past max_agents and adds copies of the first agent when round-robin work queues up; default false',
};

export const createFleetBody = restBody(createFleetInput, fleetFields, fieldDescriptions);

export const updateFleetBody = restBody(updateFleetInput, fleetFields, fieldDescriptions).describe(
  'A partial update: fields left out keep their values, and null clears description',
);

export const deployFleetBody = restBody(deployFleetInput, deployFields, {
  task: 'The task the agents work on',
  strategy: `How the agents share the task; default ${defaultStrategy}`,
  timeout: `Seconds until the run's remaining work is cancelled and the run marked timed_out; default ${defaultRunTimeoutSeconds}`,
});

export const fleetResource = named(
  'Fleet',
  z.object({
    id: resourceId,
    name: z.string(),
    description: z.string(),
    status: z.enum(fleetStatuses).describe('running while a run is queued or running, otherwise active'),
    max_agents: z.int(),
    auto_scale: z.boolean(),
    agent_count: z.int().min(0).describe('Agents attached now, auto-scaled copies included'),
    tasks_completed: z.int().min(0).describe('Runs that finished successfully'),
    created_at: timestamp,
    updated_at: timestamp,
  }),
);

export type FleetResource = z.output<typeof fleetResource>;

const runError = z
  .object({ code: z.enum(Object.values(ErrorCode)).nullable(), message: z.string() })
  .nullable()
  .describe('Why the run or step did not succeed; null otherwise');

export const fleetRunStepResource = named(
  'FleetRunStep',
  z.object({
    position: z.int().min(0).describe('Order within the run, from 0'),
    agent_id: resourceId.nullable().describe('null for a round-robin step not yet handed out, or when the agent was deleted'),
    agent_name: z.string().nullable(),
    status: z.enum(fleetStepStatuses),
    input: z.string().nullable().describe('The message the agent received; null while a sequential step waits'),
    reply: z.string().nullable(),
    tools_used: z.array(z.string()),
    attempts: z.int().min(0).describe('Times a worker took the step; more than 1 after a server stopped during it'),
    execution_time_ms: z.int().min(0).nullable(),
    error: runError,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
  }),
);

export const fleetRunResource = named(
  'FleetRun',
  z.object({
    id: resourceId,
    fleet_id: resourceId,
    task: z.string(),
    strategy: z.enum(fleetStrategies),
    status: z.enum(fleetRunStatuses),
    timeout: z.int().describe('Seconds the run may take'),
    result: z.object({
      output: z
        .string()
        .nullable()
        .describe('The last reply of a sequential or round-robin run that succeeded; null for parallel runs'),
      replies: z
        .array(z.object({ agent_id: resourceId.nullable(), agent_name: z.string().nullable(), reply: z.string() }))
        .describe("Each agent's reply so far, in step order"),
    }),
    error: runError,
    steps: z.array(fleetRunStepResource),
    deadline_at: timestamp,
    created_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
  }),
);

export type FleetRunResource = z.output<typeof fleetRunResource>;

export const runParams = z.object({ id: resourceId.describe('The fleet id'), run_id: resourceId.describe('The run id') });

export const deleteQuery = z.object({
  force: z.enum(['true', 'false']).default('false').describe('true deletes the fleet even while a run is queued or running'),
});
