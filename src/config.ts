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
  /** Public model names besides `alfred-default`, each mapped to a provider model. */
  llmModels: ModelSetting[];
  /** Context window, in tokens, of models whose entry gives none. */
  llmContextTokens: number;
  /** Tokens of the context window kept free for the reply when history is trimmed. */
  llmReplyTokens: number;
  /** Milliseconds to wait for the provider to start a response or send its next chunk. */
  llmTimeoutMs: number;
  /** Retries of a provider request that failed with a retryable error, such as HTTP 500. */
  llmMaxRetries: number;
  /** Model calls in one chat turn or agent run; each tool round takes one. */
  llmMaxSteps: number;
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
  /** False turns rate limiting off, for private deployments behind their own limits. */
  rateLimitsEnabled: boolean;
  /** What the rate limiter does while Redis is down: let requests through, or refuse them. */
  rateLimitFailureMode: 'open' | 'closed';
  /** Prefix of every key this server writes to Redis, so that deployments can share one. */
  redisKeyPrefix: string;
  /** DNS servers ("host" or "host:port") for tools; empty uses the system's resolver. */
  dnsServers: string[];
  /** Milliseconds a tool run may take. */
  toolTimeoutMs: number;
  /** Largest JSON result a tool run may return, in bytes. */
  toolMaxOutputBytes: number;
  /** Milliseconds between polls of the event outbox, the webhook delivery queue and the fleet run queue. */
  eventsPollIntervalMs: number;
  /** Days that dispatched events, their deliveries and attempts are kept. */
  eventRetentionDays: number;
  /** Milliseconds a webhook receiver has to answer one delivery attempt. */
  webhookTimeoutMs: number;
  /** Attempts of one delivery before it is marked failed. */
  webhookMaxAttempts: number;
  /** Delay before the first retry, in milliseconds; each further retry doubles it. */
  webhookRetryBaseMs: number;
  /** Longest delay between two attempts, in milliseconds. */
  webhookRetryMaxMs: number;
  /** Deliveries that one server sends at the same time. */
  webhookConcurrency: number;
  /** Fleet run steps one instance runs at once. */
  fleetConcurrency: number;
  /**
   * Milliseconds of the lease a worker keeps on a running fleet step and renews. After a
   * crash the step is retried once its lease runs out.
   */
  fleetStepLeaseMs: number;
  /** Attempts of a fleet step, those a crash interrupted included, before it is marked failed. */
  fleetStepMaxAttempts: number;
  /** The maximum number of agents a fleet reaches through auto-scaling. */
  fleetAutoScaleMaxAgents: number;
  /** Speech engines, speech to text and telephony. */
  voice: VoiceSettings;
}

/** An engine behind an OpenAI-compatible `/v1/audio/speech` endpoint (Kokoro, Orpheus). */
export interface OpenAISpeechSetting {
  /** `undefined` leaves the engine off. */
  baseUrl: string | undefined;
  apiKey: string | undefined;
  model: string;
  voice: string;
}

export interface VoiceSettings {
  /** The espeak-ng program of the local engine, a name on `PATH` or a file path. */
  espeakPath: string;
  espeakVoice: string;
  kokoro: OpenAISpeechSetting;
  orpheus: OpenAISpeechSetting;
  cartesia: { baseUrl: string; apiKey: string | undefined; voice: string | undefined; model: string; apiVersion: string };
  elevenlabs: { baseUrl: string; apiKey: string | undefined; voice: string | undefined; model: string };
  /** Speech to text at an OpenAI-compatible `/v1/audio/transcriptions`; `undefined` turns it off. */
  sttBaseUrl: string | undefined;
  sttApiKey: string | undefined;
  sttModel: string;
  /** Milliseconds a speech or transcription request may take. */
  timeoutMs: number;
  /** The URL at which telephony providers reach this server; `undefined` uses the request's origin. */
  publicBaseUrl: string | undefined;
  twilio: { accountSid: string | undefined; authToken: string | undefined; fromNumber: string | undefined; apiBaseUrl: string };
}

/** One entry of `LLM_MODELS`: a public model name and the provider model it runs on. */
export interface ModelSetting {
  name: string;
  model: string;
  /** The model's context window in tokens; `undefined` uses `LLM_CONTEXT_TOKENS`. */
  contextTokens: number | undefined;
}

/** The public model name that chat uses when a request names none, fixed by the REST contract. */
export const defaultModelName = 'alfred-default';

const modelName = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const modelEntry = z.union([
  z.string().trim().min(1),
  z.strictObject({
    model: z.string().trim().min(1),
    context_tokens: z.number().int().min(256).max(100_000_000).optional(),
  }),
]);

