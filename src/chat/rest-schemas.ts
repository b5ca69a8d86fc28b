import { z } from 'zod';
import { named, restBody, timestamp } from '../rest/route-docs.js';
import { chatInput } from './schemas.js';

/** REST body fields and the service fields they map to. */
export const chatFields = {
  message: 'message',
  conversation_id: 'conversationId',
  model: 'model',
  temperature: 'temperature',
  tools: 'tools',
  stream: 'stream',
} as const;

export const chatBody = restBody(chatInput, chatFields, {
  message: 'The message, at most 10,000 characters',
  conversation_id: 'A conversation to continue; a new one starts when left out',
  model: 'A public model name; alfred-default when left out',
  temperature: 'Sampling temperature from 0.0 to 1.0; 0.7 when left out',
  tools: 'Catalogue tools the model may call for this message; they need the tools:execute scope',
  stream: 'Answer with Server-Sent Events instead of one JSON reply',
});

const conversationId = z.string().meta({ examples: ['conv_3f9a1c0d5e7b2a4c6d8e0f12'] });

/** The `{id}` path parameter of conversation routes. */
export const conversationParams = z.object({ id: conversationId.describe('The conversation id, `conv_` and 24 hex digits') });

export const chatReply = named(
  'ChatReply',
  z.object({
    reply: z.string().describe('The assistant text'),
    conversation_id: conversationId.describe('Pass it back to continue the conversation'),
    model: z.string().describe('The public model name that answered'),
    tools_used: z.array(z.string()).describe('Tools called during the turn'),
    tokens_used: z.int().min(0).describe('Tokens the provider reported for the whole turn'),
    execution_time_ms: z.int().min(0),
  }),
);

export const chatChunk = named(
  'ChatChunk',
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('text'), content: z.string().describe('The next fragment of reply text') }),
    z.object({ type: z.literal('tool_start'), tool: z.string() }),
    z.object({ type: z.literal('tool_end'), tool: z.string() }),
    z.object({ type: z.literal('done'), conversation_id: conversationId }),
    z.object({
      type: z.literal('error'),
      error: z
        .object({ code: z.string(), message: z.string(), status: z.int() })
        .describe('A failure after the stream started; the stream then ends with [DONE]'),
    }),
  ]),
);

export const conversationResource = named(
  'Conversation',
  z.object({
    id: conversationId,
    title: z.string().describe('The start of the first message'),
    model: z.string().describe('The public model name that answered last'),
    message_count: z.int().min(0),
    tokens_used: z.int().min(0),
    created_at: timestamp,
    updated_at: timestamp.describe('When the latest message was stored'),
  }),
);

export const chatMessageResource = named(
  'ChatMessage',
  z.object({
    role: z.enum(['user', 'assistant', 'tool']),
    content: z.string().describe('The text; empty for a message that only calls tools or returns results'),
    tool_calls: z
      .array(z.object({ id: z.string(), tool: z.string(), arguments: z.unknown() }))
      .optional()
      .describe('Tools the assistant called (assistant messages)'),
    tool_results: z
      .array(z.object({ id: z.string(), tool: z.string(), result: z.unknown() }))
      .optional()
      .describe('What those calls returned (tool messages)'),
    created_at: timestamp,
  }),
);
