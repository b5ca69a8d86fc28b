import type { ModelMessage } from 'ai';
import { countTokens } from 'gpt-tokenizer';
import { ValidationError } from '../errors.js';
import type { Tool } from '../generated/prisma/client.js';
import type { ModelRuntime, ResolvedModel } from './models.js';

/** Tokens that chat formats add around each message (role markers and separators), an estimate. */
const messageOverheadTokens = 4;

// Special-token text such as "<|endoftext|>" in a message is counted as plain text, as the
// provider receives it; the tokenizer would otherwise throw on it.
const countOptions = { disallowedSpecial: new Set<string>() };

/**
 * Counts the tokens of `text` in OpenAI's o200k_base encoding. Other model families split
 * text differently, so for them the count is an estimate; `LLM_REPLY_TOKENS` leaves room.
 */
export function estimateTokens(text: string): number {
  return countTokens(text, countOptions);
}

export function messageTokens(message: ModelMessage): number {
  const content = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);

  return estimateTokens(content) + messageOverheadTokens;
}

/** Tokens that the tool definitions (name, description, JSON Schema) take in the prompt. */
export function toolTokens(tools: readonly Tool[]): number {
  return tools.reduce(
    (sum, tool) => sum + estimateTokens(JSON.stringify({ name: tool.name, description: tool.description, parameters: tool.inputSchema })),
    0,
  );
}

/**
 * Returns how many tokens of history fit beside the fixed part of a prompt (system
 * prompt, tools, new message) and the room kept for the reply. A fixed part that alone
 * overflows the window is a validation error on `field`.
 */
export function historyBudget(
  runtime: ModelRuntime,
  model: ResolvedModel,
  fixed: { system: string | undefined; message: ModelMessage; tools: readonly Tool[] },
  field = 'message',
): number {
  const fixedTokens =
    (fixed.system === undefined ? 0 : estimateTokens(fixed.system) + messageOverheadTokens) +
    messageTokens(fixed.message) +
    toolTokens(fixed.tools);
  const budget = model.contextTokens - runtime.replyTokens - fixedTokens;
  if (budget < 0) {
    throw new ValidationError([
      {
        field,
        message: `is too long for model ${model.name}: with the tools it takes about ${fixedTokens} tokens, and its context window of ${model.contextTokens} tokens keeps ${runtime.replyTokens} for the reply`,
      },
    ]);
  }

  return budget;
}

/**
 * Keeps the newest whole turns that fit in `budget` tokens and drops older ones. A turn is
 * a user message with the replies and tool results that followed it, kept together because
 * a tool result sent without the call that asked for it is rejected by providers.
 * `turns` are newest first; the kept ones come back oldest first, ready to send.
 */
export function fitTurns(turns: readonly ModelMessage[][], budget: number): { messages: ModelMessage[]; droppedTurns: number } {
  const kept: ModelMessage[][] = [];
  let used = 0;
  for (const turn of turns) {
    const tokens = turn.reduce((sum, message) => sum + messageTokens(message), 0);
    if (used + tokens > budget) {
      break;
    }
    used += tokens;
    kept.push(turn);
  }

  return { messages: kept.reverse().flat(), droppedTurns: turns.length - kept.length };
}
