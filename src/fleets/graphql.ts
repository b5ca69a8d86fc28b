import { encodeGlobalID } from '@pothos/plugin-relay';
import { assertAuthenticated } from '../auth/principal.js';
import { notFound } from '../errors.js';
import { FleetRunStatus, FleetStepStatus, FleetStrategy } from '../generated/prisma/enums.js';
import { builder } from '../graphql/builder.js';
import { databaseIdOf, tenantNodeWhere } from '../graphql/tenancy.js';
import { watchRunProgress, type RunProgress } from './progress-stream.js';
import { cancelFleetRun, deployFleet, getRunOfTenant, strategyName } from './runs.js';
import type { UpdateFleetInput } from './schemas.js';
import * as fleets from './service.js';

const FleetStrategyEnum = builder.enumType(FleetStrategy, {
  name: 'FleetStrategy',
  description:
    'parallel: every agent works on the task at once; sequential: agents work in order, each given the output before it; round_robin: the task goes to the next agent in turn.',
});
const FleetRunStatusEnum = builder.enumType(FleetRunStatus, { name: 'FleetRunStatus' });
const FleetStepStatusEnum = builder.enumType(FleetStepStatus, {
  name: 'FleetStepStatus',
  description: 'waiting: a sequential step whose turn has not come; pending: ready for a worker; running; then how it ended.',
});
const RunProgressTypeEnum = builder.enumType('FleetRunProgressType', {
  values: ['STEP_STARTED', 'STEP_FINISHED', 'RUN_FINISHED'] as const,
});

export const FleetNode = builder.prismaNode('Fleet', {
  id: { field: 'id' },
  // node(id:) returns null, as Relay expects, for a row that the tenant filter hides.
  nullable: true,
  findUnique: (id, context) => tenantNodeWhere(id, context),
  authScopes: { scope: 'fleets:read' },
  description: 'A group of agents that work on tasks together.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id that REST v1 uses.' }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    status: t.exposeString('status', { description: 'running while a run is queued or running, otherwise active.' }),
    maxAgents: t.exposeInt('maxAgents'),
    autoScale: t.exposeBoolean('autoScale'),
    agentCount: t.relationCount('agents', { description: 'Agents attached now, auto-scaled copies included.' }),
    tasksCompleted: t.exposeInt('tasksCompleted', { description: 'Runs that finished successfully.' }),
    livemode: t.exposeBoolean('livemode'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    agents: t.relatedConnection('agents', {
      cursor: 'id',
      description: 'Agents of the fleet, oldest first.',
      query: { orderBy: { id: 'asc' } },
      totalCount: true,
    }),
    runs: t.relatedConnection('runs', {
      cursor: 'id',
      description: 'Runs of the fleet, newest first.',
      query: { orderBy: { id: 'desc' } },
      totalCount: true,
    }),
  }),
});

