import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEnglish from '@zxcvbn-ts/language-en';
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { v4 as uuidV4, v7 as uuidV7, validate as isUuid, version as uuidVersion } from 'uuid';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

const byteEncodings = ['utf8', 'hex', 'base64'] as const;
type ByteEncoding = (typeof byteEncodings)[number];
const digestEncodings = ['hex', 'base64'] as const;
type DigestEncoding = (typeof digestEncodings)[number];

/** Decodes `value` strictly, because Buffer.from silently drops characters outside the alphabet. */
function toBytes(value: string, encoding: ByteEncoding, field: string): Buffer {
  if (encoding === 'hex' && !/^(?:[0-9a-fA-F]{2})*$/.test(value)) {
    throw new ToolError(`${field} is not hex: it must hold an even number of the digits 0-9 and a-f`);
  }
  if (encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, ''))) {
    throw new ToolError(`${field} is not base64: it may hold only A-Z, a-z, 0-9, +, / and trailing =`);
  }

  return Buffer.from(value, encoding);
}

/** Compares a computed digest with an expected one in constant time. */
function digestMatches(digest: Buffer, expected: string | undefined, encoding: DigestEncoding): boolean | null {
  if (expected === undefined) {
    return null;
  }
  const candidate = Buffer.from(expected.trim(), encoding);

  return candidate.length === digest.length && timingSafeEqual(candidate, digest);
}

const hashAlgorithms = ['md5', 'sha1', 'sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-512'] as const;

interface HashArgs {
  input: string;
  input_encoding: ByteEncoding;
  algorithm: (typeof hashAlgorithms)[number];
  output_encoding: DigestEncoding;
  expected?: string;
}

const hash = defineTool<HashArgs>({
  name: 'hash',
  description: 'Compute the MD5, SHA-1, SHA-2 or SHA-3 digest of a text or of bytes given as hex or base64',
  category: 'security',
  tier: 'free',
  tags: ['hash', 'digest', 'sha256', 'checksum'],
  inputSchema: {
    type: 'object',
    properties: {
      input: { type: 'string', maxLength: 1_000_000, description: 'Data to hash' },
      input_encoding: {
        type: 'string',
        enum: [...byteEncodings],
        default: 'utf8',
        description: 'How input is written: utf8 text, or bytes as hex or base64',
      },
      algorithm: { type: 'string', enum: [...hashAlgorithms], default: 'sha256', description: 'Hash algorithm' },
      output_encoding: { type: 'string', enum: [...digestEncodings], default: 'hex', description: 'Encoding of the digest' },
      expected: {
        type: 'string',
        maxLength: 256,
        description: 'Digest to compare against, in output_encoding; `matches` in the result is true when they are equal',
      },
    },
    required: ['input'],
    additionalProperties: false,
  },
  run(args) {
    const digest = createHash(args.algorithm).update(toBytes(args.input, args.input_encoding, 'input')).digest();

    return {
      algorithm: args.algorithm,
      encoding: args.output_encoding,
      digest: digest.toString(args.output_encoding),
      bytes: digest.length,
      matches: digestMatches(digest, args.expected, args.output_encoding),
    };
  },
});

const hmacAlgorithms = ['sha1', 'sha256', 'sha384', 'sha512'] as const;

interface HmacArgs {
  key: string;
  key_encoding: ByteEncoding;
  message: string;
  message_encoding: ByteEncoding;
  algorithm: (typeof hmacAlgorithms)[number];
  output_encoding: DigestEncoding;
  expected?: string;
}

