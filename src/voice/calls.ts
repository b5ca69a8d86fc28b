import { getAgent } from '../agents/service.js';
import { randomString } from '../auth/secrets.js';
import type { Tenant } from '../auth/principal.js';
import type { ServiceContext } from '../context.js';
import { AppError, ErrorCode, notFound, serviceUnavailable } from '../errors.js';
import type { VoiceCallEndedData, VoiceCallStartedData } from '../events/catalogue.js';
import { recordEvent } from '../events/outbox.js';
import type { Prisma, PrismaClient, VoiceCall } from '../generated/prisma/client.js';
import type { PlanTier, VoiceCallStatus } from '../generated/prisma/enums.js';
import { parseDatabaseId } from '../ids.js';
import type { Logger } from '../logger.js';
import { assertWithinQuota, meter, reportThresholds, usedThisPeriod } from '../usage/service.js';
import { parseInput, type FieldNames } from '../validation.js';
import { speechEngineFor } from './engines/index.js';
import type { VoiceRuntime } from './runtime.js';
import { parseDestination, startCallInput, type StartCallInput } from './schemas.js';
import { missingTwilioSettings, placeTwilioCall, type ConfiguredTwilio } from './telephony/twilio.js';
import { formatTranscript, loadTranscript } from './transcripts.js';

/** Parties on a call: the callee and the agent. */
export const callParticipants = 2;

/** Statuses after which a call changes no more. */
export const finalStatuses: readonly VoiceCallStatus[] = ['completed', 'busy', 'no_answer', 'failed', 'canceled'];

/** Order of the statuses; a callback that would move a call back is ignored. */
const statusRank: Record<VoiceCallStatus, number> = {
  queued: 0,
  ringing: 1,
  in_progress: 2,
  completed: 3,
  busy: 3,
  no_answer: 3,
  failed: 3,
  canceled: 3,
};

export interface CallOptions {
  /** The origin of the request that starts the call, for callbacks when PUBLIC_BASE_URL is unset. */
  origin: string | undefined;
}

/** A call with its transcript, as REST and GraphQL show it. */
export interface CallDetails {
  call: VoiceCall;
  transcript: string;
}

function tenantWhere(ctx: ServiceContext) {
  return { accountId: ctx.tenant.accountId, livemode: ctx.tenant.livemode };
}

/** Builds the paths of a call's Twilio callbacks, below the server's public base URL. */
export function twilioCallbackPaths(callId: number) {
  const base = `/api/v1/voice/twilio/calls/${callId}`;

  return { twiml: `${base}/twiml`, status: `${base}/status`, gather: `${base}/gather` };
}

export function clipPath(clipId: string): string {
  return `/api/v1/voice/clips/${clipId}`;
}

function configuredTwilio(runtime: VoiceRuntime): ConfiguredTwilio {
  const settings = runtime.settings.twilio;
  const missing = missingTwilioSettings(settings);
  if (missing.length > 0) {
    throw serviceUnavailable(`Calls to phone numbers need Twilio: set ${missing.join(', ')}, then restart the server`);
  }

  return settings as ConfiguredTwilio;
}

/**
 * Starts an outbound call. Checks run in this order: the input (400), the agent (404),
 * the engine and the telephony provider (503 naming their settings), the plan's voice
 * minutes (403). The call is recorded as queued before the provider is asked, so that
 * its callbacks always find it; `voice.call.started` fires once the provider accepted it.
 * A call the provider rejects is recorded as failed, and the request gets 502.
 */
