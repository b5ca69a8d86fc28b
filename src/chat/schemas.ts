import { z } from 'zod';
import { toolNames } from '../agents/schemas.js';

export const maxChatMessageLength = 10_000;
export const defaultTemperature = 0.7;

/** `conv_` and 24 lowercase hex digits, as {@link newConversationId} makes them. */
export const conversationIdPattern = /^conv_[0-9a-f]{24}$/;

const message = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .max(maxChatMessageLength, {
    error: (issue) =>
      `must be at most ${maxChatMessageLength} characters, got ${String([...(issue.input as string)].length)}`,
  })
  .refine((text) => text.trim() !== '', { error: 'must not be empty' });

/** A chat request in the service's field names (`conversationId`, not the REST `conversation_id`). */
export const chatInput = z.strictObject({
  message,
  conversationId: z.string({ error: 'must be a conversation id such as conv_…' }).optional(),
  model: z.string({ error: 'must be a model name such as alfred-default' }).optional(),
  temperature: z
    .number({ error: 'must be a number from 0.0 to 1.0' })
    .min(0, { error: (issue) => `must be a number from 0.0 to 1.0, got ${String(issue.input)}` })
    .max(1, { error: (issue) => `must be a number from 0.0 to 1.0, got ${String(issue.input)}` })
    .default(defaultTemperature),
  tools: toolNames.optional(),
  stream: z.boolean({ error: 'must be true or false' }).default(false),
});

export type ChatInput = z.input<typeof chatInput>;
export type ParsedChatInput = z.output<typeof chatInput>;
