import type { ServiceContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import { parseManifest, type ItemType } from './manifests.js';
import { searchTextOf } from './service.js';

/** An item that every installation offers, built from the built-in tools. */
export interface BuiltinItem {
  /** Stable key that start-up matches rows by. */
  key: string;
  type: ItemType;
  name: string;
  summary: string;
  description: string;
  version: string;
  manifest: unknown;
}

export const builtinItems: readonly BuiltinItem[] = [
  {
    key: 'dns-troubleshooter',
    type: 'agent',
    name: 'DNS Troubleshooter',
    summary: 'Finds out why a domain does not resolve, or resolves to the wrong place',
    description:
      'A specialist agent that looks up DNS records, checks the address ranges they point at, ' +
      'fetches the site and reads its TLS certificate, then explains what is misconfigured.',
    version: '1.0.0',
    manifest: {
      agent_name: 'DNS Troubleshooter',
      agent_role: 'specialist',
      task:
        'Diagnose DNS problems of the domain in each task: look up its A, AAAA, CNAME, MX, NS and TXT records, ' +
        'check where the addresses point, fetch the site and its certificate, and report the cause and the fix.',
      skills: ['dns_lookup', 'ip_address_info', 'cidr_calculator', 'url_parse', 'http_request', 'tls_certificate_info'],
    },
  },
  {
    key: 'security-review',
    type: 'fleet_template',
    name: 'Security Review',
    summary: 'A lead and three specialists that review tokens, secrets and public endpoints',
    description:
      'A fleet for a first security review of a service: one agent inspects JWTs and hashes, one ' +
      'checks password and secret strength, one probes the public endpoints and their certificates, ' +
      'and a lead collects the findings into one report.',
    version: '1.0.0',
    manifest: {
      fleet: { name: 'Security Review', description: 'Reviews tokens, secrets and public endpoints of a service', max_agents: 4 },
      agents: [
        {
          agent_name: 'Review Lead',
          agent_role: 'leader',
          task: 'Split the review into tasks for the specialists, then merge their findings into one report ordered by severity.',
        },
        {
          agent_name: 'Token Inspector',
          agent_role: 'specialist',
          task: 'Decode the JWTs and check their algorithms, expiry and claims; verify HMAC signatures and hashes given to you.',
          skills: ['jwt_decode', 'hmac', 'hash', 'base64_decode'],
        },
        {
          agent_name: 'Secret Auditor',
          agent_role: 'specialist',
          task: 'Rate the strength of passwords and secrets, and propose strong replacements.',
          skills: ['password_strength', 'random_password', 'uuid_generate'],
        },
        {
          agent_name: 'Endpoint Prober',
          agent_role: 'reviewer',
          task: 'Check the public endpoints: DNS records, TLS certificates and the HTTP status and headers they return.',
          skills: ['dns_lookup', 'tls_certificate_info', 'http_request', 'http_status_lookup'],
        },
      ],
    },
  },
  {
    key: 'release-assistant',
    type: 'agent',
    name: 'Release Assistant',
    summary: 'Checks version ranges, image references and release schedules',
    description:
      'A generalist agent for release chores: compares semantic versions, checks ranges, parses ' +
      'container image references and explains cron schedules with their next runs.',
    version: '1.0.0',
    manifest: {
      agent_name: 'Release Assistant',
      agent_role: 'generalist',
      task: 'Help prepare releases: compare versions, check that dependencies satisfy ranges, and explain release schedules.',
      skills: ['semver_compare', 'semver_satisfies', 'docker_image_reference_parse', 'cron_describe', 'cron_next_runs'],
    },
  },
];

/**
 * Writes the built-in items into the marketplace: new ones are created, and rows whose
 * version differs are updated, so an edited entry needs a new version. Install counts
 * and ratings are kept. Manifests are checked like published
 * ones, so a broken entry stops the start-up.
 */
export async function syncBuiltinItems(ctx: Pick<ServiceContext, 'prisma' | 'log'>, items: readonly BuiltinItem[] = builtinItems): Promise<void> {
  let written = 0;
  for (const entry of items) {
    const manifest = parseManifest(entry.type, entry.manifest, `builtin item ${entry.key} manifest`);
    const data = {
      type: entry.type,
      name: entry.name,
      summary: entry.summary,
      description: entry.description,
      version: entry.version,
      manifest: manifest as unknown as Prisma.InputJsonValue,
      searchText: searchTextOf({ ...entry, manifest }),
    };
    const current = await ctx.prisma.marketplaceItem.findUnique({ where: { builtinKey: entry.key }, select: { version: true } });
    if (current?.version === entry.version) {
      continue;
    }
    await ctx.prisma.marketplaceItem.upsert({ where: { builtinKey: entry.key }, create: { builtinKey: entry.key, ...data }, update: data });
    written += 1;
  }
  ctx.log.info({ items: items.length, written }, 'built-in marketplace items are current');
}
