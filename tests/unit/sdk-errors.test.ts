import { describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthError,
  errorForStatus,
  NotFoundError,
  parseRetryAfter,
  PermissionError,
  RateLimitError,
  ServerError,
  ValidationError,
} from '../../clients/typescript/src/errors.js';
import { backoffDelay } from '../../clients/typescript/src/transport.js';

const retry = { maxRetries: 5, initialDelayMs: 500, maxDelayMs: 8000, maxRetryAfterSeconds: 60 };

describe('SDK backoff', () => {
  it('doubles per attempt up to the maximum', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, retry, () => 1));

    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('jitters between half and all of the ceiling', () => {
    expect(backoffDelay(3, retry, () => 0)).toBe(1000);
    expect(backoffDelay(3, retry, () => 0.5)).toBe(1500);
    for (let sample = 0; sample < 200; sample += 1) {
      const delay = backoffDelay(2, retry);
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(1000);
    }
  });
});

describe('SDK Retry-After parsing', () => {
  const now = Date.parse('2026-03-04T12:00:00Z');

  it.each([
    ['30', 30],
    [' 7 ', 7],
    ['0', 0],
    ['Wed, 04 Mar 2026 12:00:45 GMT', 45],
    ['Wed, 04 Mar 2026 11:59:00 GMT', 0],
  ])('reads %j as %d seconds', (header, seconds) => {
    expect(parseRetryAfter(header, now)).toBe(seconds);
  });

  it.each([null, '', 'soon', '-5', '1.5'])('ignores %j', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});

describe('SDK error classes', () => {
  const options = { code: 'some_code', requestId: 'req-1' };

  it.each([
    [400, ValidationError],
    [401, AuthError],
    [403, PermissionError],
    [404, NotFoundError],
    [429, RateLimitError],
    [500, ServerError],
    [502, ServerError],
    [503, ServerError],
    [409, ApiError],
    [413, ApiError],
  ])('maps status %d', (status, errorClass) => {
    const error = errorForStatus('failed', { ...options, status });

    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.name).toBe(errorClass.name);
    expect(error.status).toBe(status);
    expect(error.code).toBe('some_code');
    expect(error.requestId).toBe('req-1');
  });

  it('gives RateLimitError the Retry-After in seconds', () => {
    const error = errorForStatus('slow down', { ...options, status: 429, headers: new Headers({ 'retry-after': '12' }) });

    expect((error as RateLimitError).retryAfter).toBe(12);
  });

  it('gives ValidationError its field details', () => {
    const details = [{ field: 'agent_name', message: 'must not be empty' }];
    const error = errorForStatus('invalid', { ...options, status: 400, details });

    expect((error as ValidationError).details).toEqual(details);
  });
});
