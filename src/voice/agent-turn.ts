import type { ModelMessage } from 'ai';
import { systemPromptFor } from '../agents/runs.js';
import { defaultModelName } from '../config.js';
import type { Agent } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { runLoop } from '../llm/loop.js';
import { resolveModel, type ModelRuntime } from '../llm/models.js';
import type { TranscriptLine } from './transcripts.js';

/** Sampling temperature of spoken answers, the chat default. */
const voiceTemperature = 0.7;

const spokenGuidance =
  'You are speaking in a live voice conversation. Answer in a few short spoken sentences, without lists, markup or links.';

/**
 * Asks the chat model for the agent's next spoken line. Lines of `agentSpeaker` become
 * assistant messages. Everyone else's become user messages prefixed with the speaker's
 * name, so that the model can tell the participants apart.
 */
export async function agentAnswer(
  models: ModelRuntime,
  agent: Pick<Agent, 'name' | 'role' | 'task'>,
  history: readonly TranscriptLine[],
  log: Logger,
  agentSpeaker = agent.name,
): Promise<string> {
  const model = resolveModel(models, defaultModelName, 'A voice agent');
  const messages: ModelMessage[] = history.map((line) =>
    line.speaker === agentSpeaker
      ? { role: 'assistant', content: line.text }
      : { role: 'user', content: `${line.speaker}: ${line.text}` },
  );
  // NOTE: voice agents answer without tools, because a room or call has no caller
  // credential that tool runs could be authorised and metered against.
  const result = await runLoop({
    runtime: models,
    model,
    system: `${systemPromptFor(agent, undefined)}\n\n${spokenGuidance}`,
    messages,
    tools: {},
    temperature: voiceTemperature,
    signal: undefined,
    log,
  });

  return result.reply.trim();
}
