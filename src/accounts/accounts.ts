import { z } from 'zod';
import { hashPassword, verifyDecoyPassword, verifyPassword } from '../auth/secrets.js';
import { AppError, ErrorCode, notFound } from '../errors.js';
import type { Account, PrismaClient } from '../generated/prisma/client.js';
import { PlanTier } from '../generated/prisma/enums.js';
import { parseInput } from '../validation.js';

export const planTiers = Object.values(PlanTier);

const email = z
  .string({ error: 'must be a string' })
  .trim()
  .toLowerCase()
  .max(254, { error: 'must be at most 254 characters' })
  .pipe(z.email({ error: 'must be an email address' }));

export const password = z
  .string({ error: 'must be a string' })
  .min(10, { error: (issue) => `must be at least 10 characters, got ${String((issue.input as string).length)}` })
  .max(1024, { error: 'must be at most 1024 characters' });

const createAccountInput = z.object({
  email,
  name: z.string().trim().max(200, { error: 'must be at most 200 characters' }).optional(),
  plan: z.enum(PlanTier, { error: `must be one of ${planTiers.join(', ')}` }).default('free'),
  password: password.optional(),
});

export type CreateAccountInput = z.input<typeof createAccountInput>;

export async function createAccount(prisma: PrismaClient, input: CreateAccountInput): Promise<Account> {
  const data = parseInput(createAccountInput, input);
  const existing = await prisma.account.findUnique({ where: { email: data.email } });
  if (existing !== null) {
    throw new AppError(ErrorCode.Conflict, `An account with email ${data.email} already exists`);
  }

  return prisma.account.create({
    data: {
      email: data.email,
      name: data.name ?? '',
      plan: data.plan,
      passwordHash: data.password === undefined ? null : await hashPassword(data.password),
    },
  });
}

export async function findAccountByEmail(prisma: PrismaClient, address: string): Promise<Account> {
  const normalized = parseInput(z.object({ email }), { email: address }).email;
  const account = await prisma.account.findUnique({ where: { email: normalized } });
  if (account === null) {
    throw notFound('Account', normalized);
  }

  return account;
}

export async function setPassword(prisma: PrismaClient, accountId: number, newPassword: string): Promise<void> {
  const { password: checked } = parseInput(z.object({ password }), { password: newPassword });
  await prisma.account.update({
    where: { id: accountId },
    data: { passwordHash: await hashPassword(checked) },
  });
}

/** Returns the account whose email and password match, or `undefined`. */
export async function verifyCredentials(
  prisma: PrismaClient,
  address: string,
  candidate: string,
): Promise<Account | undefined> {
  const account = await prisma.account.findUnique({ where: { email: address.trim().toLowerCase() } });
  if (account?.passwordHash == null) {
    await verifyDecoyPassword(candidate);

    return undefined;
  }

  return (await verifyPassword(candidate, account.passwordHash)) ? account : undefined;
}

export async function countAccounts(prisma: PrismaClient): Promise<number> {
  return prisma.account.count();
}
