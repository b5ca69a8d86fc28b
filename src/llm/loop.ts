import {
  generateText,
  stepCountIs,
  streamText,
  type LanguageModelUsage,
  type ModelMessage,
  type StepResult,
  type ToolSet,
} from 'ai';
import type { Logger } from '../logger.js';
import type { ModelRuntime, ResolvedModel } from './models.js';
import { connectModel, upstreamError, type ModelConnection } from './provider.js';

/** One model conversation step by step: the prompt, the tools and the sampling settings. */
export interface LoopRequest {
  runtime: ModelRuntime;
  model: ResolvedModel;
  system: string | undefined;
  /** The history to send, already trimmed to the context window, ending with the new user message. */
  messages: ModelMessage[];
  tools: ToolSet;
  temperature: number;
  /** Aborts the provider request, for a client that went away. */
  signal: AbortSignal | undefined;
  log: Logger;
}

export interface LoopUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  totalTokens: number | undefined;
}

export interface LoopResult {
  /** The text of every step that produced some, joined by blank lines. */
  reply: string;
  /** The assistant and tool messages of the turn, to store and to send with later turns. */
  responseMessages: ModelMessage[];
  /** Tools that ran, in the order of their first call. */
  toolsUsed: string[];
  usage: LoopUsage;
  /** The provider's total token count, or input plus output when it reports no total. */
  tokensUsed: number;
}

/** An event of a streamed turn: reply text, or the start or end of a tool call. */
export type LoopEvent =
  | { type: 'text'; content: string }
  | { type: 'tool_start'; tool: string }
  | { type: 'tool_end'; tool: string };

/** Raised when the request's signal aborted the model call; nothing should be recorded as a reply. */
export class ModelCallAborted extends Error {
  override name = 'ModelCallAborted';
}

/** Separator between the text of two steps, such as "Let me look that up." and the reply after the tool ran. */
const stepSeparator = '\n\n';

function settingsFor(request: LoopRequest, connection: ModelConnection) {
  const maxSteps = request.runtime.maxSteps;
  const withTools =
    Object.keys(request.tools).length === 0
      ? {}
      : {
          tools: request.tools,
          stopWhen: stepCountIs(maxSteps),
          // The last step offers no tools, so the model must reply with what it has instead
          // of ending the turn on a tool call that nothing would run.
          prepareStep: ({ stepNumber }: { stepNumber: number }) =>
            stepNumber >= maxSteps - 1 ? { activeTools: [] as string[] } : undefined,
        };

  return {
    model: connection.model,
    system: request.system,
    messages: request.messages,
    temperature: request.temperature,
    maxRetries: request.runtime.maxRetries,
    abortSignal: request.signal,
    ...withTools,
  };
}

function usageOf(usage: LanguageModelUsage | undefined): { usage: LoopUsage; tokensUsed: number } {
  const counts = {
    inputTokens: usage?.inputTokens,
    outputTokens: usage?.outputTokens,
    totalTokens: usage?.totalTokens,
  };

  return { usage: counts, tokensUsed: counts.totalTokens ?? (counts.inputTokens ?? 0) + (counts.outputTokens ?? 0) };
}

function replyOf(steps: readonly StepResult<ToolSet>[]): string {
  return steps
    .map((step) => step.text)
    .filter((text) => text !== '')
    .join(stepSeparator);
}

function toolsUsedIn(steps: readonly StepResult<ToolSet>[]): string[] {
  return [...new Set(steps.flatMap((step) => step.toolResults.map((result) => result.toolName)))];
}

function failure(error: unknown, request: LoopRequest, connection: ModelConnection): Error {
  if (request.signal?.aborted === true) {
    return new ModelCallAborted('the client went away, so the model request was aborted', { cause: error });
  }

  return upstreamError(error, connection, request.runtime, request.log);
}

/** Runs the tool-calling loop to its end and returns the whole reply. */
export async function runLoop(request: LoopRequest): Promise<LoopResult> {
  const connection = connectModel(request.runtime, request.model);
  try {
    const result = await generateText(settingsFor(request, connection));

    return {
      reply: replyOf(result.steps),
      responseMessages: result.response.messages,
      toolsUsed: toolsUsedIn(result.steps),
      ...usageOf(result.totalUsage),
    };
  } catch (error) {
    throw failure(error, request, connection);
  } finally {
    connection.close();
  }
}

/**
 * Runs the tool-calling loop with a streamed provider response, yielding reply text and
 * tool calls as they arrive, and returns the same result as {@link runLoop}. Empty text
 * deltas are dropped. Stopping the iteration cancels the provider stream.
 */
export async function* streamLoop(request: LoopRequest): AsyncGenerator<LoopEvent, LoopResult> {
  const connection = connectModel(request.runtime, request.model);
  try {
    // Stream errors arrive as `error` parts below; without this callback the SDK would
    // also print them to the console.
    const result = streamText({ ...settingsFor(request, connection), onError: () => {} });
    const running = new Map<string, string>();
    const used = new Set<string>();
    let streamError: { error: unknown } | undefined;
    let earlierStepHadText = false;
    let stepHasText = false;
    for await (const part of result.fullStream) {
      switch (part.type) {
        case 'start-step':
          earlierStepHadText ||= stepHasText;
          stepHasText = false;
          break;
        case 'text-delta':
          if (part.text === '') {
            break;
          }
          if (!stepHasText && earlierStepHadText) {
            yield { type: 'text', content: stepSeparator };
          }
          stepHasText = true;
          yield { type: 'text', content: part.text };
          break;
        case 'tool-call':
          // A call with unparsable arguments or an unknown tool never runs: the SDK returns
          // the problem to the model, and the client sees no tool_start for it.
          if (part.invalid !== true) {
            running.set(part.toolCallId, part.toolName);
            yield { type: 'tool_start', tool: part.toolName };
          }
          break;
        case 'tool-result':
        case 'tool-error':
          if (running.delete(part.toolCallId)) {
            used.add(part.toolName);
            yield { type: 'tool_end', tool: part.toolName };
          }
          break;
        case 'error':
          streamError ??= { error: part.error };
          break;
        default:
          break;
      }
    }
    if (streamError !== undefined) {
      throw streamError.error;
    }
    if (request.signal?.aborted === true) {
      throw request.signal.reason;
    }
    const [steps, response, totalUsage] = await Promise.all([result.steps, result.response, result.totalUsage]);

    return {
      reply: replyOf(steps),
      responseMessages: response.messages,
      toolsUsed: [...used],
      ...usageOf(totalUsage),
    };
  } catch (error) {
    throw failure(error, request, connection);
  } finally {
    connection.close();
  }
}
