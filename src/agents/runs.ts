import type { ModelMessage } from 'ai';
import type { Principal } from '../auth/principal.js';
import { defaultModelName } from '../config.js';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode } from '../errors.js';
import type { AgentCompletedData, AgentErrorData } from '../events/catalogue.js';
import { recordEvent } from '../events/outbox.js';
import type { Agent, AgentRun, Prisma, Tool } from '../generated/prisma/client.js';
import type { AgentRole } from '../generated/prisma/enums.js';
import { historyBudget } from '../llm/context-window.js';
import { ModelCallAborted, runLoop, type LoopResult } from '../llm/loop.js';
import { resolveModel, type ModelRuntime, type ResolvedModel } from '../llm/models.js';
import { requestedTools, skillTools, toolSetFor } from '../llm/tools.js';
import type { ToolRuntime } from '../tools/service.js';
import { meter } from '../usage/service.js';
import { parseInput } from '../validation.js';
import { executeAgentInput, type ExecuteAgentInput } from './schemas.js';
import { getAgent, type InputOptions } from './service.js';

/** Sampling temperature of agent runs, the chat default, since execute takes no temperature. */
const agentTemperature = 0.7;

/** The caller, tool runtime and model runtime of an agent run, which the transports pass in. */
export interface AgentRuntime {
  principal: Principal;
  tools: ToolRuntime;
  models: ModelRuntime;
}

export interface AgentExecution {
  reply: string;
  toolsUsed: string[];
  executionTimeMs: number;
}

const roleGuidance: Record<AgentRole, string> = {
  leader: 'You coordinate the work: break a request into steps, decide what to do next and report the outcome.',
  specialist: 'You handle requests in your area in depth and say plainly when one falls outside it.',
  generalist: 'You handle a wide range of requests and keep answers practical.',
  reviewer: 'You check work for errors and gaps and say exactly what should change.',
};

/** Builds the system prompt of a run: the agent's name, role and standing task, then the request's context. */
export function systemPromptFor(agent: Pick<Agent, 'name' | 'role' | 'task'>, context: Record<string, unknown> | undefined): string {
  const lines = [`You are ${agent.name}, an AI agent with the ${agent.role} role.`, roleGuidance[agent.role]];
  if (agent.task.trim() !== '') {
    lines.push('', `Your standing task: ${agent.task}`);
  }
  lines.push('', 'Use the tools offered when they help with the request, and answer with what you found.');
  if (context !== undefined && Object.keys(context).length > 0) {
    lines.push('', 'Context for this request, as JSON:', JSON.stringify(context, null, 2));
  }

  return lines.join('\n');
}

/**
 * Runs a task on an agent and records the run. The agent (404) and the input (400) are
 * checked first, then the provider (503), the agent's status (409 unless it is deployed)
 * and the tools. The request's `tools` replace the agent's skills for this run and are
 * checked strictly; skills that are not usable tools are left out.
 *
 * A finished run emits `agent.completed`. A failed one sets the agent's status to `error`
 * and emits `agent.error`, in the same transaction that records the run.
 */
export async function executeAgent(
  ctx: ServiceContext,
  runtime: AgentRuntime,
  id: string | number,
  input: ExecuteAgentInput,
  options: InputOptions = {},
): Promise<AgentExecution> {
  const startedAt = performance.now();
  const agent = await getAgent(ctx, id);
  const data = parseInput(executeAgentInput, input, options.fieldNames);
  const model = resolveModel(runtime.models, defaultModelName, 'Agent execution');
  if (agent.status !== 'working') {
    const hint =
      agent.status === 'error'
        ? 'update it to clear the error, then deploy it'
        : `deploy it with POST /api/v1/agents/${agent.id}/deploy`;
    throw new AppError(ErrorCode.Conflict, `Agent ${agent.id} is ${agent.status} and accepts no tasks; ${hint}`);
  }
  const access = { ctx, principal: runtime.principal, runtime: runtime.tools };
  const tools =
    data.tools === undefined
      ? await skillTools(access, agent.skills, agent.id)
      : await requestedTools(access, data.tools, options.fieldNames?.tools ?? 'tools');

  return runAgentTask(ctx, runtime, agent, {
    model,
    tools,
    message: data.message,
    context: data.context,
    messageField: options.fieldNames?.message ?? 'message',
    // A run finishes even when the client disconnects, so that it is recorded and its
    // event goes out.
    signal: undefined,
    startedAt,
  });
}

/** What {@link runAgentTask} runs: the checked message, model and tools. */
export interface AgentTask {
  model: ResolvedModel;
  tools: Tool[];
  message: string;
  context?: Record<string, unknown> | undefined;
  /** Names the message in the error raised when the prompt cannot fit the context window. */
  messageField?: string;
  /** Aborts the model request; an aborted run is recorded as failed but leaves the agent's status alone. */
  signal: AbortSignal | undefined;
  /** `performance.now()` when the caller started, so that its checks count in the execution time. */
  startedAt?: number;
}

/**
 * Runs one task on an agent with the model loop and records it as an agent run, with the
 * `agent.completed` or `agent.error` event. The caller has checked the agent, the input
 * and the tools; fleet steps call this for each agent of a run.
 */
