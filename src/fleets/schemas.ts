import { z } from 'zod';
import { FleetRunStatus, FleetStepStatus } from '../generated/prisma/enums.js';

export const maxFleetNameLength = 100;
export const maxFleetDescriptionLength = 1000;
/** Highest `max_agents` a fleet may set. */
export const maxFleetSlots = 100;
export const maxFleetTaskLength = 10_000;
/** Longest run timeout, in seconds: one day. */
export const maxRunTimeoutSeconds = 86_400;
/** Timeout of a run whose deploy request names none, in seconds. */
export const defaultRunTimeoutSeconds = 600;

/** Strategies as REST and GraphQL clients spell them. */
export const fleetStrategies = ['parallel', 'sequential', 'round-robin'] as const;
export type FleetStrategyName = (typeof fleetStrategies)[number];
export const defaultStrategy: FleetStrategyName = 'parallel';

export const fleetRunStatuses = Object.values(FleetRunStatus);
export const fleetStepStatuses = Object.values(FleetStepStatus);

/** Run statuses in which work may still happen. */
export const activeRunStatuses: FleetRunStatus[] = ['queued', 'running'];

function tooLong(max: number) {
  return (issue: { input?: unknown }) =>
    `must be at most ${max} characters, got ${String([...(issue.input as string)].length)}`;
}

function integerFrom(min: number, max: number) {
  return z
    .number({ error: `must be an integer from ${min} to ${max}` })
    .int({ error: `must be an integer from ${min} to ${max}` })
    .min(min, { error: (issue) => `must be an integer from ${min} to ${max}, got ${String(issue.input)}` })
    .max(max, { error: (issue) => `must be an integer from ${min} to ${max}, got ${String(issue.input)}` });
}

const name = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(maxFleetNameLength, { error: tooLong(maxFleetNameLength) });

const description = z
  .string({ error: 'must be a string' })
  .max(maxFleetDescriptionLength, { error: tooLong(maxFleetDescriptionLength) });

const maxAgents = integerFrom(1, maxFleetSlots);
const autoScale = z.boolean({ error: 'must be true or false' });

/** Fields of a new fleet, in the service's names. */
export const createFleetInput = z.strictObject({
  name,
  description: description.default(''),
  maxAgents: maxAgents.default(5),
  autoScale: autoScale.default(false),
});

/** The same fields, each optional; `null` clears the description. */
export const updateFleetInput = z.strictObject({
  name: name.optional(),
  description: description.nullable().optional(),
  maxAgents: maxAgents.optional(),
  autoScale: autoScale.optional(),
});

export const deployFleetInput = z.strictObject({
  task: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(maxFleetTaskLength, { error: tooLong(maxFleetTaskLength) }),
  strategy: z
    .enum(fleetStrategies, {
      error: (issue) => `must be one of ${fleetStrategies.join(', ')}, got ${JSON.stringify(issue.input)}`,
    })
    .default(defaultStrategy),
  timeout: integerFrom(1, maxRunTimeoutSeconds).default(defaultRunTimeoutSeconds),
});

export type CreateFleetInput = z.input<typeof createFleetInput>;
export type UpdateFleetInput = z.input<typeof updateFleetInput>;
export type DeployFleetInput = z.input<typeof deployFleetInput>;