const hmac = defineTool<HmacArgs>({
  name: 'hmac',
  description: 'Compute an HMAC (RFC 2104) of a message with a secret key, optionally checking it against an expected value',
  category: 'security',
  tier: 'free',
  tags: ['hmac', 'signature', 'webhook', 'hash'],
  inputSchema: {
    type: 'object',
    properties: {
      key: { type: 'string', minLength: 1, maxLength: 4096, description: 'Secret key' },
      key_encoding: { type: 'string', enum: [...byteEncodings], default: 'utf8', description: 'How key is written' },
      message: { type: 'string', maxLength: 1_000_000, description: 'Message to authenticate' },
      message_encoding: { type: 'string', enum: [...byteEncodings], default: 'utf8', description: 'How message is written' },
      algorithm: { type: 'string', enum: [...hmacAlgorithms], default: 'sha256', description: 'Hash function' },
      output_encoding: { type: 'string', enum: [...digestEncodings], default: 'hex', description: 'Encoding of the HMAC' },
      expected: {
        type: 'string',
        maxLength: 256,
        description: 'HMAC to compare against in constant time, in output_encoding, such as a webhook signature',
      },
    },
    required: ['key', 'message'],
    additionalProperties: false,
  },
  run(args) {
    const key = toBytes(args.key, args.key_encoding, 'key');
    const digest = createHmac(args.algorithm, key).update(toBytes(args.message, args.message_encoding, 'message')).digest();

    return {
      algorithm: args.algorithm,
      encoding: args.output_encoding,
      hmac: digest.toString(args.output_encoding),
      matches: digestMatches(digest, args.expected, args.output_encoding),
    };
  },
});

const hmacJwtAlgorithms = ['HS256', 'HS384', 'HS512'];

interface JwtDecodeArgs {
  token: string;
  secret?: string;
  secret_encoding: ByteEncoding;
}

function epochToIso(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? new Date(value * 1000).toISOString() : null;
}

const jwtDecode = defineTool<JwtDecodeArgs>({
  name: 'jwt_decode',
  description:
    'Decode a JWT into its header, claims and timing; the signature is checked only when an HMAC secret is given',
  category: 'security',
  tier: 'free',
  tags: ['jwt', 'token', 'auth', 'decode'],
  inputSchema: {
    type: 'object',
    properties: {
      token: { type: 'string', minLength: 5, maxLength: 16_384, description: 'JWT in compact serialisation (three dot-separated parts)' },
      secret: {
        type: 'string',
        minLength: 1,
        maxLength: 4096,
        description: 'Shared secret to verify an HS256, HS384 or HS512 signature with',
      },
      secret_encoding: { type: 'string', enum: [...byteEncodings], default: 'utf8', description: 'How secret is written' },
    },
    required: ['token'],
    additionalProperties: false,
  },
  async run(args) {
    const token = args.token.trim();
    let header: Record<string, unknown>;
    let payload: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      payload = decodeJwt(token);
    } catch (error) {
      throw new ToolError(`token is not a decodable JWT: ${(error as Error).message}`);
    }

    let signature: { verified: boolean | null; error: string | null } = { verified: null, error: null };
    if (args.secret !== undefined) {
      if (!hmacJwtAlgorithms.includes(String(header.alg))) {
        throw new ToolError(
          `a secret verifies only ${hmacJwtAlgorithms.join(', ')} signatures, but the token's alg is ${JSON.stringify(header.alg)}`,
        );
      }
      // compactVerify checks the signature alone, so an expired token still reports
      // whether its signature is genuine. Expiry is reported separately below.
      try {
        await compactVerify(token, toBytes(args.secret, args.secret_encoding, 'secret'), { algorithms: hmacJwtAlgorithms });
        signature = { verified: true, error: null };
      } catch (error) {
        signature = { verified: false, error: (error as Error).message };
      }
    }

    const now = Date.now() / 1000;

    return {
      header,
      payload,
      signature_verified: signature.verified,
      signature_error: signature.error,
      issued_at: epochToIso(payload.iat),
      not_before: epochToIso(payload.nbf),
      expires_at: epochToIso(payload.exp),
      expired: typeof payload.exp === 'number' ? payload.exp <= now : null,
      not_yet_valid: typeof payload.nbf === 'number' ? payload.nbf > now : null,
    };
  },
});

let passwordEstimator: ZxcvbnFactory | undefined;

/** Builds the estimator on first use, because loading its dictionaries takes tens of milliseconds. */
function estimator(): ZxcvbnFactory {
  passwordEstimator ??= new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEnglish.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEnglish.translations,
  });

  return passwordEstimator;
}