export async function startCall(
  ctx: ServiceContext,
  runtime: VoiceRuntime,
  input: StartCallInput,
  options: CallOptions,
  fieldNames: FieldNames = {},
): Promise<VoiceCall> {
  const data = parseInput(startCallInput, input, fieldNames);
  const destination = parseDestination(data.to)!;
  const agent = data.agentId == null ? undefined : await getAgent(ctx, data.agentId);
  const voiceEngine = data.voiceEngine ?? agent?.voiceEngine ?? null;
  speechEngineFor(runtime.engines, voiceEngine);
  if (destination.kind === 'sip') {
    // NOTE: no SIP user agent library runs here, so SIP URIs are validated and stored
    // but cannot be dialled yet.
    throw serviceUnavailable(
      'Calls to SIP URIs need a SIP provider, and this server has none configured; call an E.164 number through Twilio instead',
    );
  }
  const twilio = configuredTwilio(runtime);
  const baseUrl = runtime.settings.publicBaseUrl ?? options.origin;
  if (baseUrl === undefined) {
    throw serviceUnavailable('Calls need the URL at which Twilio reaches this server: set PUBLIC_BASE_URL, then restart the server');
  }
  if (ctx.plan !== undefined) {
    assertWithinQuota(ctx.plan, 'voiceMinutes', await usedThisPeriod(ctx.prisma, ctx.tenant, 'voice'));
  }

  const queued = await ctx.prisma.voiceCall.create({
    data: {
      ...tenantWhere(ctx),
      to: data.to,
      agentId: agent?.id ?? null,
      voiceEngine,
      provider: 'twilio',
      roomName: `Call to ${data.to}`,
    },
  });
  const paths = twilioCallbackPaths(queued.id);
  let placed: { sid: string };
  try {
    placed = await placeTwilioCall(twilio, {
      to: data.to,
      twimlUrl: `${baseUrl}${paths.twiml}`,
      statusCallbackUrl: `${baseUrl}${paths.status}`,
      timeoutMs: runtime.settings.timeoutMs,
    });
  } catch (error) {
    await ctx.prisma.voiceCall.update({ where: { id: queued.id }, data: { status: 'failed', endedAt: new Date() } });
    ctx.log.warn({ callId: queued.id, err: error }, 'Twilio rejected the call');
    throw error;
  }

  const call = await ctx.prisma.$transaction(async (tx) => {
    const updated = await tx.voiceCall.update({ where: { id: queued.id }, data: { providerCallId: placed.sid } });
    await recordEvent(tx, ctx.tenant, 'voice.call.started', {
      call_id: updated.id,
      agent_id: updated.agentId,
      to: updated.to,
      voice_engine: updated.voiceEngine,
    } satisfies VoiceCallStartedData);

    return updated;
  });
  ctx.log.info({ callId: call.id, providerCallId: placed.sid }, 'placed voice call');

  return call;
}

export async function getCall(ctx: ServiceContext, id: string | number): Promise<VoiceCall> {
  const callId = parseDatabaseId(id);
  const call = callId === undefined ? null : await ctx.prisma.voiceCall.findFirst({ where: { ...tenantWhere(ctx), id: callId } });
  if (call === null) {
    throw notFound('Voice call', id);
  }

  return call;
}

export async function describeCalls(ctx: ServiceContext, calls: VoiceCall[]): Promise<CallDetails[]> {
  const lines = await ctx.prisma.voiceUtterance.findMany({
    where: { callId: { in: calls.map((call) => call.id) } },
    orderBy: { id: 'asc' },
    select: { callId: true, speaker: true, text: true },
  });

  return calls.map((call) => ({ call, transcript: formatTranscript(lines.filter((line) => line.callId === call.id)) }));
}

export async function callDetails(ctx: ServiceContext, id: string | number): Promise<CallDetails> {
  const call = await getCall(ctx, id);

  return { call, transcript: formatTranscript(await loadTranscript(ctx.prisma, { callId: call.id })) };
}

/** Lists the tenant's calls, newest first, for offset pagination. */
export async function listCalls(ctx: ServiceContext, page: { offset: number; limit: number }) {
  const where = tenantWhere(ctx);
  const [calls, total] = await ctx.prisma.$transaction([
    ctx.prisma.voiceCall.findMany({ where, orderBy: { id: 'desc' }, skip: page.offset, take: page.limit }),
    ctx.prisma.voiceCall.count({ where }),
  ]);

  return { calls, total };
}

