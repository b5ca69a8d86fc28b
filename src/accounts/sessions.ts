import { generateToken, hashToken } from '../auth/secrets.js';
import type { Account, PrismaClient } from '../generated/prisma/client.js';
import { verifyCredentials } from './accounts.js';

export interface CreatedSession {
  token: string;
  expiresAt: Date;
  account: Account;
}

/** Signs in with email and password and returns a new `sess_` token, or `undefined`. */
export async function createSession(
  prisma: PrismaClient,
  email: string,
  password: string,
  ttlSeconds: number,
): Promise<CreatedSession | undefined> {
  const account = await verifyCredentials(prisma, email, password);
  if (account === undefined) {
    return undefined;
  }
  const token = generateToken('sess_');
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await prisma.session.create({ data: { accountId: account.id, tokenHash: hashToken(token), expiresAt } });

  return { token, expiresAt, account };
}

/** Ends a session; an unknown or already ended token is ignored. */
export async function revokeSession(prisma: PrismaClient, token: string): Promise<void> {
  await prisma.session.updateMany({
    where: { tokenHash: hashToken(token), revokedAt: null },
    data: { revokedAt: new Date() },
  });
}
