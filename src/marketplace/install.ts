import { createAgentInTransaction } from '../agents/service.js';
import type { Principal } from '../auth/principal.js';
import { hasScope, type Scope } from '../auth/scopes.js';
import type { ServiceContext } from '../context.js';
import { insufficientScope, notFound, ValidationError, type FieldIssue } from '../errors.js';
import type { MarketplaceInstalledData } from '../events/catalogue.js';
import { recordEvent } from '../events/outbox.js';
import { createFleetInTransaction } from '../fleets/service.js';
import type { Agent, Fleet, MarketplaceInstallation, MarketplaceItem, Prisma, Tool, WebhookEndpoint } from '../generated/prisma/client.js';
import { insertHttpTool, registerInput, type HttpToolRegistration } from '../tools/service.js';
import { insertWebhookEndpoint } from '../webhooks/service.js';
import type {
  AgentManifest,
  ExtensionManifest,
  FleetTemplateManifest,
  ItemType,
  Manifest,
  ToolManifest,
} from './manifests.js';
import { toolNamesOf } from './manifests.js';
import { getItem } from './service.js';

/**
 * Scopes that installing an item of each type needs besides `marketplace:write`: those of
 * the resources it creates. HTTP tools and webhook endpoints need `*`, as registering them
 * directly does, because they send the account's data to outside servers.
 */
export const installScopes: Record<ItemType, Scope[]> = {
  agent: ['agents:write'],
  tool: ['*'],
  fleet_template: ['fleets:write', 'agents:write'],
  extension: ['*'],
};

/** Ids of what an installation created, as the `resources` column stores them. */
export interface InstalledResourceIds {
  agent_ids: number[];
  fleet_id: number | null;
  tool_names: string[];
  webhook_endpoint_ids: number[];
}

/** An installation with the resources it created that still exist. */
export interface InstallationResult {
  installation: MarketplaceInstallation;
  item: MarketplaceItem;
  /** False when the same version was installed before and that installation is returned. */
  created: boolean;
  agents: Agent[];
  fleet: Fleet | null;
  tools: Tool[];
  webhookEndpoints: WebhookEndpoint[];
  /** Signing secrets of new webhook endpoints by endpoint id; empty for an earlier installation. */
  webhookSecrets: Map<number, string>;
}

export interface InstallOptions {
  /**
   * Names to register the item's tools under, by their manifest name, for tools whose
   * name is taken in the catalogue. Used only when the installation is created.
   */
  toolNames?: unknown;
}

/** Checks `tool_names` against the tools that `item` adds. */
function parseToolNames(item: MarketplaceItem, value: unknown): Map<string, string> {
  const renames = new Map<string, string>();
  if (value === undefined || value === null) {
    return renames;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError([{ field: 'tool_names', message: 'must be a JSON object from tool names of the manifest to new names' }]);
  }
  const added = item.type === 'tool' || item.type === 'extension' ? toolNamesOf(item.type, item.manifest as unknown as Manifest) : [];
  const issues: FieldIssue[] = [];
  for (const [from, to] of Object.entries(value)) {
    if (!added.includes(from)) {
      const names = added.length === 0 ? 'this item adds no tools' : `the item adds ${added.join(', ')}`;
      issues.push({ field: `tool_names.${from}`, message: `is not a tool of this item; ${names}` });
      continue;
    }
    const parsed = registerInput.shape.name.safeParse(to);
    if (!parsed.success) {
      issues.push({ field: `tool_names.${from}`, message: parsed.error.issues[0]?.message ?? 'must be a tool name' });
      continue;
    }
    renames.set(from, parsed.data);
  }
  // Names taken by another account's tool are a conflict at install time, but two tools of
  // this item under one name are a mistake in the request itself.
  const finalNames = added.map((name) => renames.get(name) ?? name);
  for (const [from, to] of renames) {
    if (finalNames.indexOf(to) !== finalNames.lastIndexOf(to)) {
      issues.push({ field: `tool_names.${from}`, message: `would give two tools of this item the name ${to}` });
    }
  }
  if (issues.length > 0) {
    throw new ValidationError(issues);
  }

  return renames;
}

/** The first key of the advisory lock that serialises installations per account. */
const installLockClass = 72_707_371;

/**
 * Installs the current version of an item into the caller's tenant: an agent, an HTTP
 * tool, a fleet with its agents, or an extension's tools and webhook endpoints, all in one
 * transaction with the `marketplace.installed` event. Installing a version that the
 * tenant already installed creates nothing and returns that installation.
 */
