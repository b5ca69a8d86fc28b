import { assertScope } from '../auth/principal.js';
import { builder } from '../graphql/builder.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ChatRole } from '../generated/prisma/enums.js';
import { countConversations, findConversations, getConversation } from './conversations.js';
import { completeChat, prepareChat, streamChat, type ChatChunk, type ChatReply, type ChatRuntime } from './service.js';

const chatChunkTypes = ['text', 'tool_start', 'tool_end', 'done', 'error'] as const;

const ChatChunkTypeEnum = builder.enumType('ChatChunkType', {
  description: 'The kind of a streamed chat event, named as in the REST stream.',
  values: chatChunkTypes,
});

const ChatRoleEnum = builder.enumType(ChatRole, { name: 'ChatRole' });

type ChatErrorShape = Extract<ChatChunk, { type: 'error' }>['error'];

const ChatErrorRef = builder.objectRef<ChatErrorShape>('ChatError').implement({
  description: 'A failure after the stream started, with the code and status REST would have used.',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    status: t.exposeInt('status'),
  }),
});

const ChatChunkRef = builder.objectRef<ChatChunk>('ChatChunk').implement({
  description:
    'One event of a streamed reply: text in order, tool_start and tool_end around each tool call, then done, or error if the turn failed.',
  fields: (t) => ({
    type: t.field({ type: ChatChunkTypeEnum, resolve: (chunk) => chunk.type }),
    content: t.string({
      nullable: true,
      description: 'The next fragment of reply text, for text chunks.',
      resolve: (chunk) => (chunk.type === 'text' ? chunk.content : null),
    }),
    tool: t.string({
      nullable: true,
      description: 'The tool, for tool_start and tool_end chunks.',
      resolve: (chunk) => (chunk.type === 'tool_start' || chunk.type === 'tool_end' ? chunk.tool : null),
    }),
    conversationId: t.string({
      nullable: true,
      description: 'The conversation the turn was stored in, for the done chunk.',
      resolve: (chunk) => (chunk.type === 'done' ? chunk.conversation_id : null),
    }),
    error: t.field({
      type: ChatErrorRef,
      nullable: true,
      resolve: (chunk) => (chunk.type === 'error' ? chunk.error : null),
    }),
  }),
});

const ChatInputRef = builder.inputType('ChatInput', {
  fields: (t) => ({
    message: t.string({ required: true, description: 'At most 10,000 characters.' }),
    conversationId: t.string({ description: 'A conversation to continue, `conv_…`; omitted, a new one starts.' }),
    model: t.string({ description: 'A public model name; alfred-default when omitted.' }),
    temperature: t.float({ description: 'From 0.0 to 1.0; 0.7 when omitted.' }),
    tools: t.stringList({ description: 'Catalogue tools the model may call; they need the tools:execute scope.' }),
  }),
});

type ChatInputValue = typeof ChatInputRef.$inferInput;

function runtimeOf(context: GraphQLContext): ChatRuntime {
  return { principal: assertScope(context.principal, 'chat:write'), tools: context.tools, models: context.models };
}

function serviceInput(input: ChatInputValue, stream: boolean) {
  return {
    message: input.message,
    conversationId: input.conversationId ?? undefined,
    model: input.model ?? undefined,
    temperature: input.temperature ?? undefined,
    tools: input.tools ?? undefined,
    stream,
  };
}

/**
 * Wraps a chunk generator so that a client that unsubscribes aborts the model request at
 * once. Calling `return` on the generator itself would wait until the pending provider
 * chunk arrives, because an async generator finishes one step before it returns.
 */
function abortable(start: (signal: AbortSignal) => AsyncGenerator<ChatChunk, void>): AsyncIterable<ChatChunk> {
  const controller = new AbortController();
  const source = start(controller.signal);

  return {
    [Symbol.asyncIterator]: () => ({
      next: () => source.next(),
      return: async () => {
        controller.abort();
        void source.return();

        return { done: true, value: undefined };
      },
    }),
  };
}