export async function runAgentTask(
  ctx: ServiceContext,
  runtime: AgentRuntime,
  agent: Agent,
  task: AgentTask,
): Promise<AgentExecution> {
  const startedAt = task.startedAt ?? performance.now();
  const access = { ctx, principal: runtime.principal, runtime: runtime.tools };
  const { model, tools } = task;
  const system = systemPromptFor(agent, task.context);
  const userMessage: ModelMessage = { role: 'user', content: task.message };
  // A run has no history, so the budget only matters for rejecting a prompt that cannot fit.
  historyBudget(runtime.models, model, { system, message: userMessage, tools }, task.messageField ?? 'message');

  const run = await ctx.prisma.agentRun.create({
    data: {
      agentId: agent.id,
      accountId: ctx.tenant.accountId,
      livemode: ctx.tenant.livemode,
      message: task.message,
      context: task.context === undefined ? undefined : (task.context as Prisma.InputJsonObject),
      model: model.name,
      tools: tools.map((tool) => tool.name),
    },
  });
  ctx.log.info({ agentId: agent.id, runId: run.id, tools: run.tools }, 'agent run started');

  let result: LoopResult;
  try {
    result = await runLoop({
      runtime: runtime.models,
      model,
      system,
      messages: [userMessage],
      tools: toolSetFor(access, tools),
      temperature: agentTemperature,
      signal: task.signal,
      log: ctx.log,
    });
  } catch (error) {
    await recordFailure(ctx, agent, run, error, Math.round(performance.now() - startedAt));
    throw error;
  }
  const executionTimeMs = Math.round(performance.now() - startedAt);
  await recordSuccess(ctx, agent, run, result, executionTimeMs);

  return { reply: result.reply, toolsUsed: result.toolsUsed, executionTimeMs };
}

async function recordSuccess(
  ctx: ServiceContext,
  agent: Agent,
  run: AgentRun,
  result: LoopResult,
  executionTimeMs: number,
): Promise<void> {
  await ctx.prisma.$transaction(async (tx) => {
    await tx.agentRun.update({
      where: { id: run.id },
      data: {
        status: 'succeeded',
        reply: result.reply,
        toolsUsed: result.toolsUsed,
        transcript: result.responseMessages as Prisma.InputJsonArray,
        inputTokens: result.usage.inputTokens ?? null,
        outputTokens: result.usage.outputTokens ?? null,
        totalTokens: result.usage.totalTokens ?? null,
        executionTimeMs,
        finishedAt: new Date(),
      },
    });
    await meter(tx, ctx.tenant, 'agents');
    await recordEvent(tx, ctx.tenant, 'agent.completed', {
      agent_id: agent.id,
      agent_name: agent.name,
      fleet_id: agent.fleetId,
      conversation_id: null,
      execution_time_ms: executionTimeMs,
      tools_used: result.toolsUsed,
    } satisfies AgentCompletedData);
  });
  ctx.log.info({ agentId: agent.id, runId: run.id, toolsUsed: result.toolsUsed, executionTimeMs }, 'agent run finished');
}

/** `error_code` of an agent run, and of its agent.error event, when its caller stopped it. */
export const stoppedRunCode = 'run_stopped';

async function recordFailure(
  ctx: ServiceContext,
  agent: Agent,
  run: AgentRun,
  error: unknown,
  executionTimeMs: number,
): Promise<void> {
  const aborted = error instanceof ModelCallAborted;
  // A run that its caller stopped (a fleet run cancelled or past its timeout) is not a
  // fault of the server, so it gets a code of its own instead of internal_error.
  let code: string;
  let message: string;
  if (error instanceof AppError) {
    code = error.code;
    message = error.message;
  } else if (aborted) {
    code = stoppedRunCode;
    message = 'The run was stopped before the model replied';
  } else {
    code = ErrorCode.InternalError;
    message = 'The run failed with an internal error';
    ctx.log.error({ err: error, agentId: agent.id, runId: run.id }, 'agent run failed unexpectedly');
  }
  try {
    await ctx.prisma.$transaction(async (tx) => {
      await tx.agentRun.update({
        where: { id: run.id },
        data: { status: 'failed', errorCode: code, errorMessage: message, executionTimeMs, finishedAt: new Date() },
      });
      // Only a deployed agent turns to `error`, so a concurrent update or pause wins. A run
      // that its caller stopped says nothing about the agent.
      if (!aborted) {
        await tx.agent.updateMany({
          where: { id: agent.id, accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode, status: 'working' },
          data: { status: 'error' },
        });
      }
      await meter(tx, ctx.tenant, 'agents');
      await recordEvent(tx, ctx.tenant, 'agent.error', {
        agent_id: agent.id,
        agent_name: agent.name,
        fleet_id: agent.fleetId,
        conversation_id: null,
        error_code: code,
        message,
      } satisfies AgentErrorData);
    });
  } catch (recordError) {
    // The caller still gets the run's own error; this one only reaches the log.
    ctx.log.error({ err: recordError, agentId: agent.id, runId: run.id }, 'could not record the failed agent run');
  }
  ctx.log.warn({ agentId: agent.id, runId: run.id, code }, 'agent run failed');
}