export async function installItem(
  ctx: ServiceContext,
  principal: Pick<Principal, 'scopes'>,
  id: string | number,
  options: InstallOptions = {},
): Promise<InstallationResult> {
  const item = await getItem(ctx, id);
  for (const scope of installScopes[item.type]) {
    if (!hasScope(principal.scopes, scope)) {
      throw insufficientScope(scope);
    }
  }
  const renames = parseToolNames(item, options.toolNames);
  const secrets = new Map<number, string>();

  const outcome = await ctx.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${installLockClass}, ${ctx.tenant.accountId})`;
    // Locking the item row keeps the version and manifest fixed until the commit, so an
    // update or unpublish that ran since the read above is seen here.
    const locked = await tx.$queryRaw<{ id: number }[]>`
      SELECT id FROM marketplace_items WHERE id = ${item.id} AND unpublished_at IS NULL FOR UPDATE`;
    if (locked.length === 0) {
      throw notFound('Marketplace item', id);
    }
    const current = await tx.marketplaceItem.findUniqueOrThrow({ where: { id: item.id } });
    const tenantInstallations = await tx.marketplaceInstallation.findMany({
      where: { itemId: current.id, accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode },
    });
    const existing = tenantInstallations.find((installation) => installation.version === current.version);
    if (existing !== undefined) {
      return { installation: existing, created: false };
    }

    const resources = await createResources(tx, ctx, current, renames, secrets);
    const installation = await tx.marketplaceInstallation.create({
      data: {
        itemId: current.id,
        accountId: ctx.tenant.accountId,
        livemode: ctx.tenant.livemode,
        version: current.version,
        resources: resources as unknown as Prisma.InputJsonValue,
      },
    });
    if (tenantInstallations.length === 0) {
      // Raw SQL leaves updated_at alone, which tracks the publisher's changes only.
      await tx.$executeRaw`UPDATE marketplace_items SET install_count = install_count + 1 WHERE id = ${current.id}`;
    }
    await recordEvent(tx, ctx.tenant, 'marketplace.installed', {
      item_id: current.id,
      item_name: current.name,
      item_type: current.type,
    } satisfies MarketplaceInstalledData);

    return { installation, created: true };
  });
  if (outcome.created) {
    ctx.log.info({ itemId: item.id, installationId: outcome.installation.id, version: outcome.installation.version }, 'installed marketplace item');
  }
  const current = await getItem(ctx, item.id).catch(() => item);
  const resources = await loadResources(ctx, outcome.installation);

  return { ...resources, installation: outcome.installation, item: current, created: outcome.created, webhookSecrets: secrets };
}

async function createResources(
  tx: Prisma.TransactionClient,
  ctx: ServiceContext,
  item: MarketplaceItem,
  renames: ReadonlyMap<string, string>,
  secrets: Map<number, string>,
): Promise<InstalledResourceIds> {
  const resources: InstalledResourceIds = { agent_ids: [], fleet_id: null, tool_names: [], webhook_endpoint_ids: [] };
  switch (item.type) {
    case 'agent': {
      const agent = await createManifestAgent(tx, ctx, item.manifest as unknown as AgentManifest, null);
      resources.agent_ids.push(agent.id);
      break;
    }
    case 'tool': {
      const tool = await createManifestTool(tx, ctx, item.manifest as unknown as ToolManifest, renames);
      resources.tool_names.push(tool.name);
      break;
    }
    case 'fleet_template': {
      const manifest = item.manifest as unknown as FleetTemplateManifest;
      const fleet = await createFleetInTransaction(tx, ctx, {
        name: manifest.fleet.name,
        description: manifest.fleet.description,
        maxAgents: manifest.fleet.max_agents,
        autoScale: manifest.fleet.auto_scale,
      });
      resources.fleet_id = fleet.id;
      for (const agent of manifest.agents) {
        resources.agent_ids.push((await createManifestAgent(tx, ctx, agent, fleet.id)).id);
      }
      break;
    }
    case 'extension': {
      const manifest = item.manifest as unknown as ExtensionManifest;
      for (const tool of manifest.tools) {
        resources.tool_names.push((await createManifestTool(tx, ctx, tool, renames)).name);
      }
      for (const webhook of manifest.webhooks) {
        const { endpoint, secret } = await insertWebhookEndpoint(tx, ctx, { ...webhook, enabled: true });
        secrets.set(endpoint.id, secret);
        resources.webhook_endpoint_ids.push(endpoint.id);
      }
      break;
    }
  }

  return resources;
}

function createManifestAgent(tx: Prisma.TransactionClient, ctx: ServiceContext, agent: AgentManifest, fleetId: number | null): Promise<Agent> {
  return createAgentInTransaction(tx, ctx, {
    name: agent.agent_name,
    role: agent.agent_role,
    task: agent.task,
    skills: agent.skills,
    fleetId,
    voiceEnabled: agent.voice_enabled,
    voiceEngine: agent.voice_engine,
  });
}

// NOTE: tool names are one catalogue-wide namespace, so a second account installing the
// same tool gets 409 conflict unless it renames the tool with `tool_names`.
function createManifestTool(
  tx: Prisma.TransactionClient,
  ctx: ServiceContext,
  tool: ToolManifest,
  renames: ReadonlyMap<string, string>,
): Promise<Tool> {
  // The manifest was checked when it was published, so it is passed as it is stored.
  return insertHttpTool(tx, ctx, {
    name: renames.get(tool.name) ?? tool.name,
    description: tool.description,
    category: tool.category as HttpToolRegistration['category'],
    tier: tool.tier,
    tags: tool.tags,
    inputSchema: tool.input_schema as HttpToolRegistration['inputSchema'],
    http: tool.http,
  });
}

/** Loads what an installation created; resources deleted since are left out. */
export async function loadResources(
  ctx: ServiceContext,
  installation: MarketplaceInstallation,
): Promise<Pick<InstallationResult, 'agents' | 'fleet' | 'tools' | 'webhookEndpoints'>> {
  const ids = installation.resources as unknown as InstalledResourceIds;
  const tenant = { accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode };
  const [agents, fleet, tools, webhookEndpoints] = await Promise.all([
    ctx.prisma.agent.findMany({ where: { ...tenant, id: { in: ids.agent_ids } }, orderBy: { id: 'asc' } }),
    ids.fleet_id === null ? null : ctx.prisma.fleet.findFirst({ where: { ...tenant, id: ids.fleet_id } }),
    ctx.prisma.tool.findMany({
      where: { name: { in: ids.tool_names }, ownerAccountId: tenant.accountId, ownerLivemode: tenant.livemode },
      orderBy: { id: 'asc' },
    }),
    ctx.prisma.webhookEndpoint.findMany({ where: { ...tenant, id: { in: ids.webhook_endpoint_ids } }, orderBy: { id: 'asc' } }),
  ]);

  return { agents, fleet, tools, webhookEndpoints };
}
