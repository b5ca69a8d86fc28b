import { createContext, Script, type Context } from 'node:vm';
import { ToolError } from '../../definition.js';

/**
 * Milliseconds a caller's regular expressions may run in one tool run. A regular
 * expression runs synchronously and cannot be interrupted from the event loop, so
 * without this limit a pattern such as `(a+)+$` would stall the whole server.
 */
export const regexpTimeLimitMs = 1_000;

function isTimeout(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

function timeLimitError(): ToolError {
  return new ToolError(
    `the regular expression timed out after the time limit of ${regexpTimeLimitMs} ms. Nested ` +
      'quantifiers such as (a+)+ backtrack exponentially on input that almost matches, so rewrite the pattern without them',
  );
}

/**
 * Runs `script` in a fresh V8 context that can see only `input`, stopping it after
 * `timeoutMs`. The script must return a JSON string, so that no object from the other
 * context leaks out. A timeout becomes a `ToolError` naming the limit, and a
 * `SyntaxError` from compiling the caller's pattern becomes a `ToolError` naming it.
 */
export function runInRegExpSandbox<T>(
  script: Script,
  input: unknown,
  timeoutMs = regexpTimeLimitMs,
): T {
  const context = createContext({ input });
  let output: unknown;
  try {
    output = script.runInContext(context, { timeout: timeoutMs });
  } catch (error) {
    if (isTimeout(error)) {
      throw timeLimitError();
    }
    if ((error as Error).name === 'SyntaxError') {
      throw new ToolError(`pattern is not a valid regular expression: ${(error as Error).message}`);
    }
    throw error;
  }

  return JSON.parse(String(output)) as T;
}

const testScript = new Script(`
  (() => {
    const key = input.flags + '/' + input.source;
    let regexp = compiled.get(key);
    if (regexp === undefined) {
      regexp = new RegExp(input.source, input.flags);
      compiled.set(key, regexp);
    }
    return JSON.stringify(regexp.test(input.text));
  })()
`);

/** The object Ajv stores per `pattern` keyword. Ajv uses its `toString` as a cache key. */
interface SandboxedRegExp {
  test(text: string): boolean;
  toString(): string;
}

/**
 * Builds an Ajv `code.regExp` engine whose `test` calls run in a V8 context under one
 * shared time budget, so patterns inside a caller's JSON Schema cannot stall the server
 * either. Call `startClock` just before validating: compiling a schema runs no pattern.
 */
export function createSandboxedRegExpEngine() {
  const context: Context = createContext({ compiled: new Map<string, RegExp>(), input: undefined });
  let deadline = Number.POSITIVE_INFINITY;

  function engine(source: string, flags: string): SandboxedRegExp {
    // Compiling the pattern here, outside the sandbox, reports syntax errors when Ajv
    // compiles the schema. Compiling matches nothing, so it cannot backtrack.
    new RegExp(source, flags);

    return {
      test(text) {
        const remaining = Math.floor(deadline - performance.now());
        if (remaining <= 0) {
          throw timeLimitError();
        }
        context.input = { source, flags, text };
        try {
          return JSON.parse(
            String(testScript.runInContext(context, { timeout: remaining })),
          ) as boolean;
        } catch (error) {
          throw isTimeout(error) ? timeLimitError() : error;
        }
      },
      toString: () => `/${source}/${flags}`,
    };
  }
  engine.code = 'sandboxedRegExp';

  return {
    engine,
    startClock() {
      deadline = performance.now() + regexpTimeLimitMs;
    },
  };
}
