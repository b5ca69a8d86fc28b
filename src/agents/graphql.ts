import { encodeGlobalID } from '@pothos/plugin-relay';
import { assertAuthenticated } from '../auth/principal.js';
import { builder } from '../graphql/builder.js';
import type { GraphQLContext } from '../graphql/context.js';
import { databaseIdOf, tenantNodeWhere } from '../graphql/tenancy.js';
import { AgentRole, AgentStatus, VoiceEngine } from '../generated/prisma/enums.js';
import { notFound } from '../errors.js';
import type { UpdateAgentInput } from './schemas.js';
import { executeAgent, type AgentRuntime } from './runs.js';
import * as agents from './service.js';

export const AgentRoleEnum = builder.enumType(AgentRole, { name: 'AgentRole' });
export const AgentStatusEnum = builder.enumType(AgentStatus, {
  name: 'AgentStatus',
  description: 'idle: not deployed; working: deployed and accepting tasks; paused; error: needs attention',
});
export const VoiceEngineEnum = builder.enumType(VoiceEngine, { name: 'VoiceEngine' });

export const AgentNode = builder.prismaNode('Agent', {
  id: { field: 'id' },
  // node(id:) returns null, as Relay expects, for a row that the tenant filter hides.
  nullable: true,
  findUnique: (id, context) => tenantNodeWhere(id, context),
  authScopes: { scope: 'agents:read' },
  description: 'An AI agent with a role, a standing task and the tools (skills) it may use.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id that REST v1 uses.' }),
    name: t.exposeString('name'),
    role: t.expose('role', { type: AgentRoleEnum }),
    task: t.exposeString('task'),
    skills: t.exposeStringList('skills', { description: 'Names of catalogue tools the agent may call.' }),
    status: t.expose('status', { type: AgentStatusEnum }),
    voiceEnabled: t.exposeBoolean('voiceEnabled'),
    voiceEngine: t.expose('voiceEngine', { type: VoiceEngineEnum, nullable: true }),
    livemode: t.exposeBoolean('livemode', { description: 'False for agents created with a test key.' }),
    fleet: t.relation('fleet', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  agents: t.prismaConnection(
    {
      type: 'Agent',
      cursor: 'id',
      authScopes: { scope: 'agents:read' },
      description: "The caller's agents, oldest first.",
      totalCount: (_parent, _args, context) => agents.countAgents(context.services()),
      resolve: (query, _parent, _args, context) => agents.findAgents(context.services(), query),
    },
    {},
  ),
  agent: t.field({
    type: AgentNode,
    authScopes: { scope: 'agents:read' },
    description: 'One agent by its global id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_parent, args, context) => {
      const id = databaseIdOf(String(args.id), 'Agent');
      const agent = await context.loaders().agentById.load(id);
      if (agent === null) {
        throw notFound('Agent', String(args.id));
      }

      return agent;
    },
  }),
}));

function runtimeOf(context: GraphQLContext): AgentRuntime {
  return { principal: assertAuthenticated(context.principal), tools: context.tools, models: context.models };
}

/** Fleet global id in an input, decoded to its database id; `null` detaches. */
function fleetDatabaseId(value: string | null | undefined): number | null | undefined {
  if (value === undefined || value === null) {
    return value;
  }

  return databaseIdOf(value, 'Fleet');
}

const agentInputFields = { fleetId: 'fleetId' };

