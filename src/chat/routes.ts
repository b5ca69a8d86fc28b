import type { ChatMessage, Conversation } from '../generated/prisma/client.js';
import { parsePageRequest } from '../pagination.js';
import { invertFields, mapBodyFields } from '../rest/fields.js';
import { dataResponse, pageResponse } from '../rest/responses.js';
import { route, type RouteContext, type RouteList } from '../rest/router.js';
import { dataEnvelope, pageEnvelope, pageQuery } from '../rest/route-docs.js';
import { isoTimestamp } from '../rest/timestamps.js';
import { ModelCallAborted } from '../llm/loop.js';
import { getConversation, listConversations, listMessages } from './conversations.js';
import {
  chatBody,
  chatChunk,
  chatFields,
  chatMessageResource,
  chatReply,
  conversationParams,
  conversationResource,
} from './rest-schemas.js';
import type { ChatInput } from './schemas.js';
import { completeChat, prepareChat, streamChat, type ChatRuntime } from './service.js';
import { chatEventStream } from './sse.js';

const chatFieldNames = invertFields(chatFields);

/** Serializes a conversation as `GET /chat` lists it. */
export function serializeConversation(conversation: Conversation) {
  return {
    id: conversation.publicId,
    title: conversation.title,
    model: conversation.model,
    message_count: conversation.messageCount,
    tokens_used: conversation.tokensUsed,
    created_at: isoTimestamp(conversation.createdAt),
    updated_at: isoTimestamp(conversation.lastMessageAt),
  };
}

type StoredPart =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'tool-result'; toolCallId: string; toolName: string; output: { type: string; value?: unknown } }
  | { type: string };

/** Serializes a stored message with its tool calls and results, in REST field names. */
export function serializeMessage(message: ChatMessage) {
  const parts: StoredPart[] = Array.isArray(message.parts) ? (message.parts as StoredPart[]) : [];
  const toolCalls = parts.flatMap((part) =>
    part.type === 'tool-call' && 'toolCallId' in part
      ? [{ id: part.toolCallId, tool: part.toolName, arguments: part.input }]
      : [],
  );
  const toolResults = parts.flatMap((part) =>
    part.type === 'tool-result' && 'output' in part
      ? [{ id: part.toolCallId, tool: part.toolName, result: part.output.value ?? null }]
      : [],
  );

  return {
    role: message.role,
    content: message.content,
    ...(message.role === 'assistant' ? { tool_calls: toolCalls } : {}),
    ...(message.role === 'tool' ? { tool_results: toolResults } : {}),
    created_at: isoTimestamp(message.createdAt),
  };
}

function chatRuntime(context: RouteContext): ChatRuntime {
  return { principal: context.principal, tools: context.deps.tools, models: context.deps.models };
}

export const chatRoutes: RouteList = [
  route({
    method: 'POST',
    path: '/api/v1/chat',
    scope: 'chat:write',
    docs: {
      operationId: 'sendChatMessage',
      summary: 'Send a message',
      description:
        'Answers with one JSON reply, or with `"stream": true` as Server-Sent Events: one `data:` line per chunk, then `data: [DONE]`. A failure after the stream started arrives as an `error` chunk. Without a configured model provider the answer is `503 service_unavailable`.',
      tag: 'chat',
      body: chatBody,
      response: {
        status: 200,
        description: 'The reply, or the stream of chunks',
        schema: dataEnvelope(chatReply),
        stream: chatChunk,
      },
      errors: ['resource_not_found', 'plan_upgrade_required', 'upstream_error', 'upstream_timeout'],
    },
    async handler(context) {
      const { body, services, request } = context;
      const input = mapBodyFields(await body(), chatFields) as ChatInput;
      const chat = await prepareChat(services, chatRuntime(context), input, chatFieldNames);
      if (chat.stream) {
        return chatEventStream((signal) => streamChat(chat, signal), request.signal, services.log);
      }
      let reply;
      try {
        reply = await completeChat(chat, request.signal);
      } catch (error) {
        if (error instanceof ModelCallAborted) {
          services.log.info({ conversationId: chat.conversationId }, 'client went away; aborted the model request');

          // Nobody reads this response; 499 is the status nginx logs for a client that
          // closed the connection, so the request log shows what happened.
          return new Response(null, { status: 499 });
        }
        throw error;
      }

      return dataResponse({
        reply: reply.reply,
        conversation_id: reply.conversationId,
        model: reply.model,
        tools_used: reply.toolsUsed,
        tokens_used: reply.tokensUsed,
        execution_time_ms: reply.executionTimeMs,
      });
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/chat',
    scope: 'chat:read',
    docs: {
      operationId: 'listConversations',
      summary: 'List conversations',
      tag: 'chat',
      query: pageQuery,
      response: { status: 200, description: 'One page of conversations', schema: pageEnvelope(conversationResource) },
      errors: [],
    },
    async handler({ query, services }) {
      const page = parsePageRequest(query);
      const result = await listConversations(services, { offset: page.offset, limit: page.perPage });

      return pageResponse(result.conversations.map(serializeConversation), result.total, page);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/chat/:id',
    scope: 'chat:read',
    docs: {
      operationId: 'getConversation',
      summary: 'Fetch a conversation',
      tag: 'chat',
      params: conversationParams,
      response: { status: 200, description: 'The conversation', schema: dataEnvelope(conversationResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      return dataResponse(serializeConversation(await getConversation(services, params.id!)));
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/chat/:id/messages',
    scope: 'chat:read',
    docs: {
      operationId: 'listConversationMessages',
      summary: "List a conversation's messages",
      description: 'Oldest first, with the tool calls and results of each turn.',
      tag: 'chat',
      params: conversationParams,
      query: pageQuery,
      response: { status: 200, description: 'One page of messages', schema: pageEnvelope(chatMessageResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, query, services }) {
      const page = parsePageRequest(query);
      const result = await listMessages(services, params.id!, { offset: page.offset, limit: page.perPage });

      return pageResponse(result.messages.map(serializeMessage), result.total, page);
    },
  }),
];
