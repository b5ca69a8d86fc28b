import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import type { InputSchema } from '../../../src/tools/definition.js';
import { validateArguments } from '../../../src/tools/engine.js';

const eitherAOrB = {
  type: 'object',
  oneOf: [
    { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false },
    { type: 'object', properties: { b: { type: 'string' } }, required: ['b'], additionalProperties: false },
  ],
} as unknown as InputSchema;

const bothParts = {
  type: 'object',
  allOf: [
    { type: 'object', properties: { t1: { type: 'string' } } },
    { type: 'object', properties: { t2: { type: 'number' } } },
  ],
} as unknown as InputSchema;

function rejection(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('argument schemas with alternatives', () => {
  it('accepts the second oneOf branch unchanged', () => {
    const args = { b: 'foo' };

    expect(validateArguments(eitherAOrB, args)).toEqual({ b: 'foo' });
    expect(args).toEqual({ b: 'foo' });
  });

  it('accepts the first oneOf branch unchanged', () => {
    expect(validateArguments(eitherAOrB, { a: 'x' })).toEqual({ a: 'x' });
  });

  it('rejects input matching no oneOf branch alone', () => {
    const error = rejection(() => validateArguments(eitherAOrB, { a: 'x', b: 'y' }));

    expect(error.status).toBe(400);
    expect(error.details?.length).toBeGreaterThan(0);
  });

  it('keeps every allOf property', () => {
    expect(validateArguments(bothParts, { t1: 'test', t2: 123 })).toEqual({ t1: 'test', t2: 123 });
  });

  it('applies no defaults from a failing branch', () => {
    const withDefaults = {
      type: 'object',
      anyOf: [
        { type: 'object', properties: { a: { type: 'string' }, mode: { type: 'string', default: 'a-mode' } }, required: ['a'] },
        { type: 'object', properties: { b: { type: 'string' } }, required: ['b'] },
      ],
    } as unknown as InputSchema;

    expect(validateArguments(withDefaults, { b: 'x' })).toEqual({ b: 'x' });
  });
});
