import { jsonSchema, tool, type JSONSchema7, type ToolSet } from 'ai';
import type { Principal } from '../auth/principal.js';
import { assertScope } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode, ValidationError } from '../errors.js';
import type { Tool } from '../generated/prisma/client.js';
import { executeTool, findToolsByName, planAllowsTier, type ToolRuntime } from '../tools/service.js';

/** The caller and the tool runtime that run tools for the model. */
export interface ToolAccess {
  ctx: ServiceContext;
  principal: Principal;
  runtime: ToolRuntime;
}

/**
 * Looks up tools that a request names, in the request's order. A name outside the
 * catalogue is a validation error on `field`, a tool above the plan is
 * `plan_upgrade_required`, and offering any tool needs the `tools:execute` scope.
 */
export async function requestedTools(access: ToolAccess, names: readonly string[], field = 'tools'): Promise<Tool[]> {
  if (names.length === 0) {
    return [];
  }
  assertScope(access.principal, 'tools:execute');
  const byName = new Map((await findToolsByName(access.ctx, names)).map((entry) => [entry.name, entry]));
  const unknown = names.flatMap((name, index) =>
    byName.has(name) ? [] : [{ field: `${field}.${index}`, message: `is not a tool in the catalogue, got ${JSON.stringify(name)}` }],
  );
  if (unknown.length > 0) {
    throw new ValidationError(unknown);
  }
  const tools = names.map((name) => byName.get(name)!);
  const aboveTier = tools.find((entry) => !planAllowsTier(access.principal.plan, entry.tier));
  if (aboveTier !== undefined) {
    throw new AppError(
      ErrorCode.PlanUpgradeRequired,
      `Tool ${aboveTier.name} needs the ${aboveTier.tier} tier, but this account is on the ${access.principal.plan} plan; upgrade the plan or leave the tool out`,
    );
  }

  return tools;
}

/**
 * Looks up an agent's skills. Skills are free-form names stored with the agent, so names
 * outside the catalogue or above the plan are left out of the run and logged, rather than
 * making the agent unusable. Offering the remaining tools needs the `tools:execute` scope.
 */
export async function skillTools(access: ToolAccess, skills: readonly string[], agentId: number): Promise<Tool[]> {
  if (skills.length === 0) {
    return [];
  }
  const byName = new Map((await findToolsByName(access.ctx, skills)).map((entry) => [entry.name, entry]));
  const usable = skills.flatMap((name) => {
    const entry = byName.get(name);

    return entry !== undefined && planAllowsTier(access.principal.plan, entry.tier) ? [entry] : [];
  });
  const skipped = skills.filter((name) => !usable.some((entry) => entry.name === name));
  if (skipped.length > 0) {
    access.ctx.log.info({ agentId, skipped }, 'left out agent skills that are not usable tools on this plan');
  }
  if (usable.length > 0) {
    assertScope(access.principal, 'tools:execute');
  }

  return usable;
}

/** The result a tool call returns to the model when the run failed. */
interface ToolFailure {
  error: { code: string; message: string };
}

/**
 * Wraps catalogue tools for the AI SDK. Each call goes through `executeTool`, so it is
 * validated, limited, checked against the plan and recorded like a direct run. A failed
 * run returns its error to the model as the tool's result, so that the model can correct
 * its arguments or reply without the tool.
 */
export function toolSetFor(access: ToolAccess, tools: readonly Tool[]): ToolSet {
  const set: ToolSet = {};
  for (const entry of tools) {
    set[entry.name] = tool({
      description: entry.description,
      // The catalogue stores only schemas that passed `inputSchemaProblems` on the way in.
      inputSchema: jsonSchema(entry.inputSchema as JSONSchema7),
      execute: async (args): Promise<Record<string, unknown> | ToolFailure> => {
        try {
          const run = await executeTool(access.ctx, access.principal, access.runtime, entry.name, args);

          return run.result;
        } catch (error) {
          if (error instanceof AppError) {
            return { error: { code: error.code, message: error.message } };
          }
          access.ctx.log.error({ err: error, tool: entry.name }, 'tool call from the model failed unexpectedly');

          return { error: { code: ErrorCode.InternalError, message: `Tool ${entry.name} failed unexpectedly` } };
        }
      },
    });
  }

  return set;
}
