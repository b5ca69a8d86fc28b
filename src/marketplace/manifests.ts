import { z } from 'zod';
import { agentFields } from '../agents/rest-schemas.js';
import { createAgentInput } from '../agents/schemas.js';
import { ValidationError, type FieldIssue } from '../errors.js';
import { MarketplaceItemType } from '../generated/prisma/enums.js';
import { invertFields } from '../rest/fields.js';
import { registerFields } from '../tools/rest-schemas.js';
import type { HttpToolSpec } from '../tools/http-tools.js';
import { parseHttpToolRegistration, type RegisterHttpToolInput } from '../tools/service.js';
import { createWebhookInput } from '../webhooks/schemas.js';

export const itemTypes = Object.values(MarketplaceItemType);
export type ItemType = MarketplaceItemType;

export const maxTemplateAgents = 20;
export const maxExtensionTools = 20;
export const maxExtensionWebhooks = 10;

/**
 * Fields of an agent manifest: what `POST /agents` takes, less `fleet_id`, because a
 * fleet id names a row of one account and means nothing in another.
 */
const agentManifestFields = Object.fromEntries(
  Object.entries(agentFields).filter(([rest]) => rest !== 'fleet_id'),
) as Omit<typeof agentFields, 'fleet_id'>;

const agentManifestInput = createAgentInput.omit({ fleetId: true });

/** An agent manifest in REST field names, defaults applied. */
export interface AgentManifest {
  agent_name: string;
  agent_role: 'leader' | 'specialist' | 'generalist' | 'reviewer';
  task: string;
  skills: string[];
  voice_enabled: boolean;
  voice_engine: 'kokoro' | 'orpheus' | 'cartesia' | 'elevenlabs' | null;
}

/** A tool manifest: an HTTP tool registration in REST field names, defaults applied. */
export interface ToolManifest {
  name: string;
  description: string;
  category: string;
  tier: 'free' | 'starter' | 'pro' | 'enterprise';
  tags: string[];
  input_schema: Record<string, unknown>;
  http: HttpToolSpec;
}

export interface FleetTemplateManifest {
  fleet: { name: string; description: string; max_agents: number; auto_scale: boolean };
  agents: AgentManifest[];
}

export interface WebhookManifest {
  url: string;
  events: string[];
  description: string;
}

export interface ExtensionManifest {
  tools: ToolManifest[];
  webhooks: WebhookManifest[];
}

export type Manifest = AgentManifest | ToolManifest | FleetTemplateManifest | ExtensionManifest;

/** The manifest of each item type. */
export interface ManifestOfType {
  agent: AgentManifest;
  tool: ToolManifest;
  fleet_template: FleetTemplateManifest;
  extension: ExtensionManifest;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that `value` is an object with only `accepted` keys, reporting fields under `path`. */
function assertObjectFields(value: unknown, accepted: readonly string[], path: string): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new ValidationError([{ field: path, message: 'must be a JSON object' }], 'Invalid manifest');
  }
  const unknown = Object.keys(value).filter((key) => !accepted.includes(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((key) => ({ field: `${path}.${key}`, message: `is not a field of this manifest; accepted fields: ${accepted.join(', ')}` })),
      'Invalid manifest',
    );
  }

  return value;
}

/** Parses `value` with `schema`, naming failing fields under `path` and through `names`. */
function parseAt<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  path: string,
  names: Readonly<Record<string, string>> = {},
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) {
    return result.data;
  }
  const fieldOf = (segments: PropertyKey[]) => {
    const [head, ...rest] = segments.map(String);

    return head === undefined ? path : [path, names[head] ?? head, ...rest].join('.');
  };
  const issues: FieldIssue[] = result.error.issues.flatMap((issue) => {
    // zod's own messages for unknown keys and missing objects differ from the other manifest
    // errors, and it reports unknown keys at the object, so each key gets its own path here.
    if (issue.code === 'unrecognized_keys') {
      const fields = issue.path.length === 0 && schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
      const accepted = fields.length === 0 ? '' : `; accepted fields: ${fields.map((key) => names[key] ?? key).join(', ')}`;

      return issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), message: `is not a field of this manifest${accepted}` }));
    }
    if (issue.code === 'invalid_type' && issue.expected === 'object') {
      const missing = issue.path.length === 0 && value === undefined;

      return [{ field: fieldOf(issue.path), message: missing ? 'is required and must be a JSON object' : 'must be a JSON object' }];
    }

    return [{ field: fieldOf(issue.path), message: issue.message }];
  });
  throw new ValidationError(issues, 'Invalid manifest');
}

function renameFields(value: Record<string, unknown>, restToService: Readonly<Record<string, string>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [restToService[key] ?? key, item]));
}

function parseAgentManifest(value: unknown, path: string): AgentManifest {
  const object = assertObjectFields(value, Object.keys(agentManifestFields), path);
  const data = parseAt(agentManifestInput, renameFields(object, agentManifestFields), path, invertFields(agentManifestFields));

  return {
    agent_name: data.name,
    agent_role: data.role,
    task: data.task,
    skills: data.skills,
    voice_enabled: data.voiceEnabled,
    voice_engine: data.voiceEngine,
  };
}

