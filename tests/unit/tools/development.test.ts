import { describe, expect, it } from 'vitest';
import { developmentTools } from '../../../src/tools/builtin/development.js';
import { regexpTimeLimitMs } from '../../../src/tools/builtin/shared/regexp-sandbox.js';
import { runTool } from '../../support/tools.js';

function tool(name: string) {
  const found = developmentTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no development tool named ${name}`);
  }

  return found;
}

describe('regex_test', () => {
  const regexTest = tool('regex_test');

  it('lists matches with groups', async () => {
    const result = await runTool(regexTest, {
      pattern: '(?<year>\\d{4})-(\\d{2})',
      text: 'from 2024-03 to 2025-11 and 1999',
      replacement: '$2/$<year>',
    });

    expect(result).toEqual({
      matched: true,
      match_count: 2,
      matches: [
        { match: '2024-03', index: 5, end: 12, groups: ['2024', '03'], named_groups: { year: '2024' } },
        { match: '2025-11', index: 16, end: 23, groups: ['2025', '11'], named_groups: { year: '2025' } },
      ],
      truncated: false,
      replaced: 'from 03/2024 to 11/2025 and 1999',
    });
  });

  it('returns one match without g', async () => {
    const result = await runTool(regexTest, { pattern: 'o', flags: '', text: 'foo boo' });

    expect(result.matches).toEqual([{ match: 'o', index: 1, end: 2, groups: [], named_groups: null }]);
  });

  it('steps past empty matches', async () => {
    const result = await runTool(regexTest, { pattern: 'x*', text: 'axb' });

    expect(result.matches).toEqual([
      { match: '', index: 0, end: 0, groups: [], named_groups: null },
      { match: 'x', index: 1, end: 2, groups: [], named_groups: null },
      { match: '', index: 2, end: 2, groups: [], named_groups: null },
      { match: '', index: 3, end: 3, groups: [], named_groups: null },
    ]);
  });

  it('reports unmatched groups as null', async () => {
    const result = await runTool(regexTest, { pattern: '(a)|(b)', flags: '', text: 'b' });

    expect(result.matches).toEqual([{ match: 'b', index: 0, end: 1, groups: [null, 'b'], named_groups: null }]);
  });

  it('honours flags', async () => {
    const result = await runTool(regexTest, { pattern: '^hello$', flags: 'gim', text: 'Hello\nhello\nhelp' });

    expect(result.match_count).toBe(2);
    expect((result.matches as { index: number }[]).map((match) => match.index)).toEqual([0, 6]);
  });

  it('stops at max_matches', async () => {
    const result = await runTool(regexTest, { pattern: '.', text: 'abcdef', max_matches: 3 });

    expect(result.match_count).toBe(3);
    expect(result.truncated).toBe(true);
  });

  it('reports no match', async () => {
    const result = await runTool(regexTest, { pattern: 'z', text: 'abc' });

    expect(result).toEqual({ matched: false, match_count: 0, matches: [], truncated: false, replaced: null });
  });

  it('stops catastrophic backtracking', async () => {
    const started = performance.now();

    await expect(runTool(regexTest, { pattern: '(a+)+$', text: `${'a'.repeat(40)}b` })).rejects.toMatchObject({
      code: 'tool_error',
      message: expect.stringContaining(`timed out after the time limit of ${regexpTimeLimitMs} ms`),
    });
    expect(performance.now() - started).toBeLessThan(regexpTimeLimitMs + 2_000);
  });

  it('rejects an invalid pattern', async () => {
    await expect(runTool(regexTest, { pattern: '(', text: 'x' })).rejects.toThrow(
      'pattern is not a valid regular expression: Invalid regular expression: /(/g: Unterminated group',
    );
  });

  it('rejects repeated flags', async () => {
    await expect(runTool(regexTest, { pattern: 'a', flags: 'gg', text: 'x' })).rejects.toThrow(
      "pattern is not a valid regular expression: Invalid flags supplied to RegExp constructor 'gg'",
    );
  });

  it('rejects unknown flags', async () => {
    await expect(runTool(regexTest, { pattern: 'a', flags: 'x', text: 'x' })).rejects.toMatchObject({
      details: [{ field: 'args.flags', message: 'must match pattern "^[dgimsuvy]*$"' }],
    });
  });
});

describe('json_schema_validate', () => {
  const jsonSchemaValidate = tool('json_schema_validate');

  it('lists every error path', async () => {
    const result = await runTool(jsonSchemaValidate, {
      schema: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 2 },
          age: { type: 'integer', minimum: 0 },
          email: { type: 'string', format: 'email' },
          tags: { type: 'array', items: { type: 'string' } },
        },
        required: ['name', 'id'],
        additionalProperties: false,
      },
      data: { name: 'A', age: -1, email: 'nope', tags: ['ok', 3], extra: true },
    });

    expect(result).toEqual({
      valid: false,
      draft: '2020-12',
      error_count: 6,
      errors: [
        {
          path: '/',
          keyword: 'required',
          message: "must have required property 'id'",
          schema_path: '#/required',
          params: { missingProperty: 'id' },
        },
        {
          path: '/',
          keyword: 'additionalProperties',
          message: 'must NOT have additional properties',
          schema_path: '#/additionalProperties',
          params: { additionalProperty: 'extra' },
        },
        {
          path: '/name',
          keyword: 'minLength',
          message: 'must NOT have fewer than 2 characters',
          schema_path: '#/properties/name/minLength',
          params: { limit: 2 },
        },
        {
          path: '/age',
          keyword: 'minimum',
          message: 'must be >= 0',
          schema_path: '#/properties/age/minimum',
          params: { comparison: '>=', limit: 0 },
        },
        {
          path: '/email',
          keyword: 'format',
          message: 'must match format "email"',
          schema_path: '#/properties/email/format',
          params: { format: 'email' },
        },
        {
          path: '/tags/1',
          keyword: 'type',
          message: 'must be string',
          schema_path: '#/properties/tags/items/type',
          params: { type: 'string' },
        },
      ],
    });
  });

  it('accepts valid data', async () => {
    const result = await runTool(jsonSchemaValidate, {
      schema: { type: 'array', prefixItems: [{ const: 'id' }], items: { type: 'integer' } },
      data: ['id', 1, 2],
    });

    expect(result).toEqual({ valid: true, draft: '2020-12', error_count: 0, errors: [] });
  });

  it('follows the declared draft-07', async () => {
    const result = await runTool(jsonSchemaValidate, {
      schema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'array',
        items: [{ type: 'string' }],
        additionalItems: false,
      },
      data: ['a', 1],
    });

    expect(result.draft).toBe('draft-07');
    expect(result.errors).toEqual([
      {
        path: '/',
        keyword: 'additionalItems',
        message: 'must NOT have more than 1 items',
        schema_path: '#/additionalItems',
        params: { limit: 1 },
      },
    ]);
  });

  it('checks patternProperties in the sandbox', async () => {
    const result = await runTool(jsonSchemaValidate, {
      schema: { type: 'object', patternProperties: { '^x-': { type: 'number' } } },
      data: { 'x-a': 'no', y: 1 },
    });

    expect(result.errors).toEqual([
      {
        path: '/x-a',
        keyword: 'type',
        message: 'must be number',
        schema_path: '#/patternProperties/%5Ex-/type',
        params: { type: 'number' },
      },
    ]);
  });

  it('keeps distinct patterns apart', async () => {
    const result = await runTool(jsonSchemaValidate, {
      schema: {
        type: 'object',
        properties: { a: { type: 'string', pattern: '^a+$' }, b: { type: 'string', pattern: '^b+$' } },
      },
      data: { a: 'aaa', b: 'aaa' },
    });

    expect(result.errors).toEqual([
      {
        path: '/b',
        keyword: 'pattern',
        message: 'must match pattern "^b+$"',
        schema_path: '#/properties/b/pattern',
        params: { pattern: '^b+$' },
      },
    ]);
  });

  it('stops a catastrophic pattern', async () => {
    await expect(
      runTool(jsonSchemaValidate, { schema: { type: 'string', pattern: '^(a+)+$' }, data: `${'a'.repeat(40)}b` }),
    ).rejects.toThrow(`timed out after the time limit of ${regexpTimeLimitMs} ms`);
  });

  it('rejects an invalid schema', async () => {
    await expect(runTool(jsonSchemaValidate, { schema: { type: 'strin' }, data: 'a' })).rejects.toThrow(
      'schema is not a valid 2020-12 JSON Schema: schema/type must be equal to one of the allowed values',
    );
  });

  it('rejects an unresolvable $ref', async () => {
    await expect(runTool(jsonSchemaValidate, { schema: { $ref: '#/$defs/missing' }, data: 'a' })).rejects.toThrow(
      "schema cannot be compiled: can't resolve reference #/$defs/missing from id #",
    );
  });

  it('rejects draft-04', async () => {
    await expect(
      runTool(jsonSchemaValidate, { schema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'string' }, data: 'a' }),
    ).rejects.toThrow('use draft-07, 2019-09 or 2020-12');
  });
});

describe('base64_encode', () => {
  const base64Encode = tool('base64_encode');

  it('encodes the RFC 4648 vectors', async () => {
    // RFC 4648 section 10.
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [input, base64] of vectors) {
      const result = await runTool(base64Encode, { input });

      expect(result, input).toEqual({ base64, variant: 'standard', bytes: input.length });
    }
  });

  it('encodes the URL-safe alphabet', async () => {
    const result = await runTool(base64Encode, { input: 'hello?>', variant: 'url' });

    expect(result).toEqual({ base64: 'aGVsbG8_Pg', variant: 'url', bytes: 7 });
  });

  it('encodes hex bytes', async () => {
    const result = await runTool(base64Encode, { input: 'fbff', input_encoding: 'hex' });

    expect(result).toEqual({ base64: '+/8=', variant: 'standard', bytes: 2 });
  });

  it('rejects invalid hex', async () => {
    await expect(runTool(base64Encode, { input: 'xyz', input_encoding: 'hex' })).rejects.toThrow('input is not hex');
  });
});

describe('base64_decode', () => {
  const base64Decode = tool('base64_decode');

  it('decodes to text', async () => {
    const result = await runTool(base64Decode, { base64: 'Zm9vYmFy' });

    expect(result).toEqual({ text: 'foobar', bytes: 6 });
  });

  it('decodes either alphabet without padding', async () => {
    const standard = await runTool(base64Decode, { base64: 'aGVsbG8/Pg==' });
    const url = await runTool(base64Decode, { base64: 'aGVsbG8_Pg' });

    expect(standard).toEqual({ text: 'hello?>', bytes: 7 });
    expect(url).toEqual({ text: 'hello?>', bytes: 7 });
  });

  it('decodes to hex', async () => {
    const result = await runTool(base64Decode, { base64: '+/8=', output_encoding: 'hex' });

    expect(result).toEqual({ hex: 'fbff', bytes: 2 });
  });

  it('rejects bytes that are not UTF-8', async () => {
    await expect(runTool(base64Decode, { base64: '/w==' })).rejects.toThrow(
      'the decoded bytes are not valid UTF-8 text; set output_encoding to hex',
    );
  });

  it('rejects characters outside the alphabet', async () => {
    await expect(runTool(base64Decode, { base64: 'ab*c' })).rejects.toThrow('base64 is not valid base64');
  });

  it('rejects an impossible length', async () => {
    await expect(runTool(base64Decode, { base64: 'abcde' })).rejects.toThrow('base64 is not valid base64');
  });
});

describe('json_format', () => {
  const jsonFormat = tool('json_format');

  it('pretty-prints with sorted keys', async () => {
    const result = await runTool(jsonFormat, { json: '{"b":1,"a":[3,{"d":1,"c":2}]}', sort_keys: true });

    expect(result).toEqual({
      formatted: '{\n  "a": [\n    3,\n    {\n      "c": 2,\n      "d": 1\n    }\n  ],\n  "b": 1\n}',
      bytes: 72,
    });
  });

  it('minifies at indent 0', async () => {
    const result = await runTool(jsonFormat, { json: '{ "a" : [ 1, 2 ] }', indent: 0 });

    expect(result).toEqual({ formatted: '{"a":[1,2]}', bytes: 11 });
  });

  it('keeps key order by default', async () => {
    const result = await runTool(jsonFormat, { json: '{"b":1,"a":2}', indent: 4 });

    expect(result.formatted).toBe('{\n    "b": 1,\n    "a": 2\n}');
  });

  it('rejects invalid JSON', async () => {
    await expect(runTool(jsonFormat, { json: '{"a":}' })).rejects.toThrow('json is not valid JSON: Unexpected token');
  });
});
