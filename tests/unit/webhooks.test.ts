import { createHmac } from 'node:crypto';
import { verify } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { verifyAndParse, verifySignature, WebhookVerificationError } from '../../clients/typescript/src/webhooks.js';
import { retryDelayMs } from '../../src/webhooks/queue.js';
import { signWebhookBody, webhookBody, webhookTimestamp } from '../../src/webhooks/signature.js';

const secret = 'whsec_0123456789abcdefABCDEF0123456789';
const body = webhookBody({
  id: 'evt_0123456789abcdef01234567',
  type: 'agent.deployed',
  createdAt: new Date('2026-03-04T15:30:00.123Z'),
  data: { agent_id: 42, agent_name: 'Support Bot ✓', fleet_id: 7, status: 'working' },
});

describe('webhook body', () => {
  it('has the contract fields in order', () => {
    expect(body).toBe(
      '{"id":"evt_0123456789abcdef01234567","event":"agent.deployed","timestamp":"2026-03-04T15:30:00+00:00",' +
        '"data":{"agent_id":42,"agent_name":"Support Bot ✓","fleet_id":7,"status":"working"}}',
    );
    expect(webhookTimestamp(new Date('2026-01-02T03:04:05.999Z'))).toBe('2026-01-02T03:04:05+00:00');
  });
});

describe('webhook signature', () => {
  const signature = signWebhookBody(body, secret);

  it('signs the UTF-8 bytes with HMAC-SHA256', async () => {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex');
    expect(signature).toBe(`sha256=${expected}`);
    expect(await verify(secret, body, signature)).toBe(true);
    expect(verifySignature(body, signature, secret)).toBe(true);
    expect(verifySignature(Buffer.from(body, 'utf8'), signature, secret)).toBe(true);
    expect(verifySignature(body, signature.toUpperCase().replace('SHA256=', 'sha256='), secret)).toBe(true);
    expect(verifySignature(body, [signature], secret)).toBe(true);
  });

  it('returns false for malformed headers without throwing', () => {
    const digest = signature.slice('sha256='.length);
    const malformed = [
      'sha256=abcd',
      'sha256=',
      `sha256=${digest.slice(0, 63)}`,
      `sha256=${digest}0`,
      `sha256=${digest.slice(0, 63)}é`,
      `sha256=${digest.slice(0, 62)}✓`,
      `sha1=${digest}`,
      digest,
      `sha256=${'z'.repeat(64)}`,
      ' ',
      '',
    ];
    for (const header of malformed) {
      expect(verifySignature(body, header, secret), JSON.stringify(header)).toBe(false);
      expect(() => verifyAndParse(body, header, secret), JSON.stringify(header)).toThrow(WebhookVerificationError);
    }
    expect(verifySignature(body, null, secret)).toBe(false);
    expect(verifySignature(body, [signature, signature], secret)).toBe(false);
    expect(verifySignature(body, signature, '')).toBe(false);
  });

  it('rejects a correctly signed body that is not a payload', () => {
    const notJson = 'not json';
    expect(() => verifyAndParse(notJson, signWebhookBody(notJson, secret), secret)).toThrow(/not valid JSON/);
    const noData = '{"id":"evt_1","event":"agent.created","timestamp":"2026-03-04T15:30:00+00:00"}';
    expect(() => verifyAndParse(noData, signWebhookBody(noData, secret), secret)).toThrow(/lacks/);
  });

  it('parses a verified payload', () => {
    const payload = verifyAndParse<{ agent_id: number }>(body, signature, secret);
    expect(payload.event).toBe('agent.deployed');
    expect(payload.data.agent_id).toBe(42);
  });
});

describe('retry schedule', () => {
  const defaults = { maxAttempts: 12, baseDelayMs: 60_000, maxDelayMs: 8 * 3_600_000 };

  it('doubles the delay up to the cap, with jitter of 20 percent', () => {
    expect(retryDelayMs(1, defaults, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(2, defaults, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(11, defaults, () => 0.5)).toBe(8 * 3_600_000);
    expect(retryDelayMs(40, defaults, () => 0.5)).toBe(8 * 3_600_000);
    expect(retryDelayMs(1, defaults, () => 0)).toBe(48_000);
    expect(retryDelayMs(1, defaults, () => 0.999_999)).toBe(72_000);
  });

  it('spans about a day with the default settings', () => {
    let total = 0;
    for (let attempt = 1; attempt < defaults.maxAttempts; attempt += 1) {
      total += retryDelayMs(attempt, defaults, () => 0.5);
    }
    const hours = total / 3_600_000;
    expect(hours).toBeGreaterThan(20);
    expect(hours).toBeLessThan(30);
  });
});