builder.relayMutationField(
  'createAgent',
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      role: t.field({ type: AgentRoleEnum, required: true }),
      task: t.string(),
      skills: t.stringList(),
      fleetId: t.id({ description: 'Global id of a fleet to join.' }),
      voiceEnabled: t.boolean(),
      voiceEngine: t.field({ type: VoiceEngineEnum }),
    }),
  },
  {
    authScopes: { scope: 'agents:write' },
    resolve: async (_parent, { input }, context) => {
      const agent = await agents.createAgent(
        context.services(),
        {
          name: input.name,
          role: input.role,
          task: input.task ?? undefined,
          skills: input.skills ?? undefined,
          fleetId: fleetDatabaseId(input.fleetId === undefined ? undefined : (input.fleetId as string | null)),
          voiceEnabled: input.voiceEnabled ?? undefined,
          voiceEngine: input.voiceEngine ?? undefined,
        },
        { fieldNames: agentInputFields },
      );

      return { agent };
    },
  },
  { outputFields: (t) => ({ agent: t.field({ type: AgentNode, resolve: (payload) => payload.agent }) }) },
);

builder.relayMutationField(
  'updateAgent',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string(),
      role: t.field({ type: AgentRoleEnum }),
      task: t.string(),
      skills: t.stringList(),
      fleetId: t.id({ description: 'Global id of a fleet to join; null leaves the current fleet.' }),
      voiceEnabled: t.boolean(),
      voiceEngine: t.field({ type: VoiceEngineEnum }),
    }),
  },
  {
    authScopes: { scope: 'agents:write' },
    description: 'Changes the fields given; omitted fields keep their values.',
    resolve: async (_parent, { input }, context) => {
      const id = databaseIdOf(String(input.id), 'Agent');
      const agent = await agents.updateAgent(
        context.services(),
        id,
        // An explicit null for a field that cannot be cleared reaches the service as null,
        // so that GraphQL rejects it with the same validation error as REST.
        {
          name: input.name as string | undefined,
          role: input.role as UpdateAgentInput['role'],
          task: input.task,
          skills: input.skills,
          fleetId: fleetDatabaseId(input.fleetId as string | null | undefined),
          voiceEnabled: input.voiceEnabled as boolean | undefined,
          voiceEngine: input.voiceEngine,
        },
        { fieldNames: agentInputFields },
      );

      return { agent };
    },
  },
  { outputFields: (t) => ({ agent: t.field({ type: AgentNode, resolve: (payload) => payload.agent }) }) },
);

builder.relayMutationField(
  'deleteAgent',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    authScopes: { scope: 'agents:write' },
    resolve: async (_parent, { input }, context) => {
      const agent = await agents.deleteAgent(context.services(), databaseIdOf(String(input.id), 'Agent'));

      return { id: agent.id };
    },
  },
  {
    outputFields: (t) => ({
      deletedAgentId: t.id({ resolve: (payload) => encodeGlobalID('Agent', payload.id) }),
      databaseId: t.int({ resolve: (payload) => payload.id }),
    }),
  },
);

builder.relayMutationField(
  'deployAgent',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    authScopes: { scope: 'agents:write' },
    description: 'Puts the agent into service (status working). Deploying a working agent changes nothing.',
    resolve: async (_parent, { input }, context) => ({
      agent: await agents.deployAgent(context.services(), databaseIdOf(String(input.id), 'Agent')),
    }),
  },
  { outputFields: (t) => ({ agent: t.field({ type: AgentNode, resolve: (payload) => payload.agent }) }) },
);

builder.relayMutationField(
  'executeAgent',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      message: t.string({ required: true }),
      tools: t.stringList({ description: 'Tools for this run instead of the agent skills.' }),
      context: t.field({ type: 'JSON', description: 'A JSON object of facts for the run.' }),
    }),
  },
  {
    authScopes: { scope: 'agents:write' },
    resolve: async (_parent, { input }, context) =>
      executeAgent(context.services(), runtimeOf(context), databaseIdOf(String(input.id), 'Agent'), {
        message: input.message,
        tools: input.tools ?? undefined,
        context: (input.context ?? undefined) as Record<string, unknown> | undefined,
      }),
  },
  {
    outputFields: (t) => ({
      reply: t.string({ resolve: (result) => result.reply }),
      toolsUsed: t.stringList({ resolve: (result) => result.toolsUsed }),
      executionTimeMs: t.int({ resolve: (result) => result.executionTimeMs }),
    }),
  },
);