interface PasswordStrengthArgs {
  password: string;
  user_inputs: string[];
}

const passwordStrength = defineTool<PasswordStrengthArgs>({
  name: 'password_strength',
  description:
    'Estimate how hard a password is to guess with zxcvbn and return a 0-4 score, guess count, crack times and advice',
  category: 'security',
  tier: 'free',
  tags: ['password', 'strength', 'zxcvbn', 'security'],
  inputSchema: {
    type: 'object',
    properties: {
      password: { type: 'string', minLength: 1, maxLength: 256, description: 'Password to rate; it is not stored or returned' },
      user_inputs: {
        type: 'array',
        maxItems: 20,
        items: { type: 'string', maxLength: 100 },
        default: [],
        description: 'Words tied to the user, such as their name or e-mail, which make a password weaker when it contains them',
      },
    },
    required: ['password'],
    additionalProperties: false,
  },
  async run(args) {
    const result = await estimator().check(args.password, args.user_inputs);
    const crackTimes = Object.fromEntries(
      Object.entries(result.crackTimes).map(([scenario, time]) => [scenario, { seconds: time.seconds, display: time.display }]),
    );

    return {
      score: result.score,
      guesses: result.guesses,
      guesses_log10: result.guessesLog10,
      crack_times: crackTimes,
      feedback: { warning: result.feedback.warning, suggestions: result.feedback.suggestions },
      patterns: result.sequence.map((match) => match.pattern),
    };
  },
});

interface UuidGenerateArgs {
  version: 4 | 7;
  count: number;
}

const uuidGenerate = defineTool<UuidGenerateArgs>({
  name: 'uuid_generate',
  description: 'Generate random (version 4) or time-ordered (version 7) UUIDs as defined in RFC 9562',
  category: 'security',
  tier: 'free',
  tags: ['uuid', 'identifier', 'random'],
  inputSchema: {
    type: 'object',
    properties: {
      version: { type: 'integer', enum: [4, 7], default: 4, description: 'UUID version: 4 is random, 7 starts with the Unix time in ms' },
      count: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'Number of UUIDs' },
    },
    additionalProperties: false,
  },
  run(args) {
    const generate = args.version === 7 ? uuidV7 : uuidV4;

    return { version: args.version, uuids: Array.from({ length: args.count }, () => generate()) };
  },
});

/** Names the variant from the high bits of octet 8 (RFC 9562 section 4.1). */
function variantName(nibble: number): string {
  if (nibble >= 0xe) {
    return 'future';
  }
  if (nibble >= 0xc) {
    return 'microsoft';
  }

  return nibble >= 0x8 ? 'rfc9562' : 'ncs';
}

interface UuidInspectArgs {
  uuid: string;
}

const uuidInspect = defineTool<UuidInspectArgs>({
  name: 'uuid_inspect',
  description: 'Validate a UUID and return its version, variant and, for versions 1, 6 and 7, the time it encodes',
  category: 'security',
  tier: 'free',
  tags: ['uuid', 'identifier', 'validate'],
  inputSchema: {
    type: 'object',
    properties: {
      uuid: { type: 'string', minLength: 1, maxLength: 64, description: 'UUID in the 8-4-4-4-12 hex form' },
    },
    required: ['uuid'],
    additionalProperties: false,
  },
  run(args) {
    const uuid = args.uuid.trim().toLowerCase();
    if (!isUuid(uuid)) {
      throw new ToolError(`uuid ${JSON.stringify(args.uuid)} is not a valid RFC 9562 UUID`);
    }
    const version = uuidVersion(uuid);
    const hex = uuid.replace(/-/g, '');
    const variantBits = Number.parseInt(hex[16] ?? '0', 16);
    const variant = variantName(variantBits);

    // RFC 9562 section 5: v7 starts with 48 bits of Unix milliseconds. v1 and v6 contain
    // a count of 100-ns intervals since 1582-10-15, split differently across the fields.
    let timestamp: string | null = null;
    if (version === 7) {
      timestamp = new Date(Number.parseInt(hex.slice(0, 12), 16)).toISOString();
    } else if (version === 1 || version === 6) {
      const timeHex =
        version === 1 ? hex.slice(13, 16) + hex.slice(8, 12) + hex.slice(0, 8) : hex.slice(0, 12) + hex.slice(13, 16);
      const gregorianOffset = 122_192_928_000_000_000n;
      const milliseconds = (BigInt(`0x${timeHex}`) - gregorianOffset) / 10_000n;
      timestamp = new Date(Number(milliseconds)).toISOString();
    }

    // The Nil and Max UUIDs (RFC 9562 sections 5.9 and 5.10) carry no version or variant.
    const special = /^0+$/.test(hex) ? 'nil' : /^f+$/.test(hex) ? 'max' : null;

    return {
      uuid,
      valid: true,
      special,
      version: special === null ? version : null,
      variant: special === null ? variant : null,
      timestamp,
    };
  },
});

