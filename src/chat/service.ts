import type { ModelMessage } from 'ai';
import type { Principal } from '../auth/principal.js';
import { defaultModelName } from '../config.js';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode } from '../errors.js';
import type { Conversation } from '../generated/prisma/client.js';
import { historyBudget } from '../llm/context-window.js';
import { ModelCallAborted, runLoop, streamLoop, type LoopRequest } from '../llm/loop.js';
import { resolveModel, type ModelRuntime, type ResolvedModel } from '../llm/models.js';
import { requestedTools, toolSetFor } from '../llm/tools.js';
import type { ToolRuntime } from '../tools/service.js';
import { parseInput, type FieldNames } from '../validation.js';
import { getConversation, loadHistory, newConversationId, saveTurn } from './conversations.js';
import { chatInput, type ChatInput } from './schemas.js';

/** The caller, tool runtime and model runtime of a chat turn, which the transports pass in. */
export interface ChatRuntime {
  principal: Principal;
  tools: ToolRuntime;
  models: ModelRuntime;
}

/** A chat turn that passed every check and is ready to send to the model. */
export interface PreparedChat {
  ctx: ServiceContext;
  conversation: Conversation | undefined;
  conversationId: string;
  model: ResolvedModel;
  userMessage: ModelMessage;
  loop: Omit<LoopRequest, 'signal'>;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
  /** True when the request asked for a streamed reply (`stream: true`). */
  stream: boolean;
}

export interface ChatReply {
  reply: string;
  conversationId: string;
  model: string;
  toolsUsed: string[];
  tokensUsed: number;
  executionTimeMs: number;
}

/** One event of a streamed reply, as REST sends it in each SSE `data:` line. */
export type ChatChunk =
  | { type: 'text'; content: string }
  | { type: 'tool_start'; tool: string }
  | { type: 'tool_end'; tool: string }
  | { type: 'done'; conversation_id: string }
  | { type: 'error'; error: { code: string; message: string; status: number } };

/**
 * Checks a chat request and builds its prompt, sending nothing to the model yet. The
 * checks run in this order: the body (400), the conversation (404), the provider (503),
 * the model (400 when unknown) and the tools (400 when unknown, 403 without
 * `tools:execute` or above the plan). Then the history that fits the context window is
 * loaded.
 */
export async function prepareChat(
  ctx: ServiceContext,
  runtime: ChatRuntime,
  input: ChatInput,
  fieldNames: FieldNames = {},
): Promise<PreparedChat> {
  const startedAt = performance.now();
  const data = parseInput(chatInput, input, fieldNames);
  const conversation = data.conversationId === undefined ? undefined : await getConversation(ctx, data.conversationId);
  const model = resolveModel(runtime.models, data.model ?? defaultModelName, 'Chat', fieldNames.model ?? 'model');
  const access = { ctx, principal: runtime.principal, runtime: runtime.tools };
  const tools = await requestedTools(access, data.tools ?? [], fieldNames.tools ?? 'tools');
  const userMessage: ModelMessage = { role: 'user', content: data.message };
  const budget = historyBudget(runtime.models, model, { system: undefined, message: userMessage, tools }, fieldNames.message ?? 'message');
  const history = conversation === undefined ? { messages: [], droppedTurns: 0 } : await loadHistory(ctx, conversation.id, budget);
  if (history.droppedTurns > 0) {
    ctx.log.info(
      { conversationId: conversation?.publicId, droppedTurns: history.droppedTurns, model: model.name },
      'left the oldest turns out of the prompt to fit the context window',
    );
  }

  return {
    ctx,
    conversation,
    conversationId: conversation?.publicId ?? newConversationId(),
    model,
    userMessage,
    loop: {
      runtime: runtime.models,
      model,
      system: undefined,
      messages: [...history.messages, userMessage],
      tools: toolSetFor(access, tools),
      temperature: data.temperature,
      log: ctx.log,
    },
    startedAt,
    stream: data.stream,
  };
}

async function finish(chat: PreparedChat, result: Awaited<ReturnType<typeof runLoop>>): Promise<ChatReply> {
  await saveTurn(chat.ctx, {
    conversation: chat.conversation,
    publicId: chat.conversationId,
    modelName: chat.model.name,
    userMessage: chat.userMessage,
    result,
  });
  const executionTimeMs = Math.round(performance.now() - chat.startedAt);
  chat.ctx.log.info(
    {
      conversationId: chat.conversationId,
      model: chat.model.name,
      toolsUsed: result.toolsUsed,
      tokensUsed: result.tokensUsed,
      executionTimeMs,
    },
    'chat turn finished',
  );

  return {
    reply: result.reply,
    conversationId: chat.conversationId,
    model: chat.model.name,
    toolsUsed: result.toolsUsed,
    tokensUsed: result.tokensUsed,
    executionTimeMs,
  };
}

/** Runs a prepared turn to its end and stores it. */
export async function completeChat(chat: PreparedChat, signal?: AbortSignal): Promise<ChatReply> {
  return finish(chat, await runLoop({ ...chat.loop, signal }));
}

/** Prepares and runs a chat turn in one call, for transports that do not stream. */
export async function sendChat(
  ctx: ServiceContext,
  runtime: ChatRuntime,
  input: ChatInput,
  options: { fieldNames?: FieldNames; signal?: AbortSignal } = {},
): Promise<ChatReply> {
  return completeChat(await prepareChat(ctx, runtime, input, options.fieldNames), options.signal);
}

function errorChunk(error: AppError): ChatChunk {
  return { type: 'error', error: { code: error.code, message: error.message, status: error.status } };
}

/**
 * Streams a prepared turn: text and tool events as they happen, then `done` once the turn
 * is stored. A failure after the stream started becomes a final `error` chunk, because
 * the response status is already sent. When `signal` aborts, the model request is
 * aborted and the generator ends without storing the turn.
 */
export async function* streamChat(chat: PreparedChat, signal: AbortSignal): AsyncGenerator<ChatChunk, void> {
  const events = streamLoop({ ...chat.loop, signal });
  try {
    for (;;) {
      const next = await events.next();
      if (next.done === true) {
        await finish(chat, next.value);
        break;
      }
      yield next.value;
    }
  } catch (error) {
    if (error instanceof ModelCallAborted || signal.aborted) {
      chat.ctx.log.info({ conversationId: chat.conversationId }, 'client went away; aborted the model request');

      return;
    }
    if (error instanceof AppError) {
      yield errorChunk(error);

      return;
    }
    chat.ctx.log.error({ err: error, conversationId: chat.conversationId }, 'streamed chat turn failed');
    yield errorChunk(new AppError(ErrorCode.InternalError, 'Internal server error; report it with the X-Request-ID of this response'));

    return;
  }
  yield { type: 'done', conversation_id: chat.conversationId };
}
