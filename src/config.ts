import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * Settings read from the environment once at start-up. Nothing else in the server reads
 * `process.env`, so this object is the full list of what an operator can set.
 */
export interface Config {
  port: number;
  host: string;
  /** PostgreSQL connection string; `undefined` selects the embedded database. */
  databaseUrl: string | undefined;
  /** Connections in the pool for `databaseUrl`. The embedded database always uses one. */
  databasePoolSize: number;
  /** Folder for the embedded database and other local files. */
  dataDir: string;
  redisUrl: string | undefined;
  openaiBaseUrl: string | undefined;
  openaiApiKey: string | undefined;
  llmDefaultModel: string | undefined;
  /** Address ranges that tools and webhooks may reach although they are private. */
  outboundAllowedCidrs: string[];
  logLevel: string;
  /** Origins allowed to call the API from a browser; `*` allows any origin without credentials. */
  corsOrigins: string[];
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** Lifetime of OAuth access tokens, in seconds. */
  oauthTokenTtlSeconds: number;
  /** Lifetime of legacy session tokens, in seconds. */
  sessionTtlSeconds: number;
  /** Seconds that SIGTERM waits for requests in flight before closing them. */
  shutdownGraceSeconds: number;
  /** DNS servers ("host" or "host:port") for tools; empty uses the system's resolver. */
  dnsServers: string[];
  /** Milliseconds a tool run may take. */
  toolTimeoutMs: number;
  /** Largest JSON result a tool run may return, in bytes. */
  toolMaxOutputBytes: number;
}

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

function integer(name: string, fallback: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') {
        return fallback;
      }
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        context.addIssue({
          code: 'custom',
          message: `${name} must be an integer from ${min} to ${max}, got "${value}"`,
        });

        return z.NEVER;
      }

      return parsed;
    });
}

const environmentSchema = z.object({
  PORT: integer('PORT', 4000, 0, 65535),
  HOST: optionalString.transform((value) => value ?? '0.0.0.0'),
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: integer('DATABASE_POOL_SIZE', 10, 1, 1000),
  DATA_DIR: optionalString.transform((value) => resolve(value ?? './.data')),
  REDIS_URL: optionalString,
  OPENAI_BASE_URL: optionalString,
  OPENAI_API_KEY: optionalString,
  LLM_DEFAULT_MODEL: optionalString,
  OUTBOUND_ALLOWED_CIDRS: list.superRefine((entries, context) => {
    for (const entry of entries) {
      try {
        ipaddr.parseCIDR(entry);
      } catch {
        context.addIssue({
          code: 'custom',
          message: `OUTBOUND_ALLOWED_CIDRS entry "${entry}" must be a CIDR range such as 10.0.0.0/8 or ::1/128`,
        });
      }
    }
  }),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: (issue) =>
        `LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${String(issue.input)}"`,
    })
    .optional()
    .transform((value) => value ?? 'info'),
  CORS_ORIGINS: list,
  MAX_BODY_BYTES: integer('MAX_BODY_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
  OAUTH_TOKEN_TTL_SECONDS: integer('OAUTH_TOKEN_TTL_SECONDS', 3600, 60, 31_536_000),
  SESSION_TTL_SECONDS: integer('SESSION_TTL_SECONDS', 86_400, 60, 31_536_000),
  SHUTDOWN_GRACE_SECONDS: integer('SHUTDOWN_GRACE_SECONDS', 10, 0, 3600),
  DNS_SERVERS: list.superRefine((entries, context) => {
    for (const entry of entries) {
      const host = /^\[?([^\]]+?)\]?(?::\d{1,5})?$/.exec(entry)?.[1] ?? '';
      if (!ipaddr.isValid(entry) && !ipaddr.isValid(host)) {
        context.addIssue({ code: 'custom', message: `DNS_SERVERS entry "${entry}" must be an IP address with an optional port` });
      }
    }
  }),
  TOOL_TIMEOUT_MS: integer('TOOL_TIMEOUT_MS', 10_000, 10, 600_000),
  TOOL_MAX_OUTPUT_BYTES: integer('TOOL_MAX_OUTPUT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
});

/** Raised when an environment variable holds a value the server cannot use. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment into a {@link Config}, listing every invalid variable at once. */
export function loadConfig(environment: Record<string, string | undefined> = process.env): Config {
  const result = environmentSchema.safeParse(environment);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => issue.message).join('; ');
    throw new ConfigError(`Invalid settings: ${problems}`);
  }
  const env = result.data;

  return {
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    dataDir: env.DATA_DIR,
    redisUrl: env.REDIS_URL,
    openaiBaseUrl: env.OPENAI_BASE_URL,
    openaiApiKey: env.OPENAI_API_KEY,
    llmDefaultModel: env.LLM_DEFAULT_MODEL,
    outboundAllowedCidrs: env.OUTBOUND_ALLOWED_CIDRS,
    logLevel: env.LOG_LEVEL,
    corsOrigins: env.CORS_ORIGINS,
    maxBodyBytes: env.MAX_BODY_BYTES,
    oauthTokenTtlSeconds: env.OAUTH_TOKEN_TTL_SECONDS,
    sessionTtlSeconds: env.SESSION_TTL_SECONDS,
    shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
    dnsServers: env.DNS_SERVERS,
    toolTimeoutMs: env.TOOL_TIMEOUT_MS,
    toolMaxOutputBytes: env.TOOL_MAX_OUTPUT_BYTES,
  };
}
