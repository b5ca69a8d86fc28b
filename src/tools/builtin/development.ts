import { Script } from 'node:vm';
import { Ajv, type ErrorObject } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';
import { createSandboxedRegExpEngine, runInRegExpSandbox } from './shared/regexp-sandbox.js';

interface RegexTestArgs {
  pattern: string;
  flags: string;
  text: string;
  max_matches: number;
  replacement?: string;
}

interface RegexTestResult {
  matched: boolean;
  match_count: number;
  matches: {
    match: string;
    index: number;
    end: number;
    groups: (string | null)[];
    named_groups: Record<string, string | null> | null;
  }[];
  truncated: boolean;
  replaced: string | null;
}

// Runs inside the sandbox. Without the g flag only the first match is reported, as
// RegExp.prototype.exec does. With it, matchAll steps past empty matches by itself.
const regexTestScript = new Script(`
  (() => {
    const { pattern, flags, text, maxMatches, replacement } = input;
    const regexp = new RegExp(pattern, flags);
    const describe = (match) => ({
      match: match[0],
      index: match.index,
      end: match.index + match[0].length,
      groups: match.slice(1).map((group) => (group === undefined ? null : group)),
      named_groups: match.groups === undefined
        ? null
        : Object.fromEntries(Object.entries(match.groups).map(([name, value]) => [name, value === undefined ? null : value])),
    });
    const matches = [];
    let truncated = false;
    if (regexp.global) {
      for (const match of text.matchAll(regexp)) {
        if (matches.length === maxMatches) {
          truncated = true;
          break;
        }
        matches.push(describe(match));
      }
    } else {
      const match = regexp.exec(text);
      if (match !== null) {
        matches.push(describe(match));
      }
    }
    const replaced = replacement === null ? null : text.replace(new RegExp(pattern, flags), replacement);
    return JSON.stringify({ matched: matches.length > 0, match_count: matches.length, matches, truncated, replaced });
  })()
`);

const regexTest = defineTool<RegexTestArgs>({
  name: 'regex_test',
  description:
    'Run a JavaScript regular expression against a text and return every match with its position and groups, and optionally the text with replacements',
  category: 'development',
  tier: 'free',
  tags: ['regex', 'regexp', 'match', 'test'],
  inputSchema: {
    type: 'object',
    properties: {
      pattern: { type: 'string', minLength: 1, maxLength: 1000, description: 'Regular expression source, without slashes' },
      flags: {
        type: 'string',
        pattern: '^[dgimsuvy]*$',
        maxLength: 8,
        default: 'g',
        description: 'JavaScript RegExp flags; without g only the first match is returned',
      },
      text: { type: 'string', maxLength: 100_000, description: 'Text to search' },
      max_matches: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Matches to return at most' },
      replacement: {
        type: 'string',
        maxLength: 10_000,
        description: 'Replacement string, with $1, $<name> and $& as in String.prototype.replace',
      },
    },
    required: ['pattern', 'text'],
    additionalProperties: false,
  },
  run(args) {
    return runInRegExpSandbox<RegexTestResult>(regexTestScript, {
      pattern: args.pattern,
      flags: args.flags,
      text: args.text,
      maxMatches: args.max_matches,
      replacement: args.replacement ?? null,
    });
  },
});

interface JsonSchemaValidateArgs {
  schema: Record<string, unknown> | boolean;
  data: unknown;
}

/** Picks the Ajv class for the draft the schema declares in `$schema`, 2020-12 by default. */
function ajvFor(schema: Record<string, unknown> | boolean, regExp: ReturnType<typeof createSandboxedRegExpEngine>['engine']) {
  const declared = typeof schema === 'object' && typeof schema.$schema === 'string' ? schema.$schema : '';
  const options = { allErrors: true, strict: false, code: { regExp } } as const;
  if (declared.includes('/draft-07/schema')) {
    return { ajv: new Ajv(options), draft: 'draft-07' };
  }
  if (declared.includes('/2019-09/')) {
    return { ajv: new Ajv2019(options), draft: '2019-09' };
  }

  return { ajv: new Ajv2020(options), draft: '2020-12' };
}

function describeError(error: ErrorObject) {
  return {
    path: error.instancePath === '' ? '/' : error.instancePath,
    keyword: error.keyword,
    message: error.message ?? 'is invalid',
    schema_path: error.schemaPath,
    params: error.params,
  };
}

// NOTE: validation runs on the server's thread, and keywords such as uniqueItems are
// quadratic in the array length, so a large array can hold the thread for seconds; the
// request body limit bounds it, the tool time limit does not.
const jsonSchemaValidate = defineTool<JsonSchemaValidateArgs>({
  name: 'json_schema_validate',
  description: 'Validate JSON data against a JSON Schema (2020-12, 2019-09 or draft-07) with Ajv and list every error with its path',
  category: 'development',
  tier: 'free',
  tags: ['json', 'schema', 'validate', 'ajv'],
  inputSchema: {
    type: 'object',
    properties: {
      schema: {
        type: ['object', 'boolean'],
        description: 'JSON Schema; its $schema picks the draft, 2020-12 when absent',
        maxProperties: 1000,
      },
      data: {
        type: ['object', 'array', 'string', 'number', 'boolean', 'null'],
        description: 'JSON value to validate',
      },
    },
    required: ['schema', 'data'],
    additionalProperties: false,
  },
  run(args) {
    const sandbox = createSandboxedRegExpEngine();
    const { ajv, draft } = ajvFor(args.schema, sandbox.engine);
    addFormats.default(ajv);
    let schemaValid: boolean;
    try {
      schemaValid = ajv.validateSchema(args.schema) as boolean;
    } catch (error) {
      // Ajv throws here when $schema names a meta-schema it does not have, such as draft-04.
      throw new ToolError(`schema cannot be checked: ${(error as Error).message}; use draft-07, 2019-09 or 2020-12`);
    }
    if (!schemaValid) {
      throw new ToolError(`schema is not a valid ${draft} JSON Schema: ${ajv.errorsText(ajv.errors, { dataVar: 'schema' })}`);
    }
    let validate;
    try {
      validate = ajv.compile(args.schema);
    } catch (error) {
      throw new ToolError(`schema cannot be compiled: ${(error as Error).message}`);
    }
    sandbox.startClock();
    const valid = validate(args.data) as boolean;
    const errors = (validate.errors ?? []).map(describeError);

    return { valid, draft, error_count: errors.length, errors };
  },
});

