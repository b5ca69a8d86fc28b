import { z } from 'zod';
import { AppError, ErrorCode } from '../errors.js';
import type { VoiceCall } from '../generated/prisma/client.js';
import { parsePageRequest } from '../pagination.js';
import { readText } from '../rest/body.js';
import { invertFields, mapBodyFields } from '../rest/fields.js';
import { dataResponse, pageResponse } from '../rest/responses.js';
import { publicRoute, route, type PublicRouteContext, type RouteList } from '../rest/router.js';
import { dataEnvelope, idParams, pageEnvelope, pageQuery } from '../rest/route-docs.js';
import { isoTimestamp } from '../rest/timestamps.js';
import { answeredCall, calleeSpoke } from './call-conversation.js';
import * as calls from './calls.js';
import { audioBody, callFields, callResource, startCallBody, type CallResource } from './rest-schemas.js';
import type { StartCallInput } from './schemas.js';
import { callStatusOf, hangUp, isValidTwilioSignature } from './telephony/twilio.js';

const callFieldNames = invertFields(callFields);

/** A call as REST v1 returns it; statuses keep Twilio's hyphens (`in-progress`, `no-answer`). */
export function serializeCall(details: calls.CallDetails): CallResource {
  const { call } = details;

  return {
    id: call.id,
    to: call.to,
    room_name: call.roomName,
    status: call.status.replace('_', '-'),
    duration_seconds: call.durationSeconds,
    participants: calls.callParticipants,
    voice_engine: call.voiceEngine,
    agent_id: call.agentId,
    provider: call.provider,
    transcript: details.transcript,
    created_at: isoTimestamp(call.createdAt),
    ended_at: call.endedAt === null ? null : isoTimestamp(call.endedAt),
  };
}