/**
 * Parses `LLM_MODELS`: either a JSON object such as
 * `{"alfred-fast":"gpt-4o-mini","alfred-long":{"model":"gpt-4o","context_tokens":128000}}`
 * or comma-separated pairs such as `alfred-fast=gpt-4o-mini,alfred-local=llama3.2:3b`.
 */
function parseModelTable(value: string, context: z.RefinementCtx): ModelSetting[] {
  const problem = (message: string) => {
    context.addIssue({ code: 'custom', message: `LLM_MODELS ${message}` });

    return z.NEVER;
  };
  let entries: [string, unknown][];
  if (value.startsWith('{') || value.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      return problem(`is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return problem('must be a JSON object of public names');
    }
    entries = Object.entries(parsed);
  } else {
    entries = [];
    for (const pair of value.split(',').map((item) => item.trim()).filter((item) => item !== '')) {
      const separator = pair.indexOf('=');
      if (separator < 1) {
        return problem(`entry "${pair}" must have the form name=model`);
      }
      entries.push([pair.slice(0, separator).trim(), pair.slice(separator + 1).trim()]);
    }
  }
  const settings: ModelSetting[] = [];
  for (const [name, entry] of entries) {
    if (!modelName.test(name)) {
      return problem(
        `name "${name}" must be 1 to 64 lowercase letters, digits, dots, hyphens or underscores, starting with a letter or digit`,
      );
    }
    const parsed = modelEntry.safeParse(entry);
    if (!parsed.success) {
      return problem(
        `entry "${name}" must be a provider model name or {"model": "...", "context_tokens": 256 to 100000000}`,
      );
    }
    const model = typeof parsed.data === 'string' ? parsed.data : parsed.data.model;
    const contextTokens = typeof parsed.data === 'string' ? undefined : parsed.data.context_tokens;
    settings.push({ name, model, contextTokens });
  }

  return settings;
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

function httpUrl(name: string, example: string) {
  return optionalString.superRefine((value, context) => {
    if (value !== undefined && !/^https?:\/\/[^/]/i.test(value)) {
      context.addIssue({ code: 'custom', message: `${name} must be an http or https URL such as ${example}, got "${value}"` });
    }
  });
}

function withDefault(value: string) {
  return optionalString.transform((setting) => setting ?? value);
}

const environmentSchema = z.object({
  PORT: integer('PORT', 4000, 0, 65535),
  HOST: optionalString.transform((value) => value ?? '0.0.0.0'),
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: integer('DATABASE_POOL_SIZE', 10, 1, 1000),
  DATA_DIR: optionalString.transform((value) => resolve(value ?? './.data')),
  REDIS_URL: optionalString,
  OPENAI_BASE_URL: optionalString.superRefine((value, context) => {
    if (value !== undefined && !/^https?:\/\/[^/]/i.test(value)) {
      context.addIssue({
        code: 'custom',
        message: `OPENAI_BASE_URL must be an http or https URL such as http://127.0.0.1:11434/v1, got "${value}"`,
      });
    }
  }),
  OPENAI_API_KEY: optionalString,
  LLM_DEFAULT_MODEL: optionalString,
  LLM_MODELS: optionalString.transform((value, context) => (value === undefined ? [] : parseModelTable(value, context))),
  LLM_CONTEXT_TOKENS: integer('LLM_CONTEXT_TOKENS', 8192, 256, 100_000_000),
  LLM_REPLY_TOKENS: integer('LLM_REPLY_TOKENS', 1024, 1, 1_000_000),
  LLM_TIMEOUT_MS: integer('LLM_TIMEOUT_MS', 60_000, 10, 3_600_000),
  LLM_MAX_RETRIES: integer('LLM_MAX_RETRIES', 2, 0, 10),
  LLM_MAX_STEPS: integer('LLM_MAX_STEPS', 8, 1, 100),
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
  CORS_ORIGINS: list.superRefine((entries, context) => {
    for (const entry of entries) {
      let valid = entry === '*';
      try {
        const url = new URL(entry);
        valid ||= (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === entry;
      } catch {
        // Not a URL: `valid` stays false.
      }
      if (!valid) {
        context.addIssue({
          code: 'custom',
          message: `CORS_ORIGINS entry "${entry}" must be * or an origin such as https://app.example.com, without a path or trailing slash`,
        });
      }
    }
  }),
  MAX_BODY_BYTES: integer('MAX_BODY_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
  OAUTH_TOKEN_TTL_SECONDS: integer('OAUTH_TOKEN_TTL_SECONDS', 3600, 60, 31_536_000),
  SESSION_TTL_SECONDS: integer('SESSION_TTL_SECONDS', 86_400, 60, 31_536_000),
  SHUTDOWN_GRACE_SECONDS: integer('SHUTDOWN_GRACE_SECONDS', 10, 0, 3600),
  RATE_LIMITS: z
    .enum(['on', 'off'], { error: (issue) => `RATE_LIMITS must be on or off, got "${String(issue.input)}"` })
    .optional()
    .transform((value) => value !== 'off'),
  RATE_LIMIT_FAILURE_MODE: z
    .enum(['open', 'closed'], { error: (issue) => `RATE_LIMIT_FAILURE_MODE must be open or closed, got "${String(issue.input)}"` })
    .optional()
    .transform((value) => value ?? 'open'),
  REDIS_KEY_PREFIX: optionalString.transform((value) => value ?? 'agentgraph:'),
  DNS_SERVERS: list.superRefine((entries, context) => {
    for (const entry of entries) {
      const match = /^\[?([^\]]+?)\]?(?::(\d{1,5}))?$/.exec(entry);
      const port = match?.[2] === undefined ? 53 : Number(match[2]);
      if ((!ipaddr.isValid(entry) && !ipaddr.isValid(match?.[1] ?? '')) || port < 1 || port > 65_535) {
        context.addIssue({ code: 'custom', message: `DNS_SERVERS entry "${entry}" must be an IP address with an optional port from 1 to 65535` });
      }
    }
  }),
  TOOL_TIMEOUT_MS: integer('TOOL_TIMEOUT_MS', 10_000, 10, 600_000),
  TOOL_MAX_OUTPUT_BYTES: integer('TOOL_MAX_OUTPUT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
  EVENTS_POLL_INTERVAL_MS: integer('EVENTS_POLL_INTERVAL_MS', 1000, 10, 600_000),
  EVENT_RETENTION_DAYS: integer('EVENT_RETENTION_DAYS', 30, 1, 3650),
  WEBHOOK_TIMEOUT_MS: integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
  WEBHOOK_MAX_ATTEMPTS: integer('WEBHOOK_MAX_ATTEMPTS', 12, 1, 50),
  WEBHOOK_RETRY_BASE_MS: integer('WEBHOOK_RETRY_BASE_MS', 60_000, 10, 86_400_000),
  WEBHOOK_RETRY_MAX_MS: integer('WEBHOOK_RETRY_MAX_MS', 8 * 3_600_000, 10, 7 * 86_400_000),
  WEBHOOK_CONCURRENCY: integer('WEBHOOK_CONCURRENCY', 10, 1, 1000),
  FLEET_CONCURRENCY: integer('FLEET_CONCURRENCY', 8, 1, 1000),
  FLEET_STEP_LEASE_MS: integer('FLEET_STEP_LEASE_MS', 30_000, 300, 3_600_000),
  FLEET_STEP_MAX_ATTEMPTS: integer('FLEET_STEP_MAX_ATTEMPTS', 3, 1, 20),
  FLEET_AUTOSCALE_MAX_AGENTS: integer('FLEET_AUTOSCALE_MAX_AGENTS', 20, 1, 1000),
  ESPEAK_NG_PATH: withDefault('espeak-ng'),
  ESPEAK_NG_VOICE: withDefault('en'),
  KOKORO_BASE_URL: httpUrl('KOKORO_BASE_URL', 'http://127.0.0.1:8880/v1'),
  KOKORO_API_KEY: optionalString,
  KOKORO_MODEL: withDefault('kokoro'),
  KOKORO_VOICE: withDefault('af_heart'),
  ORPHEUS_BASE_URL: httpUrl('ORPHEUS_BASE_URL', 'http://127.0.0.1:5005/v1'),
  ORPHEUS_API_KEY: optionalString,
  ORPHEUS_MODEL: withDefault('orpheus'),
  ORPHEUS_VOICE: withDefault('tara'),
  CARTESIA_BASE_URL: httpUrl('CARTESIA_BASE_URL', 'https://api.cartesia.ai').transform((value) => value ?? 'https://api.cartesia.ai'),
  CARTESIA_API_KEY: optionalString,
  CARTESIA_VOICE_ID: optionalString,
  CARTESIA_MODEL: withDefault('sonic-2'),
  CARTESIA_VERSION: withDefault('2025-04-16'),
  ELEVENLABS_BASE_URL: httpUrl('ELEVENLABS_BASE_URL', 'https://api.elevenlabs.io').transform((value) => value ?? 'https://api.elevenlabs.io'),
  ELEVENLABS_API_KEY: optionalString,
  ELEVENLABS_VOICE_ID: optionalString,
  ELEVENLABS_MODEL: withDefault('eleven_multilingual_v2'),
  STT_BASE_URL: httpUrl('STT_BASE_URL', 'http://127.0.0.1:8000/v1'),
  STT_API_KEY: optionalString,
  STT_MODEL: withDefault('whisper-1'),
  VOICE_TIMEOUT_MS: integer('VOICE_TIMEOUT_MS', 30_000, 100, 600_000),
  PUBLIC_BASE_URL: httpUrl('PUBLIC_BASE_URL', 'https://agents.example.com'),
  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_FROM_NUMBER: optionalString,
  TWILIO_API_BASE_URL: httpUrl('TWILIO_API_BASE_URL', 'https://api.twilio.com').transform((value) => value ?? 'https://api.twilio.com'),
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
  const defaultEntry = env.LLM_MODELS.find((entry) => entry.name === defaultModelName);
  if (defaultEntry !== undefined && env.LLM_DEFAULT_MODEL !== undefined && defaultEntry.model !== env.LLM_DEFAULT_MODEL) {
    throw new ConfigError(
      `Invalid settings: LLM_MODELS maps ${defaultModelName} to "${defaultEntry.model}" but LLM_DEFAULT_MODEL is "${env.LLM_DEFAULT_MODEL}"; set one of them`,
    );
  }

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
    llmModels: env.LLM_MODELS,
    llmContextTokens: env.LLM_CONTEXT_TOKENS,
    llmReplyTokens: env.LLM_REPLY_TOKENS,
    llmTimeoutMs: env.LLM_TIMEOUT_MS,
    llmMaxRetries: env.LLM_MAX_RETRIES,
    llmMaxSteps: env.LLM_MAX_STEPS,
    outboundAllowedCidrs: env.OUTBOUND_ALLOWED_CIDRS,
    logLevel: env.LOG_LEVEL,
    corsOrigins: env.CORS_ORIGINS,
    maxBodyBytes: env.MAX_BODY_BYTES,
    oauthTokenTtlSeconds: env.OAUTH_TOKEN_TTL_SECONDS,
    sessionTtlSeconds: env.SESSION_TTL_SECONDS,
    shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
    rateLimitsEnabled: env.RATE_LIMITS,
    rateLimitFailureMode: env.RATE_LIMIT_FAILURE_MODE,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    dnsServers: env.DNS_SERVERS,
    toolTimeoutMs: env.TOOL_TIMEOUT_MS,
    toolMaxOutputBytes: env.TOOL_MAX_OUTPUT_BYTES,
    eventsPollIntervalMs: env.EVENTS_POLL_INTERVAL_MS,
    eventRetentionDays: env.EVENT_RETENTION_DAYS,
    webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
    webhookMaxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    webhookRetryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
    webhookRetryMaxMs: env.WEBHOOK_RETRY_MAX_MS,
    webhookConcurrency: env.WEBHOOK_CONCURRENCY,
    fleetConcurrency: env.FLEET_CONCURRENCY,
    fleetStepLeaseMs: env.FLEET_STEP_LEASE_MS,
    fleetStepMaxAttempts: env.FLEET_STEP_MAX_ATTEMPTS,
    fleetAutoScaleMaxAgents: env.FLEET_AUTOSCALE_MAX_AGENTS,
    voice: {
      espeakPath: env.ESPEAK_NG_PATH,
      espeakVoice: env.ESPEAK_NG_VOICE,
      kokoro: { baseUrl: env.KOKORO_BASE_URL, apiKey: env.KOKORO_API_KEY, model: env.KOKORO_MODEL, voice: env.KOKORO_VOICE },
      orpheus: { baseUrl: env.ORPHEUS_BASE_URL, apiKey: env.ORPHEUS_API_KEY, model: env.ORPHEUS_MODEL, voice: env.ORPHEUS_VOICE },
      cartesia: {
        baseUrl: env.CARTESIA_BASE_URL,
        apiKey: env.CARTESIA_API_KEY,
        voice: env.CARTESIA_VOICE_ID,
        model: env.CARTESIA_MODEL,
        apiVersion: env.CARTESIA_VERSION,
      },
      elevenlabs: {
        baseUrl: env.ELEVENLABS_BASE_URL,
        apiKey: env.ELEVENLABS_API_KEY,
        voice: env.ELEVENLABS_VOICE_ID,
        model: env.ELEVENLABS_MODEL,
      },
      sttBaseUrl: env.STT_BASE_URL,
      sttApiKey: env.STT_API_KEY,
      sttModel: env.STT_MODEL,
      timeoutMs: env.VOICE_TIMEOUT_MS,
      publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
      twilio: {
        accountSid: env.TWILIO_ACCOUNT_SID,
        authToken: env.TWILIO_AUTH_TOKEN,
        fromNumber: env.TWILIO_FROM_NUMBER,
        apiBaseUrl: env.TWILIO_API_BASE_URL,
      },
    },
  };
}
