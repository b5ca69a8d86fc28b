import type { PrismaClient, VoiceCall } from '../generated/prisma/client.js';
import type { ModelRuntime } from '../llm/models.js';
import type { Logger } from '../logger.js';
import { agentAnswer } from './agent-turn.js';
import { clipPath, finalStatuses, storeClip, twilioCallbackPaths } from './calls.js';
import { speechEngineFor } from './engines/index.js';
import type { VoiceRuntime } from './runtime.js';
import { hangUp, playAndHangUp, playAndListen } from './telephony/twilio.js';
import { appendUtterance, recentLines } from './transcripts.js';

export interface CallConversationDependencies {
  prisma: PrismaClient;
  log: Logger;
  models: ModelRuntime;
  voice: VoiceRuntime;
}

/** Speaker names of call transcripts. */
export const CallSpeaker = { Agent: 'Agent', Callee: 'Callee' } as const;

/** Synthesises `text` with the call's engine and stores it where the provider can fetch it. */
async function speak(deps: CallConversationDependencies, call: VoiceCall, baseUrl: string, text: string): Promise<string> {
  await appendUtterance(deps.prisma, { callId: call.id }, { speaker: CallSpeaker.Agent, text });
  const speech = await speechEngineFor(deps.voice.engines, call.voiceEngine).synthesize({ text });
  const clipId = await storeClip(deps.prisma, call.id, speech.audio, speech.contentType);

  return `${baseUrl}${clipPath(clipId)}`;
}

/**
 * The TwiML of a call that was just answered: the agent greets the callee and listens.
 * A call without an agent says so and hangs up.
 */
export async function answeredCall(deps: CallConversationDependencies, call: VoiceCall, baseUrl: string): Promise<string> {
  const agent = call.agentId === null ? null : await deps.prisma.agent.findUnique({ where: { id: call.agentId } });
  if (agent === null) {
    return playAndHangUp(await speak(deps, call, baseUrl, 'Hello. There is no agent on this call, so it ends now. Goodbye.'));
  }
  const clipUrl = await speak(deps, call, baseUrl, `Hello, this is ${agent.name}. How can I help you today?`);

  return playAndListen(clipUrl, `${baseUrl}${twilioCallbackPaths(call.id).gather}`);
}

/**
 * The TwiML that follows what the callee said: the agent's spoken answer, then listening
 * again. Silence, a call that already ended or a call without an agent hangs up.
 */
export async function calleeSpoke(
  deps: CallConversationDependencies,
  call: VoiceCall,
  baseUrl: string,
  speech: string | undefined,
): Promise<string> {
  const agent = call.agentId === null ? null : await deps.prisma.agent.findUnique({ where: { id: call.agentId } });
  if (speech === undefined || speech.trim() === '' || agent === null || finalStatuses.includes(call.status)) {
    return hangUp();
  }
  await appendUtterance(deps.prisma, { callId: call.id }, { speaker: CallSpeaker.Callee, text: speech.trim() });
  const history = await recentLines(deps.prisma, { callId: call.id });
  const answer = await agentAnswer(deps.models, agent, history, deps.log, CallSpeaker.Agent);
  const clipUrl = await speak(deps, call, baseUrl, answer === '' ? 'Sorry, I have no answer to that.' : answer);

  return playAndListen(clipUrl, `${baseUrl}${twilioCallbackPaths(call.id).gather}`);
}
