import { z } from 'zod';
import { coversScopes, parseScopes, type Scope } from '../auth/scopes.js';
import { digestsEqual, generateToken, hashToken, randomString } from '../auth/secrets.js';
import { notFound } from '../errors.js';
import type { OAuthApp, PrismaClient } from '../generated/prisma/client.js';
import { parseInput } from '../validation.js';
import { assertScopes } from './api-keys.js';

const createAppInput = z.object({
  name: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(100, { error: 'must be at most 100 characters' }),
  scopes: z.array(z.string()).default(['*']),
});

export type CreateOAuthAppInput = z.input<typeof createAppInput>;

export interface CreatedOAuthApp {
  app: OAuthApp;
  clientId: string;
  /** Returned once, at registration; only its hash is stored. */
  clientSecret: string;
}

export async function createOAuthApp(
  prisma: PrismaClient,
  accountId: number,
  input: CreateOAuthAppInput,
): Promise<CreatedOAuthApp> {
  const data = parseInput(createAppInput, input);
  const appScopes = assertScopes(data.scopes);
  const clientId = `oac_${randomString(20)}`;
  const clientSecret = generateToken('oas_');
  const app = await prisma.oAuthApp.create({
    data: {
      accountId,
      name: data.name,
      clientId,
      clientSecretHash: hashToken(clientSecret),
      scopes: appScopes,
    },
  });

  return { app, clientId, clientSecret };
}

export async function listOAuthApps(prisma: PrismaClient, accountId: number): Promise<OAuthApp[]> {
  return prisma.oAuthApp.findMany({ where: { accountId }, orderBy: { id: 'asc' } });
}

export async function revokeOAuthApp(prisma: PrismaClient, accountId: number, clientId: string): Promise<OAuthApp> {
  const app = await prisma.oAuthApp.findFirst({ where: { accountId, clientId } });
  if (app === null) {
    throw notFound('OAuth app', clientId);
  }

  return app.revokedAt === null
    ? prisma.oAuthApp.update({ where: { id: app.id }, data: { revokedAt: new Date() } })
    : app;
}

/** An error of the OAuth 2.0 token endpoint, named as RFC 6749 section 5.2 names them. */
export class OAuthError extends Error {
  override name = 'OAuthError';

  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope',
    readonly description: string,
    readonly status: 400 | 401 = 400,
  ) {
    super(description);
  }
}

export interface AccessToken {
  accessToken: string;
  expiresIn: number;
  scopes: Scope[];
}

/**
 * Issues an access token for the client credentials grant (RFC 6749 section 4.4). The
 * requested scopes must be a subset of the app's; none requested means all of the app's.
 */
export async function issueClientCredentialsToken(
  prisma: PrismaClient,
  request: { clientId: string; clientSecret: string; scope: string | undefined },
  ttlSeconds: number,
): Promise<AccessToken> {
  const app = await prisma.oAuthApp.findUnique({ where: { clientId: request.clientId } });
  const secretMatches = digestsEqual(hashToken(request.clientSecret), app?.clientSecretHash ?? hashToken(''));
  if (app === null || !secretMatches || app.revokedAt !== null) {
    throw new OAuthError('invalid_client', 'Client authentication failed: unknown client_id, wrong client_secret or revoked app', 401);
  }
  let granted = app.scopes as Scope[];
  if (request.scope !== undefined && request.scope.trim() !== '') {
    const { valid, unknown } = parseScopes(request.scope);
    if (unknown.length > 0) {
      throw new OAuthError('invalid_scope', `Unknown scopes: ${unknown.join(', ')}`);
    }
    if (!coversScopes(app.scopes, valid)) {
      throw new OAuthError('invalid_scope', `The app may request only these scopes: ${app.scopes.join(' ')}`);
    }
    granted = valid;
  }
  const accessToken = generateToken('aat_');
  await prisma.oAuthToken.create({
    data: {
      appId: app.id,
      accountId: app.accountId,
      tokenHash: hashToken(accessToken),
      scopes: granted,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    },
  });

  return { accessToken, expiresIn: ttlSeconds, scopes: granted };
}
