import { randomBytes } from 'node:crypto';
import type { ModelMessage } from 'ai';
import type { ServiceContext } from '../context.js';
import { notFound } from '../errors.js';
import type { ChatMessage, Conversation, Prisma } from '../generated/prisma/client.js';
import type { ChatRole } from '../generated/prisma/enums.js';
import { fitTurns, messageTokens } from '../llm/context-window.js';
import type { LoopResult } from '../llm/loop.js';
import { meter } from '../usage/service.js';
import { conversationIdPattern } from './schemas.js';

const historyBatchSize = 200;
const maxTitleLength = 80;

/** Generates a conversation id: `conv_` and 96 random bits in hex. */
export function newConversationId(): string {
  return `conv_${randomBytes(12).toString('hex')}`;
}

function tenantWhere(ctx: ServiceContext): Prisma.ConversationWhereInput {
  return { accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode };
}

/** A Prisma `select`/`include` fragment, as Pothos passes it to resolvers. */
type ConversationQuery = Omit<Prisma.ConversationFindFirstArgs, 'where' | 'orderBy' | 'skip' | 'take' | 'cursor'>;

/** Reads a conversation of the tenant; another account's or a malformed id is "not found". */
export async function getConversation(ctx: ServiceContext, publicId: string, query: ConversationQuery = {}): Promise<Conversation> {
  const conversation = conversationIdPattern.test(publicId)
    ? await ctx.prisma.conversation.findFirst({ ...query, where: { ...tenantWhere(ctx), publicId } })
    : null;
  if (conversation === null) {
    throw notFound('Conversation', publicId);
  }

  return conversation;
}

export interface ConversationPage {
  conversations: Conversation[];
  total: number;
}

/** Lists the tenant's conversations, the one with the latest message first. */
export async function listConversations(
  ctx: ServiceContext,
  page: { offset: number; limit: number },
): Promise<ConversationPage> {
  const where = tenantWhere(ctx);
  const [conversations, total] = await ctx.prisma.$transaction([
    ctx.prisma.conversation.findMany({
      where,
      orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }],
      skip: page.offset,
      take: page.limit,
    }),
    ctx.prisma.conversation.count({ where }),
  ]);

  return { conversations, total };
}

/** Lists the tenant's conversations with a Pothos connection query (cursor, take and selection). */
export async function findConversations(ctx: ServiceContext, query: Prisma.ConversationFindManyArgs): Promise<Conversation[]> {
  return ctx.prisma.conversation.findMany({
    ...query,
    where: tenantWhere(ctx),
    orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }],
  });
}

export async function countConversations(ctx: ServiceContext): Promise<number> {
  return ctx.prisma.conversation.count({ where: tenantWhere(ctx) });
}

export interface MessagePage {
  messages: ChatMessage[];
  total: number;
}

/** Lists the messages of one of the tenant's conversations, oldest first. */
export async function listMessages(
  ctx: ServiceContext,
  publicId: string,
  page: { offset: number; limit: number },
): Promise<MessagePage> {
  const conversation = await getConversation(ctx, publicId);
  const where = { conversationId: conversation.id };
  const [messages, total] = await ctx.prisma.$transaction([
    ctx.prisma.chatMessage.findMany({ where, orderBy: { id: 'asc' }, skip: page.offset, take: page.limit }),
    ctx.prisma.chatMessage.count({ where }),
  ]);

  return { messages, total };
}

/** Converts a stored message back to the AI SDK message that was sent or received. */
export function modelMessageOf(row: Pick<ChatMessage, 'role' | 'parts'>): ModelMessage {
  return { role: row.role, content: row.parts } as ModelMessage;
}

/**
 * Loads the newest whole turns of a conversation that fit in `budget` tokens, oldest
 * first. Messages are read newest first in batches, so a long conversation is read only
 * as far back as the context window reaches.
 */