const FleetRunStepType = builder.prismaObject('FleetRunStep', {
  description: 'The work of one agent in a run.',
  fields: (t) => ({
    position: t.exposeInt('position', { description: 'Order within the run, from 0.' }),
    agent: t.relation('agent', { nullable: true, description: 'null until a round-robin step is handed out, or once the agent is deleted.' }),
    agentName: t.exposeString('agentName', { nullable: true }),
    status: t.expose('status', { type: FleetStepStatusEnum }),
    input: t.exposeString('input', { nullable: true, description: 'The message the agent received.' }),
    reply: t.exposeString('reply', { nullable: true }),
    toolsUsed: t.exposeStringList('toolsUsed'),
    attempts: t.exposeInt('attempts', { description: 'Times a worker took the step; more than 1 after a server stopped during it.' }),
    executionTimeMs: t.exposeInt('executionTimeMs', { nullable: true }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const FleetRunNode = builder.prismaNode('FleetRun', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => tenantNodeWhere(id, context),
  authScopes: { scope: 'fleets:read' },
  description: 'One task deployed to a fleet, with the steps its agents work on.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id that REST v1 uses.' }),
    fleet: t.relation('fleet'),
    task: t.exposeString('task'),
    strategy: t.expose('strategy', { type: FleetStrategyEnum }),
    status: t.expose('status', { type: FleetRunStatusEnum }),
    timeoutSeconds: t.exposeInt('timeoutSeconds'),
    output: t.exposeString('output', {
      nullable: true,
      description: 'The last reply of a sequential or round-robin run that succeeded.',
    }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    steps: t.relation('steps', { query: { orderBy: { position: 'asc' } } }),
    deadlineAt: t.expose('deadlineAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const RunProgressRef = builder.objectRef<RunProgress>('FleetRunProgress').implement({
  description: 'A change of a run: a step started or finished, or the run finished.',
  fields: (t) => ({
    type: t.field({ type: RunProgressTypeEnum, resolve: (progress) => progress.type }),
    run: t.field({ type: FleetRunNode, resolve: (progress) => progress.run }),
    step: t.field({ type: FleetRunStepType, nullable: true, resolve: (progress) => progress.step }),
  }),
});

builder.queryFields((t) => ({
  fleets: t.prismaConnection(
    {
      type: 'Fleet',
      cursor: 'id',
      authScopes: { scope: 'fleets:read' },
      description: "The caller's fleets, oldest first.",
      totalCount: (_parent, _args, context) => fleets.countFleets(context.services()),
      resolve: (query, _parent, _args, context) => fleets.findFleets(context.services(), query),
    },
    {},
  ),
  fleet: t.prismaField({
    type: 'Fleet',
    authScopes: { scope: 'fleets:read' },
    description: 'One fleet by its global id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _parent, args, context) => {
      const id = databaseIdOf(String(args.id), 'Fleet');
      const fleet = await context.prisma.fleet.findFirst({ ...query, where: { ...context.services().tenant, id } });
      if (fleet === null) {
        throw notFound('Fleet', String(args.id));
      }

      return fleet;
    },
  }),
  fleetRun: t.prismaField({
    type: 'FleetRun',
    authScopes: { scope: 'fleets:read' },
    description: 'One fleet run by its global id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _parent, args, context) => {
      const id = databaseIdOf(String(args.id), 'FleetRun', 'Fleet run');
      const run = await context.prisma.fleetRun.findFirst({ ...query, where: { ...context.services().tenant, id } });
      if (run === null) {
        throw notFound('Fleet run', String(args.id));
      }

      return run;
    },
  }),
}));

const fleetInputFields = { maxAgents: 'maxAgents', autoScale: 'autoScale' };

builder.relayMutationField(
  'createFleet',
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      description: t.string(),
      maxAgents: t.int({ description: 'Agent slots, from 1 to 100; default 5.' }),
      autoScale: t.boolean({ description: 'Default false.' }),
    }),
  },
  {
    authScopes: { scope: 'fleets:write' },
    resolve: async (_parent, { input }, context) => ({
      fleet: await fleets.createFleet(
        context.services(),
        {
          name: input.name,
          description: input.description ?? undefined,
          maxAgents: input.maxAgents ?? undefined,
          autoScale: input.autoScale ?? undefined,
        },
        { fieldNames: fleetInputFields },
      ),
    }),
  },
  { outputFields: (t) => ({ fleet: t.field({ type: FleetNode, resolve: (payload) => payload.fleet }) }) },
);

