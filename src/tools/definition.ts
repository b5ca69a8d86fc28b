import type { Logger } from '../logger.js';
import type { OutboundNetwork } from './network.js';
import type { ToolCategorySlug } from './categories.js';

/** Tool tiers as the catalogue names them; `pro` matches the `professional` plan. */
export const toolTiers = ['free', 'starter', 'pro', 'enterprise'] as const;
export type ToolTier = (typeof toolTiers)[number];

/** A JSON Schema (draft 2020-12 or 07) for an object of arguments. */
export type InputSchema = {
  type: 'object';
  properties: Record<string, unknown>;
  required?: string[];
  additionalProperties?: boolean;
  [keyword: string]: unknown;
};

/** What a running tool may use besides its arguments. */
export interface ToolContext {
  /** Aborted when the run exceeds its time limit; pass it to every I/O call. */
  signal: AbortSignal;
  /** DNS and HTTP that refuse private and metadata addresses unless the operator allows them. */
  network: OutboundNetwork;
  log: Logger;
}

/**
 * A tool implemented in this server. `run` receives arguments already validated against
 * `inputSchema` with defaults applied, so it may rely on their types.
 */
export interface BuiltinTool<Args = any> {
  name: string;
  description: string;
  category: ToolCategorySlug;
  tier: ToolTier;
  tags: string[];
  inputSchema: InputSchema;
  /** Credits charged per successful run; 1 when not given. */
  credits?: number;
  run(args: Args, context: ToolContext): unknown;
}

export function defineTool<Args>(tool: BuiltinTool<Args>): BuiltinTool<Args> {
  return tool;
}

/**
 * A failure a tool expects and explains, such as an unknown domain or an unparsable
 * input. Its message goes to the caller, so it must hold nothing secret.
 */
export class ToolError extends Error {
  override name = 'ToolError';
}