function parseToolManifest(value: unknown, path: string): ToolManifest {
  const object = assertObjectFields(value, Object.keys(registerFields), path);
  const data = parseHttpToolRegistration(
    renameFields(object, registerFields) as RegisterHttpToolInput,
    invertFields(registerFields),
    path,
  );

  return {
    name: data.name,
    description: data.description,
    category: data.category,
    tier: data.tier,
    tags: data.tags,
    input_schema: data.inputSchema as Record<string, unknown>,
    http: data.http,
  };
}

const fleetManifest = z.strictObject({
  name: z.string({ error: 'is required and must be a string' }).trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }),
  description: z.string({ error: 'must be a string' }).trim().max(1000, { error: 'must be at most 1000 characters' }).default(''),
  max_agents: z.int({ error: 'must be an integer from 1 to 100' }).min(1, { error: 'must be an integer from 1 to 100' }).max(100, { error: 'must be an integer from 1 to 100' }).default(5),
  auto_scale: z.boolean({ error: 'must be true or false' }).default(false),
});

function parseFleetTemplateManifest(value: unknown, path: string): FleetTemplateManifest {
  const object = assertObjectFields(value, ['fleet', 'agents'], path);
  const fleet = parseAt(fleetManifest, object.fleet, `${path}.fleet`);
  const agents = object.agents;
  if (!Array.isArray(agents) || agents.length === 0 || agents.length > maxTemplateAgents) {
    throw new ValidationError(
      [{ field: `${path}.agents`, message: `must be an array of 1 to ${maxTemplateAgents} agent manifests` }],
      'Invalid manifest',
    );
  }
  if (!fleet.auto_scale && agents.length > fleet.max_agents) {
    throw new ValidationError(
      [{ field: `${path}.agents`, message: `lists ${agents.length} agents, more than fleet.max_agents (${fleet.max_agents}) allows while auto_scale is off` }],
      'Invalid manifest',
    );
  }

  return { fleet, agents: agents.map((agent, index) => parseAgentManifest(agent, `${path}.agents.${index}`)) };
}

const webhookManifest = createWebhookInput.omit({ enabled: true });

function parseExtensionManifest(value: unknown, path: string): ExtensionManifest {
  const object = assertObjectFields(value, ['tools', 'webhooks'], path);
  const tools = object.tools ?? [];
  const webhooks = object.webhooks ?? [];
  if (!Array.isArray(tools) || tools.length > maxExtensionTools) {
    throw new ValidationError([{ field: `${path}.tools`, message: `must be an array of at most ${maxExtensionTools} tool manifests` }], 'Invalid manifest');
  }
  if (!Array.isArray(webhooks) || webhooks.length > maxExtensionWebhooks) {
    throw new ValidationError([{ field: `${path}.webhooks`, message: `must be an array of at most ${maxExtensionWebhooks} webhooks` }], 'Invalid manifest');
  }
  if (tools.length === 0 && webhooks.length === 0) {
    throw new ValidationError([{ field: path, message: 'must declare at least one tool or webhook' }], 'Invalid manifest');
  }
  const parsedTools = tools.map((tool, index) => parseToolManifest(tool, `${path}.tools.${index}`));
  const names = parsedTools.map((tool) => tool.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    throw new ValidationError([{ field: `${path}.tools`, message: `declares the tool ${repeated} twice` }], 'Invalid manifest');
  }

  return {
    tools: parsedTools,
    webhooks: webhooks.map((webhook, index) => parseAt(webhookManifest, webhook, `${path}.webhooks.${index}`)),
  };
}

/**
 * Checks a manifest against its item type and returns it with defaults applied. Errors
 * name each field by its path from `manifest`, such as `manifest.agents.0.agent_role`.
 */
export function parseManifest<Type extends ItemType>(type: Type, value: unknown, path = 'manifest'): ManifestOfType[Type] {
  switch (type) {
    case 'agent':
      return parseAgentManifest(value, path) as ManifestOfType[Type];
    case 'tool':
      return parseToolManifest(value, path) as ManifestOfType[Type];
    case 'fleet_template':
      return parseFleetTemplateManifest(value, path) as ManifestOfType[Type];
    default:
      return parseExtensionManifest(value, path) as ManifestOfType[Type];
  }
}

/** Tool names that a manifest mentions, as skills or as tools it adds; search reads them. */
export function toolNamesOf(type: ItemType, manifest: Manifest): string[] {
  switch (type) {
    case 'agent':
      return (manifest as AgentManifest).skills;
    case 'tool':
      return [(manifest as ToolManifest).name];
    case 'fleet_template':
      return [...new Set((manifest as FleetTemplateManifest).agents.flatMap((agent) => agent.skills))];
    default:
      return (manifest as ExtensionManifest).tools.map((tool) => tool.name);
  }
}