export function findCalls(ctx: ServiceContext, query: Prisma.VoiceCallFindManyArgs) {
  return ctx.prisma.voiceCall.findMany({ ...query, where: tenantWhere(ctx), orderBy: { id: 'desc' } });
}

export function countCalls(ctx: ServiceContext) {
  return ctx.prisma.voiceCall.count({ where: tenantWhere(ctx) });
}

export interface StatusUpdate {
  status: VoiceCallStatus;
  /** Seconds the call was connected, as the provider reports it with a final status. */
  durationSeconds: number | undefined;
  at: Date;
}

/**
 * Applies a provider's status change. Changes that would move the call back (a late
 * `ringing` after `in-progress`) and any change after a final status are ignored. The
 * final status sets the duration, meters the voice minutes (whole minutes, rounded up)
 * and fires `voice.call.ended`, once, in the same transaction.
 */
export async function applyCallStatus(
  prisma: PrismaClient,
  log: Logger,
  call: VoiceCall,
  update: StatusUpdate,
): Promise<VoiceCall> {
  if (statusRank[update.status] <= statusRank[call.status]) {
    return call;
  }
  const tenant: Tenant = { accountId: call.accountId, livemode: call.livemode };
  const final = finalStatuses.includes(update.status);

  const changed = await prisma.$transaction(async (tx) => {
    const answeredAt = update.status === 'in_progress' ? update.at : call.answeredAt;
    const measured = answeredAt === null ? 0 : Math.max(0, Math.round((update.at.getTime() - answeredAt.getTime()) / 1000));
    const durationSeconds = final ? (update.durationSeconds ?? measured) : 0;
    // The status condition makes two deliveries of one callback change the call once.
    const [updated] = await tx.voiceCall.updateManyAndReturn({
      where: { id: call.id, status: call.status },
      data: {
        status: update.status,
        answeredAt,
        ...(final ? { endedAt: update.at, durationSeconds } : {}),
      },
    });
    if (updated === undefined || !final) {
      return updated;
    }
    const minutes = Math.ceil(durationSeconds / 60);
    if (minutes > 0) {
      await meter(tx, tenant, 'voice', minutes);
      const account = await tx.account.findUnique({ where: { id: call.accountId }, select: { plan: true } });
      if (account !== null) {
        await reportThresholds(tx, tenant, account.plan as PlanTier, 'voiceMinutes', await usedThisPeriod(tx, tenant, 'voice'));
      }
    }
    await recordEvent(tx, tenant, 'voice.call.ended', {
      call_id: updated.id,
      agent_id: updated.agentId,
      status: updated.status.replace('_', '-'),
      duration_seconds: updated.durationSeconds,
    } satisfies VoiceCallEndedData);

    return updated;
  });
  if (changed === undefined) {
    const current = await prisma.voiceCall.findUniqueOrThrow({ where: { id: call.id } });

    return current.status === call.status ? current : applyCallStatus(prisma, log, current, update);
  }
  log.info({ callId: call.id, status: changed.status, durationSeconds: changed.durationSeconds }, 'voice call status changed');

  return changed;
}

/** Stores synthesised speech for the provider to fetch, and returns its id. */
export async function storeClip(prisma: PrismaClient, callId: number, audio: Buffer, contentType: string): Promise<string> {
  const id = `clip_${randomString(32)}`;
  await prisma.voiceClip.create({ data: { id, callId, audio: new Uint8Array(audio), contentType } });

  return id;
}

export async function readClip(prisma: PrismaClient, id: string) {
  const clip = /^clip_[A-Za-z0-9]{32}$/.test(id) ? await prisma.voiceClip.findUnique({ where: { id } }) : null;
  if (clip === null) {
    throw new AppError(ErrorCode.ResourceNotFound, `Audio clip ${id} was not found`);
  }

  return clip;
}
