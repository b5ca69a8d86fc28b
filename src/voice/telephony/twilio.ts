import twilio from 'twilio';
import { AppError, ErrorCode } from '../../errors.js';
import type { VoiceCallStatus } from '../../generated/prisma/enums.js';
import { fetchFromProvider, joinUrl } from '../engines/http.js';

export interface TwilioSettings {
  accountSid: string | undefined;
  authToken: string | undefined;
  /** The caller id: a Twilio number of the account in E.164. */
  fromNumber: string | undefined;
  /** `https://api.twilio.com` unless an operator routes through a proxy. */
  apiBaseUrl: string;
}

export interface ConfiguredTwilio {
  accountSid: string;
  authToken: string;
  fromNumber: string;
  apiBaseUrl: string;
}

/** Lists the settings still missing before calls to phone numbers can be placed. */
export function missingTwilioSettings(settings: TwilioSettings): string[] {
  return [
    ...(settings.accountSid === undefined ? ['TWILIO_ACCOUNT_SID'] : []),
    ...(settings.authToken === undefined ? ['TWILIO_AUTH_TOKEN'] : []),
    ...(settings.fromNumber === undefined ? ['TWILIO_FROM_NUMBER'] : []),
  ];
}

export interface PlaceCallRequest {
  to: string;
  /** URL of the TwiML that Twilio fetches once the callee picks up. */
  twimlUrl: string;
  /** URL that receives the call's status changes. */
  statusCallbackUrl: string;
  timeoutMs: number;
}

/**
 * Places an outbound call with Twilio's REST API, `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`,
 * authenticated with the account SID and auth token. Status callbacks are asked for every
 * change (initiated, ringing, answered, completed) and are signed with the auth token.
 */
export async function placeTwilioCall(settings: ConfiguredTwilio, request: PlaceCallRequest): Promise<{ sid: string; status: string }> {
  const form = new URLSearchParams({
    To: request.to,
    From: settings.fromNumber,
    Url: request.twimlUrl,
    Method: 'POST',
    StatusCallback: request.statusCallbackUrl,
    StatusCallbackMethod: 'POST',
  });
  for (const event of ['initiated', 'ringing', 'answered', 'completed']) {
    form.append('StatusCallbackEvent', event);
  }
  const path = `2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Calls.json`;
  const { body } = await fetchFromProvider('Twilio', joinUrl(settings.apiBaseUrl, path), {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form.toString(),
    timeoutMs: request.timeoutMs,
  });
  let call: { sid?: unknown; status?: unknown };
  try {
    call = JSON.parse(body.toString('utf8')) as typeof call;
  } catch {
    call = {};
  }
  if (typeof call.sid !== 'string' || call.sid === '') {
    throw new AppError(ErrorCode.UpstreamError, 'Twilio accepted the call without returning its sid');
  }

  return { sid: call.sid, status: typeof call.status === 'string' ? call.status : 'queued' };
}

/**
 * Checks `X-Twilio-Signature`: Twilio signs the full URL it requested followed by the
 * sorted form parameters, with HMAC-SHA1 keyed by the auth token.
 */
export function isValidTwilioSignature(authToken: string, signature: string | null, url: string, params: Record<string, string>): boolean {
  return signature !== null && twilio.validateRequest(authToken, signature, url, params);
}

const statusByTwilioName: Record<string, VoiceCallStatus> = {
  queued: 'queued',
  initiated: 'queued',
  ringing: 'ringing',
  'in-progress': 'in_progress',
  answered: 'in_progress',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no_answer',
  failed: 'failed',
  canceled: 'canceled',
};

/** Maps Twilio's `CallStatus` to ours; `undefined` for a name Twilio does not send. */
export function callStatusOf(twilioStatus: string | undefined): VoiceCallStatus | undefined {
  return twilioStatus === undefined ? undefined : statusByTwilioName[twilioStatus];
}

/** TwiML that plays `clipUrl`, then listens for speech and posts it to `gatherUrl`. */
export function playAndListen(clipUrl: string, gatherUrl: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.play(clipUrl);
  response.gather({ input: ['speech'], action: gatherUrl, method: 'POST', speechTimeout: 'auto' });
  // Twilio reaches this verb only when the gather heard no speech, and the gather
  // action hangs up on a request without speech.
  response.redirect({ method: 'POST' }, gatherUrl);

  return response.toString();
}

/** TwiML that plays `clipUrl` and hangs up. */
export function playAndHangUp(clipUrl: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.play(clipUrl);
  response.hangup();

  return response.toString();
}

/** TwiML that hangs up at once, for a call that has ended on our side. */
export function hangUp(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();

  return response.toString();
}