builder.relayMutationField(
  'updateFleet',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string(),
      description: t.string(),
      maxAgents: t.int(),
      autoScale: t.boolean(),
    }),
  },
  {
    authScopes: { scope: 'fleets:write' },
    description: 'Changes the fields given; omitted fields keep their values.',
    resolve: async (_parent, { input }, context) => ({
      // An explicit null for a field that cannot be cleared reaches the service as null,
      // so that GraphQL rejects it with the same validation error as REST.
      fleet: await fleets.updateFleet(
        context.services(),
        databaseIdOf(String(input.id), 'Fleet'),
        {
          name: input.name as string | undefined,
          description: input.description,
          maxAgents: input.maxAgents as UpdateFleetInput['maxAgents'],
          autoScale: input.autoScale as boolean | undefined,
        },
        { fieldNames: fleetInputFields },
      ),
    }),
  },
  { outputFields: (t) => ({ fleet: t.field({ type: FleetNode, resolve: (payload) => payload.fleet }) }) },
);

builder.relayMutationField(
  'deleteFleet',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      force: t.boolean({ description: 'Deletes the fleet even while a run is queued or running.' }),
    }),
  },
  {
    authScopes: { scope: 'fleets:write' },
    description: 'Deletes a fleet; its agents stay and are detached, except auto-scaled copies.',
    resolve: async (_parent, { input }, context) =>
      fleets.deleteFleet(context.services(), databaseIdOf(String(input.id), 'Fleet'), { force: input.force === true }),
  },
  {
    outputFields: (t) => ({
      deletedFleetId: t.id({ resolve: (fleet) => encodeGlobalID('Fleet', fleet.id) }),
      databaseId: t.int({ resolve: (fleet) => fleet.id }),
    }),
  },
);

builder.relayMutationField(
  'deployFleet',
  {
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The fleet.' }),
      task: t.string({ required: true }),
      strategy: t.field({ type: FleetStrategyEnum, description: 'Default parallel.' }),
      timeout: t.int({ description: 'Seconds until the remaining work is cancelled; default 600.' }),
    }),
  },
  {
    authScopes: { scope: 'fleets:write' },
    description: 'Queues a run of the task and returns it at once; subscribe to fleetRunProgress to follow it.',
    resolve: async (_parent, { input }, context) => ({
      run: await deployFleet(
        context.services(),
        assertAuthenticated(context.principal),
        context.models,
        databaseIdOf(String(input.id), 'Fleet'),
        {
          task: input.task,
          strategy: input.strategy === null || input.strategy === undefined ? undefined : strategyName(input.strategy),
          timeout: input.timeout ?? undefined,
        },
      ),
    }),
  },
  { outputFields: (t) => ({ run: t.field({ type: FleetRunNode, resolve: (payload) => payload.run }) }) },
);

builder.relayMutationField(
  'cancelFleetRun',
  { inputFields: (t) => ({ id: t.id({ required: true, description: 'The run.' }) }) },
  {
    authScopes: { scope: 'fleets:write' },
    description: 'Cancels a queued or running run; steps not yet done are marked cancelled.',
    resolve: async (_parent, { input }, context) => {
      const id = databaseIdOf(String(input.id), 'FleetRun', 'Fleet run');
      const run = await getRunOfTenant(context.services(), id);
      if (run === null) {
        throw notFound('Fleet run', String(input.id));
      }

      return { run: await cancelFleetRun(context.services(), run.fleetId, run.id) };
    },
  },
  { outputFields: (t) => ({ run: t.field({ type: FleetRunNode, resolve: (payload) => payload.run }) }) },
);

builder.subscriptionFields((t) => ({
  fleetRunProgress: t.field({
    type: RunProgressRef,
    authScopes: { scope: 'fleets:read' },
    description:
      "A run's progress: each step as it starts and finishes, then the end of the run, after which the subscription completes. Steps already started or finished are reported first.",
    args: { id: t.arg.id({ required: true, description: 'The run.' }) },
    subscribe: async (_root, args, context) => {
      const id = databaseIdOf(String(args.id), 'FleetRun', 'Fleet run');
      const services = context.services();
      if ((await getRunOfTenant(services, id)) === null) {
        throw notFound('Fleet run', String(args.id));
      }

      return watchRunProgress(services, id, context.config.eventsPollIntervalMs);
    },
    resolve: (progress) => progress,
  }),
}));
