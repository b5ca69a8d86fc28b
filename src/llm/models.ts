import { defaultModelName, type Config } from '../config.js';
import { serviceUnavailable, ValidationError } from '../errors.js';

/** A public model name and what it runs on. */
export interface ModelEntry {
  name: string;
  /** The provider's model id; `undefined` for `alfred-default` while LLM_DEFAULT_MODEL is unset. */
  providerModel: string | undefined;
  /** The model's context window in tokens. */
  contextTokens: number;
}

/** A model that a request may use now: the provider is configured and the name is mapped. */
export interface ResolvedModel {
  name: string;
  providerModel: string;
  contextTokens: number;
}

export interface ProviderSettings {
  baseUrl: string;
  apiKey: string | undefined;
}

/** Everything model calls need from the settings; built once per server. */
export interface ModelRuntime {
  /** `undefined` until OPENAI_BASE_URL is set. */
  provider: ProviderSettings | undefined;
  /** Public model names, `alfred-default` first. */
  models: ReadonlyMap<string, ModelEntry>;
  replyTokens: number;
  timeoutMs: number;
  maxRetries: number;
  maxSteps: number;
}

export function createModelRuntime(config: Config): ModelRuntime {
  const models = new Map<string, ModelEntry>();
  const defaultEntry = config.llmModels.find((entry) => entry.name === defaultModelName);
  models.set(defaultModelName, {
    name: defaultModelName,
    providerModel: config.llmDefaultModel ?? defaultEntry?.model,
    contextTokens: defaultEntry?.contextTokens ?? config.llmContextTokens,
  });
  for (const entry of config.llmModels) {
    if (entry.name !== defaultModelName) {
      models.set(entry.name, {
        name: entry.name,
        providerModel: entry.model,
        contextTokens: entry.contextTokens ?? config.llmContextTokens,
      });
    }
  }

  return {
    provider:
      config.openaiBaseUrl === undefined ? undefined : { baseUrl: config.openaiBaseUrl, apiKey: config.openaiApiKey },
    models,
    replyTokens: config.llmReplyTokens,
    timeoutMs: config.llmTimeoutMs,
    maxRetries: config.llmMaxRetries,
    maxSteps: config.llmMaxSteps,
  };
}

/** Public model names that requests may name. */
export function modelNames(runtime: ModelRuntime): string[] {
  return [...runtime.models.keys()];
}

/**
 * Checks that a provider is configured and that `name` is a public model mapped to a
 * provider model. A missing provider or mapping is 503 naming the settings to set, and an
 * unknown name is a validation error on `field`. `purpose` starts the 503 message, such as
 * "Chat" or "Agent execution".
 */
export function resolveModel(runtime: ModelRuntime, name: string, purpose: string, field = 'model'): ResolvedModel {
  assertProviderConfigured(runtime, purpose);
  const entry = runtime.models.get(name);
  if (entry === undefined) {
    throw new ValidationError([
      { field, message: `must be one of ${modelNames(runtime).join(', ')}, got ${JSON.stringify(name)}` },
    ]);
  }
  if (entry.providerModel === undefined) {
    throw serviceUnavailable(
      `Model ${entry.name} has no provider model: set LLM_DEFAULT_MODEL (or an ${defaultModelName} entry in LLM_MODELS), then restart the server`,
    );
  }

  return { name: entry.name, providerModel: entry.providerModel, contextTokens: entry.contextTokens };
}

/** Raises 503 naming the settings to set when no model provider is configured. */
export function assertProviderConfigured(runtime: ModelRuntime, purpose: string): void {
  if (runtime.provider === undefined) {
    throw serviceUnavailable(
      `${purpose} needs a model provider: set OPENAI_BASE_URL (and OPENAI_API_KEY if the provider needs one) and LLM_DEFAULT_MODEL, then restart the server`,
    );
  }
}