export async function loadHistory(
  ctx: ServiceContext,
  conversationId: number,
  budget: number,
): Promise<{ messages: ModelMessage[]; droppedTurns: number }> {
  const turns: ModelMessage[][] = [];
  let pending: ModelMessage[] = [];
  let tokens = 0;
  let before: number | undefined;
  for (;;) {
    const rows = await ctx.prisma.chatMessage.findMany({
      where: { conversationId, ...(before === undefined ? {} : { id: { lt: before } }) },
      orderBy: { id: 'desc' },
      take: historyBatchSize,
      select: { id: true, role: true, parts: true },
    });
    for (const row of rows) {
      const message = modelMessageOf(row);
      pending.unshift(message);
      tokens += messageTokens(message);
      if (row.role === 'user') {
        turns.push(pending);
        pending = [];
      }
    }
    before = rows.at(-1)?.id;
    if (rows.length < historyBatchSize || tokens > budget) {
      break;
    }
  }
  const fitted = fitTurns(turns, budget);

  return { messages: fitted.messages, droppedTurns: fitted.droppedTurns };
}

function textOf(message: ModelMessage): string {
  if (typeof message.content === 'string') {
    return message.content;
  }

  return message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
}

function toolNamesOf(message: ModelMessage): string[] {
  if (typeof message.content === 'string') {
    return [];
  }
  const names = message.content.flatMap((part) =>
    part.type === 'tool-call' || part.type === 'tool-result' ? [part.toolName] : [],
  );

  return [...new Set(names)];
}

function titleOf(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const characters = [...line];

  return characters.length > maxTitleLength ? `${characters.slice(0, maxTitleLength - 1).join('')}…` : line;
}

export interface TurnRecord {
  /** The conversation to continue; `undefined` starts `publicId`. */
  conversation: Conversation | undefined;
  publicId: string;
  modelName: string;
  userMessage: ModelMessage;
  result: LoopResult;
}

/**
 * Stores a finished turn: the user message, the model's replies and the tool results, in
 * one transaction with the conversation's counters. A turn that failed is not stored, so
 * a conversation never contains a question without its reply.
 */
export async function saveTurn(ctx: ServiceContext, turn: TurnRecord): Promise<void> {
  const messages = [turn.userMessage, ...turn.result.responseMessages];
  const lastAssistant = messages.findLastIndex((message) => message.role === 'assistant');
  const now = new Date();

  await ctx.prisma.$transaction(async (tx) => {
    let conversationId: number;
    if (turn.conversation === undefined) {
      const created = await tx.conversation.create({
        data: {
          publicId: turn.publicId,
          accountId: ctx.tenant.accountId,
          livemode: ctx.tenant.livemode,
          title: titleOf(textOf(turn.userMessage)),
          model: turn.modelName,
          messageCount: messages.length,
          tokensUsed: turn.result.tokensUsed,
          createdAt: now,
          lastMessageAt: now,
        },
      });
      conversationId = created.id;
    } else {
      const { count } = await tx.conversation.updateMany({
        where: { ...tenantWhere(ctx), id: turn.conversation.id },
        data: {
          model: turn.modelName,
          messageCount: { increment: messages.length },
          tokensUsed: { increment: turn.result.tokensUsed },
          lastMessageAt: now,
        },
      });
      if (count === 0) {
        throw notFound('Conversation', turn.publicId);
      }
      conversationId = turn.conversation.id;
    }
    await tx.chatMessage.createMany({
      data: messages.map((message, index) => ({
        conversationId,
        role: message.role as ChatRole,
        content: textOf(message),
        parts: message.content as Prisma.InputJsonValue,
        toolNames: toolNamesOf(message),
        ...(index === lastAssistant
          ? {
              inputTokens: turn.result.usage.inputTokens ?? null,
              outputTokens: turn.result.usage.outputTokens ?? null,
              totalTokens: turn.result.usage.totalTokens ?? null,
            }
          : {}),
        createdAt: now,
      })),
    });
    await meter(tx, ctx.tenant, 'chat');
  });
}
