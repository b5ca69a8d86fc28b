import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { AppError, ErrorCode, ValidationError, type FieldIssue } from '../errors.js';
import type { Logger } from '../logger.js';
import { ToolError, type BuiltinTool, type InputSchema, type ToolContext } from './definition.js';
import type { OutboundNetwork } from './network.js';

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false });
addFormats.default(ajv);

const validators = new WeakMap<object, ValidateFunction>();

/** Compiled validators of stored schemas, keyed by tool id and version; bounded in size. */
const storedValidators = new Map<string, ValidateFunction>();
const maxStoredValidators = 1000;

/**
 * Checks that `schema` is a JSON Schema for an object of arguments, returning what is
 * wrong with it or `undefined`.
 */
export function inputSchemaProblems(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return 'must be a JSON Schema object';
  }
  if ((schema as { type?: unknown }).type !== 'object') {
    return 'must have "type": "object", because arguments are a JSON object';
  }
  if (!ajv.validateSchema(schema)) {
    return `is not a valid JSON Schema: ${ajv.errorsText(ajv.errors, { dataVar: 'schema' })}`;
  }
  try {
    ajv.compile(schema);
  } catch (error) {
    return `cannot be compiled: ${(error as Error).message}`;
  }

  return undefined;
}

function validatorFor(schema: InputSchema, cacheKey: string | undefined): ValidateFunction {
  if (cacheKey === undefined) {
    let validate = validators.get(schema);
    if (validate === undefined) {
      validate = ajv.compile(schema);
      validators.set(schema, validate);
    }

    return validate;
  }
  let validate = storedValidators.get(cacheKey);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    if (storedValidators.size >= maxStoredValidators) {
      storedValidators.delete(storedValidators.keys().next().value!);
    }
    storedValidators.set(cacheKey, validate);
  }

  return validate;
}

/** Turns Ajv errors into field issues with dotted paths under `args`. */
export function argumentIssues(errors: ErrorObject[]): FieldIssue[] {
  return errors.map((error) => {
    const segments = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    const path = ['args', ...segments];
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      path.push(String(error.params.missingProperty));
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path.push(String(error.params.additionalProperty));
      message = 'is not an accepted argument';
    } else if (error.keyword === 'enum') {
      message = `must be one of ${(error.params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    }

    return { field: path.join('.'), message };
  });
}

/**
 * Validates `args` against `schema`, applying defaults, and returns the validated copy.
 * Schemas read from the database need a `cacheKey` that changes when the schema does.
 */
export function validateArguments(schema: InputSchema, args: unknown, cacheKey?: string): Record<string, unknown> {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new ValidationError([{ field: 'args', message: 'must be a JSON object' }], 'Invalid tool arguments');
  }
  const copy = structuredClone(args) as Record<string, unknown>;
  const validate = validatorFor(schema, cacheKey);
  if (!validate(copy)) {
    throw new ValidationError(argumentIssues(validate.errors ?? []), 'Invalid tool arguments');
  }

  return copy;
}

export interface RunLimits {
  timeoutMs: number;
  maxOutputBytes: number;
}

export interface ToolRunResult {
  result: Record<string, unknown>;
  executionTimeMs: number;
  credits: number;
}

/**
 * Runs a built-in tool on validated arguments within a time limit and an output cap.
 * Failures become `tool_error` (422) or `tool_timeout` (504); nothing a tool throws
 * escapes as an unexpected error.
 */
export async function runBuiltinTool(
  tool: BuiltinTool,
  rawArgs: unknown,
  environment: { network: OutboundNetwork; log: Logger },
  limits: RunLimits,
): Promise<ToolRunResult> {
  const args = validateArguments(tool.inputSchema, rawArgs);

  return runWithLimits(tool.name, tool.credits ?? 1, (context) => tool.run(args, context), environment, limits);
}

/** Runs `work` as tool `name` with the time limit and output cap of `limits`. */
export async function runWithLimits(
  name: string,
  credits: number,
  work: (context: ToolContext) => unknown,
  environment: { network: OutboundNetwork; log: Logger },
  limits: RunLimits,
): Promise<ToolRunResult> {
  const tool = { name };
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error('timed out'));
      reject(
        new AppError(ErrorCode.ToolTimeout, `Tool ${tool.name} did not finish within its limit of ${limits.timeoutMs} ms`),
      );
    }, limits.timeoutMs);
  });

  let output: unknown;
  try {
    output = await Promise.race([
      Promise.resolve().then(() => work({ signal: controller.signal, network: environment.network, log: environment.log })),
      timedOut,
    ]);
  } catch (error) {
    if (error instanceof AppError) {
      throw error;
    }
    if (error instanceof ToolError) {
      throw new AppError(ErrorCode.ToolError, `Tool ${tool.name} failed: ${error.message}`, { cause: error });
    }
    environment.log.error({ err: error, tool: tool.name }, 'tool failed unexpectedly');
    throw new AppError(
      ErrorCode.ToolError,
      `Tool ${tool.name} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }

  const result = isPlainObject(output) ? output : { value: output ?? null };
  let serialised: string;
  try {
    serialised = JSON.stringify(result) ?? 'null';
  } catch (error) {
    throw new AppError(
      ErrorCode.ToolError,
      `Tool ${tool.name} produced a result that is not JSON (${(error as Error).message}), such as a structure that refers to itself`,
    );
  }
  const size = Buffer.byteLength(serialised);
  if (size > limits.maxOutputBytes) {
    throw new AppError(
      ErrorCode.ToolError,
      `Tool ${tool.name} produced ${size} bytes of output, more than the limit of ${limits.maxOutputBytes} bytes`,
    );
  }

  return { result, executionTimeMs: Math.round(performance.now() - started), credits };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
