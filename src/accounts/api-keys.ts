import { z } from 'zod';
import { parseScopes, type Scope } from '../auth/scopes.js';
import { generateApiKey, hashToken, type KeyMode } from '../auth/secrets.js';
import { notFound, ValidationError } from '../errors.js';
import type { ApiKey, PrismaClient } from '../generated/prisma/client.js';
import { parseInput } from '../validation.js';

const createKeyInput = z.object({
  name: z.string().trim().max(100, { error: 'must be at most 100 characters' }).default(''),
  scopes: z.array(z.string()).default(['*']),
  test: z.boolean().default(false),
});

export type CreateApiKeyInput = z.input<typeof createKeyInput>;

export interface CreatedApiKey {
  /** The full key. It is returned once, at creation; only its hash is stored. */
  token: string;
  key: ApiKey;
}

/** Checks a scope list, raising a validation error that names every unknown scope. */
export function assertScopes(input: readonly string[], field = 'scopes'): Scope[] {
  const { valid, unknown } = parseScopes(input);
  if (unknown.length > 0) {
    throw new ValidationError([
      { field, message: `contains unknown scopes: ${unknown.join(', ')}` },
    ]);
  }
  if (valid.length === 0) {
    throw new ValidationError([{ field, message: 'must name at least one scope' }]);
  }

  return valid;
}

export async function createApiKey(
  prisma: PrismaClient,
  accountId: number,
  input: CreateApiKeyInput = {},
): Promise<CreatedApiKey> {
  const data = parseInput(createKeyInput, input);
  const keyScopes = assertScopes(data.scopes);
  const mode: KeyMode = data.test ? 'test' : 'live';
  const generated = generateApiKey(mode);
  const key = await prisma.apiKey.create({
    data: {
      accountId,
      name: data.name,
      mode,
      prefix: generated.prefix,
      secretHash: hashToken(generated.secret),
      scopes: keyScopes,
    },
  });

  return { token: generated.token, key };
}

export async function listApiKeys(prisma: PrismaClient, accountId: number): Promise<ApiKey[]> {
  return prisma.apiKey.findMany({ where: { accountId }, orderBy: { id: 'asc' } });
}

/** Revokes a key of the account, named by its id or its prefix. Revoking twice is a no-op. */
export async function revokeApiKey(
  prisma: PrismaClient,
  accountId: number,
  key: { id: number } | { prefix: string },
): Promise<ApiKey> {
  const where = 'id' in key ? { id: key.id, accountId } : { prefix: key.prefix, accountId };
  const existing = await prisma.apiKey.findFirst({ where });
  if (existing === null) {
    throw notFound('API key', 'id' in key ? key.id : key.prefix);
  }
  if (existing.revokedAt !== null) {
    return existing;
  }

  return prisma.apiKey.update({ where: { id: existing.id }, data: { revokedAt: new Date() } });
}

/** A key as shown after creation: the prefix identifies it, the secret is never shown again. */
export function describeApiKey(key: ApiKey): string {
  return `ak_${key.mode}_${key.prefix}_…`;
}