const ChatReplyRef = builder.objectRef<ChatReply>('ChatPayload').implement({
  fields: (t) => ({
    reply: t.exposeString('reply'),
    conversationId: t.exposeString('conversationId', { description: 'Pass it back to continue the conversation.' }),
    model: t.exposeString('model', { description: 'The public model name that answered.' }),
    toolsUsed: t.exposeStringList('toolsUsed'),
    tokensUsed: t.exposeInt('tokensUsed', { description: 'Tokens the provider reported for the whole turn.' }),
    executionTimeMs: t.exposeInt('executionTimeMs'),
  }),
});

builder.prismaObject('ChatMessage', {
  description: 'A message of a conversation: the user text, a model reply that may call tools, or tool results.',
  fields: (t) => ({
    role: t.expose('role', { type: ChatRoleEnum }),
    content: t.exposeString('content', { description: 'The text; empty for a message that only calls tools or returns results.' }),
    toolNames: t.exposeStringList('toolNames', { description: 'Tools the message calls or returns results of.' }),
    parts: t.expose('parts', { type: 'JSON', description: 'The content parts as the model received them, tool calls and results included.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('Conversation', {
  description: 'A chat conversation, continued by passing its id back to chat.',
  fields: (t) => ({
    id: t.exposeID('publicId', { description: 'The conversation id, `conv_` and 24 hex digits, as REST uses it.' }),
    title: t.exposeString('title', { description: 'The start of the first message.' }),
    model: t.exposeString('model', { description: 'The public model name that answered last.' }),
    messageCount: t.exposeInt('messageCount'),
    tokensUsed: t.exposeInt('tokensUsed'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('lastMessageAt', { type: 'DateTime', description: 'When the latest message was stored.' }),
    messages: t.relatedConnection('messages', {
      cursor: 'id',
      description: 'The messages, oldest first.',
      query: { orderBy: { id: 'asc' } },
      totalCount: true,
    }),
  }),
});

builder.queryFields((t) => ({
  conversations: t.prismaConnection(
    {
      type: 'Conversation',
      cursor: 'id',
      authScopes: { scope: 'chat:read' },
      description: "The caller's conversations, the one with the latest message first.",
      totalCount: (_parent, _args, context) => countConversations(context.services()),
      resolve: (query, _parent, _args, context) => findConversations(context.services(), query),
    },
    {},
  ),
  conversation: t.prismaField({
    type: 'Conversation',
    authScopes: { scope: 'chat:read' },
    args: { id: t.arg.id({ required: true, description: 'The conversation id, `conv_…`.' }) },
    resolve: (query, _parent, args, context) => getConversation(context.services(), String(args.id), query),
  }),
}));

builder.mutationFields((t) => ({
  chat: t.field({
    type: ChatReplyRef,
    authScopes: { scope: 'chat:write' },
    description: 'Sends a message and returns the whole reply once the model and its tool calls finish.',
    args: { input: t.arg({ type: ChatInputRef, required: true }) },
    resolve: async (_parent, args, context) => {
      const chat = await prepareChat(context.services(), runtimeOf(context), serviceInput(args.input, false));

      // NOTE: unlike REST, the mutation runs to its end when the client disconnects,
      // because the GraphQL context carries no signal of the request.
      return completeChat(chat);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  chatStream: t.field({
    type: ChatChunkRef,
    description:
      'Sends a message and streams the reply as chunks of the same types as the REST stream. Errors before the first chunk are GraphQL errors; a failure later is an error chunk.',
    args: { input: t.arg({ type: ChatInputRef, required: true }) },
    subscribe: async (_root, args, context) => {
      const chat = await prepareChat(context.services(), runtimeOf(context), serviceInput(args.input, true));

      return abortable((signal) => streamChat(chat, signal));
    },
    resolve: (chunk) => chunk,
  }),
}));
