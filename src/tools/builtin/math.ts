import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

/** CPU time one expression may take once the worker is ready, in milliseconds. */
const evaluationTimeoutMs = 2_000;

/** Heap limit of the evaluation worker in MB. An expression that allocates more ends the worker. */
const workerHeapMb = 96;

/**
 * Source of the evaluation worker (CommonJS, run with `eval: true`). As the mathjs security
 * guide recommends, `import`, `createUnit`, `evaluate`, `parse`, `simplify` and `derivative` are
 * disabled, because they change the instance or parse new expressions from inside one. An
 * expression can still take unbounded CPU time or memory (a huge matrix, a long computation on
 * big numbers), so evaluation runs in a worker that can be terminated, off the server's thread.
 */
const workerSource = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { create, all } = require(workerData.mathjsPath);

const math = create(all);
const limitedEvaluate = math.evaluate;

// A single huge allocation, such as ones(1e8), can end the whole process before the
// worker's heap limit stops it, so functions that build arrays check their size first.
const maxElements = 1000000;
function sizeOf(value) {
  if (typeof value === 'number') return Math.abs(value);
  if (value && typeof value.toNumber === 'function') return Math.abs(value.toNumber());
  if (value && typeof value.toArray === 'function') value = value.toArray();
  if (Array.isArray(value)) return value.reduce((product, item) => product * Math.max(1, sizeOf(item)), 1);
  return 1;
}
function guardSize(total, name) {
  if (!(total <= maxElements)) {
    throw new Error(name + ' would build more than ' + maxElements + ' elements');
  }
}
const guarded = {};
for (const name of ['ones', 'zeros', 'identity', 'random', 'randomInt', 'resize', 'matrixFromFunction']) {
  const original = math[name];
  guarded[name] = math.typed(name, {
    '...any': (args) => {
      const sizes = args.filter((arg) => typeof arg === 'number' || Array.isArray(arg) || (arg && (arg.toArray || arg.toNumber)));
      const total = sizes.reduce((product, arg) => product * Math.max(1, sizeOf(arg)), 1);
      // identity(n) builds an n-by-n matrix from one number.
      guardSize(name === 'identity' && sizes.length === 1 ? total * total : total, name);
      return original(...args);
    },
  });
}
const originalRange = math.range;
guarded.range = math.typed('range', {
  '...any': (args) => {
    const numbers = args.map((arg) => (typeof arg === 'number' ? arg : arg && arg.toNumber ? arg.toNumber() : NaN));
    if (typeof args[0] === 'string') {
      const parts = args[0].split(':').map(Number);
      numbers.splice(0, numbers.length, ...parts);
    }
    const [start, end, step = 1] = numbers;
    guardSize(Math.abs((end - start) / (step || 1)), 'range');
    return originalRange(...args);
  },
});
math.import(guarded, { override: true });
const disabled = {};
for (const name of ['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative']) {
  disabled[name] = () => {
    throw new Error('Function ' + name + ' is disabled');
  };
}
math.import(disabled, { override: true });


function toJsonValue(value) {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : null;
  }
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === 'boolean' || typeof value === 'string') {
    return value;
  }

  return JSON.parse(JSON.stringify(value));
}

