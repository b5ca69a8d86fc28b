import type { PrismaClient } from '../generated/prisma/client.js';
import { authRequired } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Principal } from './principal.js';
import { digestsEqual, hashToken, parseApiKey } from './secrets.js';

/** `lastUsedAt` is written at most this often per key, to keep reads free of writes. */
const lastUsedResolutionMs = 60_000;

/**
 * Reads the credential of a request: `Authorization: Bearer <token>`, or the `api_key`
 * query parameter, which is meant for testing because URLs end up in logs.
 */
export function readCredential(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  if (header !== null && header.trim() !== '') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
    if (match === null) {
      throw authRequired('Invalid Authorization header: expected "Bearer <token>"');
    }

    return match[1];
  }
  const fromQuery = new URL(request.url).searchParams.get('api_key');

  return fromQuery === null || fromQuery === '' ? undefined : fromQuery;
}

/**
 * Resolves a bearer token to the account and scopes it stands for. Returns `undefined`
 * for a request without a credential and raises `auth_required` for one that is invalid,
 * expired or revoked.
 */
export async function authenticate(
  prisma: PrismaClient,
  token: string | undefined,
  log: Logger,
): Promise<Principal | undefined> {
  if (token === undefined) {
    return undefined;
  }
  if (token.startsWith('ak_')) {
    return authenticateApiKey(prisma, token, log);
  }
  if (token.startsWith('aat_')) {
    return authenticateOAuthToken(prisma, token);
  }
  if (token.startsWith('sess_')) {
    return authenticateSession(prisma, token);
  }
  throw authRequired('Invalid credential: expected an API key (ak_), OAuth token (aat_) or session token (sess_)');
}

async function authenticateApiKey(prisma: PrismaClient, token: string, log: Logger): Promise<Principal> {
  const parsed = parseApiKey(token);
  if (parsed === undefined) {
    throw authRequired('Invalid API key: expected ak_live_<prefix>_<secret> or ak_test_<prefix>_<secret>');
  }
  const key = await prisma.apiKey.findUnique({
    where: { prefix: parsed.prefix },
    include: { account: { select: { plan: true } } },
  });
  // The digest comparison runs even for an unknown prefix, so both failures take as long.
  const matches = digestsEqual(hashToken(parsed.secret), key?.secretHash ?? hashToken(''));
  if (key === null || !matches || key.mode !== parsed.mode) {
    throw authRequired('Invalid API key');
  }
  if (key.revokedAt !== null) {
    throw authRequired(`API key ak_${key.mode}_${key.prefix}_… was revoked`);
  }
  const now = Date.now();
  if (key.lastUsedAt === null || now - key.lastUsedAt.getTime() > lastUsedResolutionMs) {
    prisma.apiKey
      .update({ where: { id: key.id }, data: { lastUsedAt: new Date(now) } })
      .catch((error: unknown) => log.warn({ err: error, keyId: key.id }, 'could not record API key use'));
  }

  return {
    accountId: key.accountId,
    plan: key.account.plan,
    livemode: key.mode === 'live',
    scopes: key.scopes,
    credential: { kind: 'api_key', id: key.id },
  };
}

async function authenticateOAuthToken(prisma: PrismaClient, token: string): Promise<Principal> {
  const record = await prisma.oAuthToken.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { account: { select: { plan: true } }, app: { select: { revokedAt: true } } },
  });
  if (record === null) {
    throw authRequired('Invalid OAuth access token');
  }
  if (record.revokedAt !== null || record.app.revokedAt !== null) {
    throw authRequired('OAuth access token was revoked');
  }
  if (record.expiresAt.getTime() <= Date.now()) {
    throw authRequired('OAuth access token expired: request a new one from POST /api/v1/oauth/token');
  }

  return {
    accountId: record.accountId,
    plan: record.account.plan,
    livemode: true,
    scopes: record.scopes,
    credential: { kind: 'oauth_token', id: record.id, appId: record.appId },
  };
}

async function authenticateSession(prisma: PrismaClient, token: string): Promise<Principal> {
  const session = await prisma.session.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { account: { select: { plan: true } } },
  });
  if (session === null || session.revokedAt !== null) {
    throw authRequired('Invalid session token');
  }
  if (session.expiresAt.getTime() <= Date.now()) {
    throw authRequired('Session expired: sign in again at POST /api/auth.php');
  }

  return {
    accountId: session.accountId,
    plan: session.account.plan,
    livemode: true,
    scopes: ['*'],
    credential: { kind: 'session', id: session.id },
  };
}