function twiml(xml: string): Response {
  return new Response(xml, { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' } });
}

/**
 * Reads a Twilio callback: its form parameters, after checking `X-Twilio-Signature`
 * against the URL Twilio requested, and the call it is about, which must carry the
 * callback's `CallSid`. Returns the base URL that the call's other URLs start with.
 */
async function twilioCallback(context: PublicRouteContext): Promise<{ call: VoiceCall; params: Record<string, string>; baseUrl: string }> {
  const { request, deps } = context;
  const authToken = deps.voice.settings.twilio.authToken;
  if (authToken === undefined) {
    throw new AppError(ErrorCode.ServiceUnavailable, 'Twilio callbacks cannot be checked: TWILIO_AUTH_TOKEN is not set');
  }
  const params = Object.fromEntries(new URLSearchParams(await readText(request, deps.config.maxBodyBytes)));
  const received = new URL(request.url);
  const baseUrl = deps.voice.settings.publicBaseUrl ?? received.origin;
  const signedUrl = `${baseUrl}${received.pathname}${received.search}`;
  if (!isValidTwilioSignature(authToken, request.headers.get('x-twilio-signature'), signedUrl, params)) {
    deps.log.warn({ path: received.pathname }, 'rejected a Twilio callback with an invalid signature');
    throw new AppError(ErrorCode.AuthRequired, `X-Twilio-Signature is missing or does not match ${signedUrl}`);
  }
  const callId = Number(context.params.id);
  const call = await deps.prisma.voiceCall.findFirst({ where: { id: callId, provider: 'twilio' } });
  if (call === null || call.providerCallId === null || call.providerCallId !== params.CallSid) {
    throw new AppError(ErrorCode.ResourceNotFound, `Voice call ${context.params.id} with CallSid ${params.CallSid ?? '(none)'} was not found`);
  }

  return { call, params, baseUrl };
}

const twilioForm = z.looseObject({
  CallSid: z.string(),
  AccountSid: z.string(),
  CallStatus: z.string().optional(),
}).describe("Twilio's callback parameters, form-encoded and signed with X-Twilio-Signature");

const twimlBody = z.string().describe('TwiML');

const callbackParams = z.object({ id: z.string().describe('The call id') });

export const callRoutes: RouteList = [
  route({
    method: 'POST',
    path: '/api/v1/voice/calls',
    scope: 'voice:write',
    docs: {
      operationId: 'startVoiceCall',
      summary: 'Start an outbound call',
      description:
        'Places the call through Twilio for an E.164 number; the call starts `queued` and follows Twilio\'s status callbacks. Without Twilio settings, or with an unconfigured engine, the answer is `503 service_unavailable` naming the settings.',
      tag: 'voice',
      body: startCallBody,
      response: { status: 201, description: 'The new call, queued', schema: dataEnvelope(callResource) },
      errors: ['resource_not_found', 'quota_exceeded', 'upstream_error', 'upstream_timeout'],
    },
    async handler({ body, services, deps, request }) {
      const input = mapBodyFields(await body(), callFields) as StartCallInput;
      const call = await calls.startCall(services, deps.voice, input, { origin: new URL(request.url).origin }, callFieldNames);

      return dataResponse(serializeCall({ call, transcript: '' }), 201);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/voice/calls',
    scope: 'voice:read',
    docs: {
      operationId: 'listVoiceCalls',
      summary: 'List calls',
      description: 'Newest first, one page at a time.',
      tag: 'voice',
      query: pageQuery,
      response: { status: 200, description: 'One page of calls', schema: pageEnvelope(callResource) },
      errors: [],
    },
    async handler({ query, services }) {
      const page = parsePageRequest(query);
      const result = await calls.listCalls(services, { offset: page.offset, limit: page.perPage });

      return pageResponse((await calls.describeCalls(services, result.calls)).map(serializeCall), result.total, page);
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/voice/calls/:id',
    scope: 'voice:read',
    docs: {
      operationId: 'getVoiceCall',
      summary: "Fetch a call's details",
      tag: 'voice',
      params: idParams,
      response: { status: 200, description: 'The call', schema: dataEnvelope(callResource) },
      errors: ['resource_not_found'],
    },
    async handler({ params, services }) {
      return dataResponse(serializeCall(await calls.callDetails(services, params.id!)));
    },
  }),
  publicRoute({
    method: 'POST',
    path: '/api/v1/voice/twilio/calls/:id/status',
    docs: {
      operationId: 'receiveTwilioCallStatus',
      summary: 'Twilio status callback',
      description: 'Twilio posts each status change of a call here, signed with the auth token.',
      tag: 'voice',
      params: callbackParams,
      body: twilioForm,
      bodyMediaTypes: ['application/x-www-form-urlencoded'],
      response: { status: 200, description: 'Empty TwiML', schema: twimlBody, mediaType: 'text/xml' },
      errors: ['auth_required', 'resource_not_found'],
    },
    async handler(context) {
      const { call, params } = await twilioCallback(context);
      const status = callStatusOf(params.CallStatus);
      if (status === undefined) {
        throw new AppError(ErrorCode.ValidationError, `CallStatus ${JSON.stringify(params.CallStatus)} is not a Twilio call status`);
      }
      const duration = params.CallDuration === undefined ? undefined : Number.parseInt(params.CallDuration, 10);
      await calls.applyCallStatus(context.deps.prisma, context.deps.log, call, {
        status,
        durationSeconds: duration !== undefined && Number.isFinite(duration) && duration >= 0 ? duration : undefined,
        at: new Date(),
      });

      return twiml('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    },
  }),
  publicRoute({
    method: 'POST',
    path: '/api/v1/voice/twilio/calls/:id/twiml',
    docs: {
      operationId: 'answerTwilioCall',
      summary: 'TwiML of an answered call',
      description: "Twilio fetches the call's first instructions here once the callee answers.",
      tag: 'voice',
      params: callbackParams,
      body: twilioForm,
      bodyMediaTypes: ['application/x-www-form-urlencoded'],
      response: { status: 200, description: "The agent's greeting and a speech gather", schema: twimlBody, mediaType: 'text/xml' },
      errors: ['auth_required', 'resource_not_found'],
    },
    async handler(context) {
      const { call, baseUrl } = await twilioCallback(context);
      const { deps } = context;
      if (calls.finalStatuses.includes(call.status)) {
        return twiml(hangUp());
      }
      const answered = await calls.applyCallStatus(deps.prisma, deps.log, call, { status: 'in_progress', durationSeconds: undefined, at: new Date() });

      return twiml(await speakOrHangUp(context, call.id, () => answeredCall(deps, answered, baseUrl)));
    },
  }),
  publicRoute({
    method: 'POST',
    path: '/api/v1/voice/twilio/calls/:id/gather',
    docs: {
      operationId: 'continueTwilioCall',
      summary: 'Speech gathered on a call',
      description: "Twilio posts what the callee said (`SpeechResult`) here and plays the agent's answer.",
      tag: 'voice',
      params: callbackParams,
      body: twilioForm,
      bodyMediaTypes: ['application/x-www-form-urlencoded'],
      response: { status: 200, description: "The agent's answer and the next gather", schema: twimlBody, mediaType: 'text/xml' },
      errors: ['auth_required', 'resource_not_found'],
    },
    async handler(context) {
      const { call, params, baseUrl } = await twilioCallback(context);

      return twiml(await speakOrHangUp(context, call.id, () => calleeSpoke(context.deps, call, baseUrl, params.SpeechResult)));
    },
  }),
  publicRoute({
    method: 'GET',
    path: '/api/v1/voice/clips/:id',
    docs: {
      operationId: 'getVoiceClip',
      summary: 'Speech of a call',
      description: 'The telephony provider fetches the agent\'s synthesised speech here; the id is random and unguessable.',
      tag: 'voice',
      params: z.object({ id: z.string().describe('The clip id') }),
      response: { status: 200, description: 'A WAV file', schema: audioBody, mediaType: 'audio/wav' },
      errors: ['resource_not_found'],
    },
    async handler({ params, deps }) {
      const clip = await calls.readClip(deps.prisma, params.id!);

      return new Response(new Uint8Array(clip.audio), { status: 200, headers: { 'content-type': clip.contentType } });
    },
  }),
];

/**
 * Runs one conversation step. The callee hears nothing useful from an error page, so a
 * step that fails (no model provider, an engine down) is logged and the call hangs up.
 */
async function speakOrHangUp(context: PublicRouteContext, callId: number, step: () => Promise<string>): Promise<string> {
  try {
    return await step();
  } catch (error) {
    context.deps.log.error({ err: error, callId }, 'voice call step failed, so the call hangs up');

    return hangUp();
  }
}