parentPort.on('message', (job) => {
  try {
    const value = limitedEvaluate(job.expression, { ...job.variables });
    parentPort.postMessage({
      ok: true,
      result: math.format(value, { precision: 14 }),
      type: math.typeOf(value),
      value: toJsonValue(value),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    parentPort.postMessage({ ok: false, message });
  }
});
parentPort.postMessage({ ready: true });
`;

type WorkerReply =
  { ok: true; result: string; type: string; value: unknown } | { ok: false; message: string };

let workerStarting: Promise<Worker> | undefined;
let readyWorker: Worker | undefined;

function startWorker(): Promise<Worker> {
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { mathjsPath: createRequire(import.meta.url).resolve('mathjs') },
    resourceLimits: { maxOldGenerationSizeMb: workerHeapMb, maxYoungGenerationSizeMb: 16 },
  });
  // An idle worker must not keep the process alive. A running job keeps it alive with a timer.
  worker.unref();
  // A job's own listener reports its failure. This one keeps a second 'error' event, such as the
  // one that follows running out of memory, from being thrown as an unhandled error.
  worker.on('error', () => discardWorker(worker));

  return new Promise((resolve, reject) => {
    const onReady = () => {
      worker.off('error', onFailure);
      worker.off('exit', onFailure);
      // A worker that dies while idle is replaced by the next evaluation.
      worker.once('exit', () => {
        if (readyWorker === worker) {
          discardWorker(worker);
        }
      });
      readyWorker = worker;
      resolve(worker);
    };
    const onFailure = (reason: unknown) => {
      worker.off('message', onReady);
      workerStarting = undefined;
      reject(
        reason instanceof Error
          ? reason
          : new Error(`math worker exited with code ${String(reason)}`),
      );
    };
    worker.once('message', onReady);
    worker.once('error', onFailure);
    worker.once('exit', onFailure);
  });
}

function discardWorker(worker: Worker): void {
  if (readyWorker === worker) {
    readyWorker = undefined;
    workerStarting = undefined;
  }
  void worker.terminate();
}

async function evaluateInWorker(
  expression: string,
  variables: Record<string, number>,
  signal: AbortSignal,
): Promise<WorkerReply> {
  // The run may have timed out while it waited in the queue or for the worker to start.
  signal.throwIfAborted();
  workerStarting ??= startWorker();
  const worker = await workerStarting;
  signal.throwIfAborted();

  return new Promise<WorkerReply>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      outcome();
    };
    const onMessage = (reply: WorkerReply) => settle(() => resolve(reply));
    const onError = (error: Error & { code?: string }) => {
      discardWorker(worker);
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      settle(() =>
        reject(
          outOfMemory
            ? new ToolError(`expression needs more than ${workerHeapMb} MB of memory`)
            : error,
        ),
      );
    };
    const onExit = (code: number) => {
      discardWorker(worker);
      settle(() => reject(new Error(`math worker exited with code ${code} during evaluation`)));
    };
    const onAbort = () => {
      discardWorker(worker);
      settle(() => reject(signal.reason));
    };
    const timer = setTimeout(() => {
      discardWorker(worker);
      settle(() =>
        reject(new ToolError(`expression did not finish within ${evaluationTimeoutMs} ms`)),
      );
    }, evaluationTimeoutMs);

    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    signal.addEventListener('abort', onAbort, { once: true });
    worker.postMessage({ expression, variables });
  });
}

/** One evaluation at a time, so that a timeout ends only the job that caused it. */
let evaluationQueue: Promise<unknown> = Promise.resolve();

function enqueueEvaluation(
  expression: string,
  variables: Record<string, number>,
  signal: AbortSignal,
): Promise<WorkerReply> {
  const job = evaluationQueue.then(() => evaluateInWorker(expression, variables, signal));
  evaluationQueue = job.catch(() => undefined);

  return job;
}

interface MathEvaluateArgs {
  expression: string;
  variables: Record<string, number>;
}

const mathEvaluate = defineTool<MathEvaluateArgs>({
  name: 'math_evaluate',
  description:
    'Evaluates a mathjs expression (arithmetic, functions, matrices, complex numbers, units) and returns the formatted result.',
  category: 'math',
  tier: 'enterprise',
  tags: ['math', 'calculator', 'expression', 'mathjs'],
  inputSchema: {
    type: 'object',
    properties: {
      expression: {
        type: 'string',
        description:
          'Expression in mathjs syntax, such as "sqrt(3^2 + 4^2)" or "5 cm + 2 inch to cm"',
        minLength: 1,
        maxLength: 2_000,
      },
      variables: {
        type: 'object',
        description: 'Numbers to make available by name in the expression',
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' },
        additionalProperties: { type: 'number' },
        maxProperties: 100,
        default: {},
      },
    },
    required: ['expression'],
    additionalProperties: false,
  },
  async run(args, context) {
    const reply = await enqueueEvaluation(args.expression, args.variables, context.signal);
    if (!reply.ok) {
      throw new ToolError(`expression could not be evaluated: ${reply.message}`);
    }

    return {
      expression: args.expression,
      result: reply.result,
      type: reply.type,
      value: reply.value,
    };
  },
});

interface PrimeFactorizationArgs {
  n: number;
}

/** Candidates tried between yields to the event loop, about 10 ms of work on a 2-core machine. */
const candidatesPerSlice = 200_000;

/**
 * Returns [prime, exponent] pairs by trial division. A prime near 2⁵³ needs about 3·10⁷
 * divisions (0.6 s measured on a 2-core machine), so the loop yields to the event loop between slices
 * and stops when `signal` is aborted.
 */
async function factorize(n: number, signal: AbortSignal): Promise<[number, number][]> {
  const factors: [number, number][] = [];
  let remaining = n;
  const divideOut = (prime: number) => {
    let exponent = 0;
    while (remaining % prime === 0) {
      remaining /= prime;
      exponent += 1;
    }
    if (exponent > 0) {
      factors.push([prime, exponent]);
    }
  };

  divideOut(2);
  divideOut(3);
  // Every prime above 3 is 6k - 1 or 6k + 1.
  let tried = 0;
  for (let candidate = 5; candidate * candidate <= remaining; candidate += 6) {
    divideOut(candidate);
    divideOut(candidate + 2);
    tried += 1;
    if (tried % candidatesPerSlice === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      signal.throwIfAborted();
    }
  }
  if (remaining > 1) {
    factors.push([remaining, 1]);
  }

  return factors;
}

const primeFactorization = defineTool<PrimeFactorizationArgs>({
  name: 'prime_factorization',
  description:
    'Factors a positive integer up to 2⁵³ − 1 into primes and returns each prime with its exponent.',
  category: 'math',
  tier: 'free',
  tags: ['math', 'primes', 'factorization', 'integers'],
  inputSchema: {
    type: 'object',
    properties: {
      n: {
        type: 'integer',
        description:
          'Integer to factor, from 2 to 9007199254740991 (2^53 - 1, the largest integer a double holds with all smaller ones)',
        minimum: 2,
        maximum: Number.MAX_SAFE_INTEGER,
      },
    },
    required: ['n'],
    additionalProperties: false,
  },
  async run(args, context) {
    const factors = await factorize(args.n, context.signal);

    return {
      n: args.n,
      factors: factors.map(([prime, exponent]) => ({ prime, exponent })),
      expression: factors
        .map(([prime, exponent]) => (exponent === 1 ? `${prime}` : `${prime}^${exponent}`))
        .join(' × '),
      is_prime: factors.length === 1 && factors[0]?.[1] === 1,
      divisor_count: factors.reduce((count, [, exponent]) => count * (exponent + 1), 1),
    };
  },
});

const integerPattern = '^[+-]?[0-9]{1,1000}$';

/** Integers as JSON numbers or, past 2⁵³, as decimal strings. */
const bigIntegerSchema = {
  type: ['integer', 'string'],
  description: 'Integer as a JSON number or a decimal string',
  pattern: integerPattern,
};

function toBigInt(value: number | string, name: string): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new ToolError(
      `${name} is ${value}, which is beyond 2^53 and not exact. Pass it as a decimal string`,
    );
  }

  return BigInt(value);
}

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value;
}

function greatestCommonDivisor(a: bigint, b: bigint): bigint {
  let x = absolute(a);
  let y = absolute(b);
  while (y !== 0n) {
    [x, y] = [y, x % y];
  }

  return x;
}

interface GcdLcmArgs {
  numbers: (number | string)[];
}

const gcdLcm = defineTool<GcdLcmArgs>({
  name: 'gcd_lcm',
  description:
    'Returns the greatest common divisor and least common multiple of two or more integers of any size, as decimal strings.',
  category: 'math',
  tier: 'free',
  tags: ['math', 'gcd', 'lcm', 'integers'],
  inputSchema: {
    type: 'object',
    properties: {
      numbers: {
        type: 'array',
        description:
          'Integers as JSON numbers or decimal strings (up to 1000 digits each); signs are ignored',
        items: bigIntegerSchema,
        minItems: 2,
        maxItems: 100,
      },
    },
    required: ['numbers'],
    additionalProperties: false,
  },
  run(args) {
    const values = args.numbers.map((value, index) => toBigInt(value, `numbers[${index}]`));
    let gcd = 0n;
    let lcm = 1n;
    for (const value of values) {
      gcd = greatestCommonDivisor(gcd, value);
      // lcm(a, 0) is 0 by convention, because 0 is a multiple of every integer.
      lcm =
        value === 0n || lcm === 0n ? 0n : absolute(lcm * value) / greatestCommonDivisor(lcm, value);
    }

    return { numbers: values.map(String), gcd: gcd.toString(), lcm: lcm.toString() };
  },
});

interface NumberBaseConvertArgs {
  value: string;
  from_base: number;
  to_base: number;
}

const basePrefixes: Record<number, string> = { 2: '0b', 8: '0o', 16: '0x' };

/** Parses digits in `base` (2 to 36, any case) into a bigint, after an optional sign and prefix. */
function parseInBase(text: string, base: number): bigint {
  let digits = text.trim();
  let negative = false;
  if (digits.startsWith('-') || digits.startsWith('+')) {
    negative = digits.startsWith('-');
    digits = digits.slice(1);
  }
  const prefix = basePrefixes[base];
  if (prefix !== undefined && digits.toLowerCase().startsWith(prefix)) {
    digits = digits.slice(prefix.length);
  }
  if (digits === '') {
    throw new ToolError(`value "${text}" has no digits`);
  }

  const radix = BigInt(base);
  let result = 0n;
  for (const character of digits) {
    const digit = Number.parseInt(character, 36);
    if (Number.isNaN(digit) || digit >= base) {
      throw new ToolError(
        `value "${text}" contains "${character}", which is not a digit in base ${base}`,
      );
    }
    result = result * radix + BigInt(digit);
  }

  return negative ? -result : result;
}

const numberBaseConvert = defineTool<NumberBaseConvertArgs>({
  name: 'number_base_convert',
  description:
    'Converts an integer of any size between bases 2 to 36 and returns it in the target base and in decimal.',
  category: 'math',
  tier: 'free',
  tags: ['math', 'binary', 'hexadecimal', 'radix'],
  inputSchema: {
    type: 'object',
    properties: {
      value: {
        type: 'string',
        description:
          'Integer in from_base, with an optional sign and a 0b, 0o or 0x prefix for bases 2, 8 and 16',
        minLength: 1,
        maxLength: 1_000,
      },
      from_base: {
        type: 'integer',
        description: 'Base of value',
        minimum: 2,
        maximum: 36,
        default: 10,
      },
      to_base: { type: 'integer', description: 'Base of the result', minimum: 2, maximum: 36 },
    },
    required: ['value', 'to_base'],
    additionalProperties: false,
  },
  run(args) {
    const parsed = parseInBase(args.value, args.from_base);

    return {
      value: args.value,
      from_base: args.from_base,
      to_base: args.to_base,
      // Letters are lowercase, as in JavaScript's toString(radix).
      result: parsed.toString(args.to_base),
      decimal: parsed.toString(10),
    };
  },
});

export const mathTools: BuiltinTool[] = [
  mathEvaluate,
  primeFactorization,
  gcdLcm,
  numberBaseConvert,
];
