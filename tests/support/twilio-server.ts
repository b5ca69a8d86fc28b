import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import twilio from 'twilio';

/**
 * A loopback stand-in for Twilio's Programmable Voice API. It serves
 * `POST /2010-04-01/Accounts/{AccountSid}/Calls.json` (HTTP Basic with the account SID
 * and auth token, form parameters To, From, Url, StatusCallback, StatusCallbackEvent)
 * and returns a call resource in JSON. The test then plays the far end: it sends
 * the status callbacks and fetches the TwiML, each form-encoded and signed with
 * `X-Twilio-Signature` as Twilio signs them.
 */
export interface TwilioServer {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  fromNumber: string;
  calls: PlacedCall[];
  /** Makes the next Calls.json request fail with this HTTP status and a Twilio error body. */
  failNext(status: number, message: string): void;
  /** Sends a signed status callback and returns the HTTP status of the response. */
  sendStatus(call: PlacedCall, status: string, extra?: Record<string, string>): Promise<number>;
  /** Posts signed parameters to `url` and returns the TwiML answer parsed. */
  requestTwiml(call: PlacedCall, url: string, extra?: Record<string, string>): Promise<TwimlResult>;
  close(): Promise<void>;
}

export interface PlacedCall {
  sid: string;
  params: URLSearchParams;
  authorization: string | undefined;
}

export interface TwimlResult {
  status: number;
  contentType: string | null;
  xml: string;
  /** URLs of `<Play>` verbs, in order. */
  plays: string[];
  /** The `action` of a `<Gather>`, if the TwiML has one. */
  gatherAction: string | undefined;
  gatherInput: string | undefined;
  hangsUp: boolean;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'Play' });

function parseTwiml(xml: string): Omit<TwimlResult, 'status' | 'contentType' | 'xml'> {
  const document = parser.parse(xml) as { Response?: Record<string, any> | '' };
  const response = typeof document.Response === 'object' ? document.Response : {};
  const plays = ((response.Play ?? []) as (string | { '#text': string })[]).map((play) => (typeof play === 'string' ? play : play['#text']));

  return {
    plays,
    gatherAction: response.Gather?.action,
    gatherInput: response.Gather?.input,
    hangsUp: 'Hangup' in response,
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }

  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

export async function startTwilioServer(): Promise<TwilioServer> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const fromNumber = '+15005550006';
  const calls: PlacedCall[] = [];
  let failure: { status: number; message: string } | undefined;
  const sequence = new Map<string, number>();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://twilio');
    const body = await readBody(request);
    if (request.method !== 'POST' || url.pathname !== `/2010-04-01/Accounts/${accountSid}/Calls.json`) {
      sendJson(response, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });

      return;
    }
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      sendJson(response, 401, { code: 20003, message: 'Authenticate', status: 401 });

      return;
    }
    const params = new URLSearchParams(body);
    if (failure !== undefined) {
      const { status, message } = failure;
      failure = undefined;
      sendJson(response, status, { code: 21211, message, status });

      return;
    }
    for (const name of ['To', 'From', 'Url']) {
      if (!params.has(name)) {
        sendJson(response, 400, { code: 21201, message: `Required parameter "${name}" missing.`, status: 400 });

        return;
      }
    }
    const sid = `CA${randomBytes(16).toString('hex')}`;
    calls.push({ sid, params, authorization: request.headers.authorization });
    sendJson(response, 201, {
      sid,
      account_sid: accountSid,
      to: params.get('To'),
      from: params.get('From'),
      status: 'queued',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`,
    });
  }

  function callParams(call: PlacedCall, extra: Record<string, string>): Record<string, string> {
    return {
      AccountSid: accountSid,
      CallSid: call.sid,
      From: call.params.get('From')!,
      To: call.params.get('To')!,
      Direction: 'outbound-api',
      ApiVersion: '2010-04-01',
      ...extra,
    };
  }

  async function post(url: string, params: Record<string, string>) {
    const signature = twilio.getExpectedTwilioSignature(authToken, url, params);

    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendJson(response, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    fromNumber,
    calls,
    failNext(status, message) {
      failure = { status, message };
    },
    async sendStatus(call, status, extra = {}) {
      const next = (sequence.get(call.sid) ?? -1) + 1;
      sequence.set(call.sid, next);
      const params = callParams(call, { CallStatus: status, SequenceNumber: String(next), Timestamp: new Date().toUTCString(), ...extra });
      const response = await post(call.params.get('StatusCallback')!, params);
      await response.arrayBuffer();

      return response.status;
    },
    async requestTwiml(call, url, extra = {}) {
      const response = await post(url, callParams(call, { CallStatus: 'in-progress', ...extra }));
      const xml = await response.text();

      return {
        status: response.status,
        contentType: response.headers.get('content-type'),
        xml,
        ...(response.ok ? parseTwiml(xml) : { plays: [], gatherAction: undefined, gatherInput: undefined, hangsUp: false }),
      };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