const characterClasses = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  symbols: '!#$%&()*+,-./:;<=>?@[]^_{|}~',
} as const;

/** Characters that are easy to misread for one another in many fonts. */
const ambiguousCharacters = new Set('Il1O0o');

interface RandomPasswordArgs {
  length: number;
  count: number;
  lowercase: boolean;
  uppercase: boolean;
  digits: boolean;
  symbols: boolean;
  exclude_ambiguous: boolean;
}

const randomPassword = defineTool<RandomPasswordArgs>({
  name: 'random_password',
  description: 'Generate random passwords from a cryptographically secure source, with their entropy in bits',
  category: 'security',
  tier: 'free',
  tags: ['password', 'random', 'generator'],
  inputSchema: {
    type: 'object',
    properties: {
      length: { type: 'integer', minimum: 8, maximum: 128, default: 20, description: 'Characters per password' },
      count: { type: 'integer', minimum: 1, maximum: 20, default: 1, description: 'Number of passwords' },
      lowercase: { type: 'boolean', default: true, description: 'Include a-z' },
      uppercase: { type: 'boolean', default: true, description: 'Include A-Z' },
      digits: { type: 'boolean', default: true, description: 'Include 0-9' },
      symbols: { type: 'boolean', default: true, description: 'Include ASCII punctuation' },
      exclude_ambiguous: { type: 'boolean', default: false, description: 'Leave out I, l, 1, O, 0 and o' },
    },
    additionalProperties: false,
  },
  run(args) {
    const classes = (Object.keys(characterClasses) as (keyof typeof characterClasses)[])
      .filter((name) => args[name])
      .map((name) => [...characterClasses[name]].filter((character) => !args.exclude_ambiguous || !ambiguousCharacters.has(character)));
    if (classes.length === 0) {
      throw new ToolError('at least one of lowercase, uppercase, digits and symbols must be true');
    }
    const alphabet = classes.flat();

    const generate = () => {
      // One character from each chosen class first, so every class appears, then the rest
      // from the whole alphabet, shuffled with Fisher-Yates.
      const characters = classes.map((members) => members[randomInt(members.length)]!);
      while (characters.length < args.length) {
        characters.push(alphabet[randomInt(alphabet.length)]!);
      }
      for (let index = characters.length - 1; index > 0; index -= 1) {
        const other = randomInt(index + 1);
        [characters[index], characters[other]] = [characters[other]!, characters[index]!];
      }

      return characters.join('');
    };

    return {
      passwords: Array.from({ length: args.count }, generate),
      length: args.length,
      alphabet_size: alphabet.length,
      // NOTE: length × log2(alphabet) slightly overstates the entropy, because one
      // character of each class is forced.
      entropy_bits: Math.round(args.length * Math.log2(alphabet.length) * 100) / 100,
    };
  },
});

export const securityTools: BuiltinTool[] = [hash, hmac, jwtDecode, passwordStrength, uuidGenerate, uuidInspect, randomPassword];