const base64Variants = ['standard', 'url'] as const;
type Base64Variant = (typeof base64Variants)[number];

interface Base64EncodeArgs {
  input: string;
  input_encoding: 'utf8' | 'hex';
  variant: Base64Variant;
}

const base64Encode = defineTool<Base64EncodeArgs>({
  name: 'base64_encode',
  description: 'Encode text or hex bytes as standard or URL-safe base64 (RFC 4648)',
  category: 'development',
  tier: 'free',
  tags: ['base64', 'encode', 'rfc4648'],
  inputSchema: {
    type: 'object',
    properties: {
      input: { type: 'string', maxLength: 1_000_000, description: 'Data to encode' },
      input_encoding: { type: 'string', enum: ['utf8', 'hex'], default: 'utf8', description: 'How input is written' },
      variant: {
        type: 'string',
        enum: [...base64Variants],
        default: 'standard',
        description: 'standard uses + and / with = padding; url uses - and _ without padding',
      },
    },
    required: ['input'],
    additionalProperties: false,
  },
  run(args) {
    if (args.input_encoding === 'hex' && !/^(?:[0-9a-fA-F]{2})*$/.test(args.input)) {
      throw new ToolError('input is not hex: it must hold an even number of the digits 0-9 and a-f');
    }
    const bytes = Buffer.from(args.input, args.input_encoding);

    return {
      base64: bytes.toString(args.variant === 'url' ? 'base64url' : 'base64'),
      variant: args.variant,
      bytes: bytes.length,
    };
  },
});

interface Base64DecodeArgs {
  base64: string;
  output_encoding: 'utf8' | 'hex';
}

const base64Decode = defineTool<Base64DecodeArgs>({
  name: 'base64_decode',
  description: 'Decode standard or URL-safe base64 (RFC 4648) to UTF-8 text or hex bytes',
  category: 'development',
  tier: 'free',
  tags: ['base64', 'decode', 'rfc4648'],
  inputSchema: {
    type: 'object',
    properties: {
      base64: { type: 'string', maxLength: 1_400_000, description: 'Base64 text, either alphabet, padding optional; whitespace is ignored' },
      output_encoding: {
        type: 'string',
        enum: ['utf8', 'hex'],
        default: 'utf8',
        description: 'Return the bytes as UTF-8 text or as hex',
      },
    },
    required: ['base64'],
    additionalProperties: false,
  },
  run(args) {
    const compact = args.base64.replace(/\s/g, '');
    // Buffer.from skips characters outside the alphabet, which would hide a corrupt input.
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
      throw new ToolError('base64 is not valid base64: use A-Z, a-z, 0-9, + and / (or - and _), with = only at the end');
    }
    const bytes = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (args.output_encoding === 'hex') {
      return { hex: bytes.toString('hex'), bytes: bytes.length };
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ToolError('the decoded bytes are not valid UTF-8 text; set output_encoding to hex to get them as hex');
    }

    return { text, bytes: bytes.length };
  },
});

interface JsonFormatArgs {
  json: string;
  indent: number;
  sort_keys: boolean;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }

  return value;
}

const jsonFormat = defineTool<JsonFormatArgs>({
  name: 'json_format',
  description: 'Check that a text is valid JSON and return it pretty-printed or minified, optionally with sorted keys',
  category: 'development',
  tier: 'free',
  tags: ['json', 'format', 'pretty', 'minify'],
  inputSchema: {
    type: 'object',
    properties: {
      json: { type: 'string', minLength: 1, maxLength: 1_000_000, description: 'JSON text' },
      indent: { type: 'integer', minimum: 0, maximum: 8, default: 2, description: 'Spaces per level; 0 minifies' },
      sort_keys: { type: 'boolean', default: false, description: 'Sort object keys by UTF-16 code unit order, at every depth' },
    },
    required: ['json'],
    additionalProperties: false,
  },
  run(args) {
    let value: unknown;
    try {
      value = JSON.parse(args.json);
    } catch (error) {
      throw new ToolError(`json is not valid JSON: ${(error as Error).message}`);
    }
    const output = args.sort_keys ? sortKeys(value) : value;
    const formatted = JSON.stringify(output, null, args.indent === 0 ? undefined : args.indent);

    return { formatted, bytes: Buffer.byteLength(formatted) };
  },
});

export const developmentTools: BuiltinTool[] = [regexTest, jsonSchemaValidate, base64Encode, base64Decode, jsonFormat];
