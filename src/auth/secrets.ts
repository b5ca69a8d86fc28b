import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const lowerAlphanumeric = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A random string drawn uniformly from `alphabet`, from the operating system's CSPRNG. */
export function randomString(length: number, alphabet = base62): string {
  let output = '';
  for (let index = 0; index < length; index += 1) {
    output += alphabet[randomInt(alphabet.length)];
  }

  return output;
}

/** SHA-256 of a high-entropy token, hex-encoded. Tokens are stored only in this form. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two hex digests in constant time; digests of different lengths never match. */
export function digestsEqual(left: string, right: string): boolean {
  const a = Buffer.from(left, 'utf8');
  const b = Buffer.from(right, 'utf8');

  return a.length === b.length && timingSafeEqual(a, b);
}

export type KeyMode = 'live' | 'test';

export interface ParsedApiKey {
  mode: KeyMode;
  prefix: string;
  secret: string;
}

const prefixLength = 8;
const secretLength = 32;
const apiKeyPattern = /^ak_(live|test)_([A-Za-z0-9]+)_([A-Za-z0-9]+)$/;

/** Creates `ak_<mode>_<prefix>_<secret>`: the prefix finds the key, the secret proves it. */
export function generateApiKey(mode: KeyMode): ParsedApiKey & { token: string } {
  const prefix = randomString(prefixLength, lowerAlphanumeric);
  const secret = randomString(secretLength);

  return { mode, prefix, secret, token: `ak_${mode}_${prefix}_${secret}` };
}

export function parseApiKey(token: string): ParsedApiKey | undefined {
  const match = apiKeyPattern.exec(token);
  if (match === null) {
    return undefined;
  }

  return { mode: match[1] as KeyMode, prefix: match[2]!, secret: match[3]! };
}

/** A random bearer token with a recognisable prefix, such as `aat_` or `sess_`. */
export function generateToken(prefix: string): string {
  return `${prefix}${randomString(40)}`;
}

// scrypt is memory-hard: with N = 2^15 and r = 8 each hash needs 32 MiB, which makes
// guessing on GPUs expensive. The parameters are stored with the hash so they can grow.
const scryptCost = 2 ** 15;
const scryptBlockSize = 8;
const scryptParallelism = 1;
const scryptKeyLength = 32;

function deriveKey(password: string, salt: Buffer, cost: number, blockSize: number, parallelism: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      scryptKeyLength,
      { N: cost, r: blockSize, p: parallelism, maxmem: 256 * cost * blockSize },
      (error, key) => (error === null ? resolve(key) : reject(error)),
    );
  });
}

/** Hashes a password as `scrypt$N$r$p$<salt base64>$<hash base64>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await deriveKey(password, salt, scryptCost, scryptBlockSize, scryptParallelism);

  return [
    'scrypt',
    scryptCost,
    scryptBlockSize,
    scryptParallelism,
    salt.toString('base64'),
    key.toString('base64'),
  ].join('$');
}

/** Checks a password against a stored hash; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [algorithm, cost, blockSize, parallelism, salt, hash] = stored.split('$');
  if (algorithm !== 'scrypt' || salt === undefined || hash === undefined) {
    return false;
  }
  const expected = Buffer.from(hash, 'base64');
  const actual = await deriveKey(
    password,
    Buffer.from(salt, 'base64'),
    Number(cost),
    Number(blockSize),
    Number(parallelism),
  );

  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

let decoyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real password check. Sign-in calls it for unknown emails so
 * that response times do not reveal which emails have accounts.
 */
export async function verifyDecoyPassword(password: string): Promise<false> {
  decoyHash ??= hashPassword(randomString(24));
  await verifyPassword(password, await decoyHash);

  return false;
}
