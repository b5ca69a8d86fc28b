import { describe, expect, it } from 'vitest';
import { mathTools } from '../../../src/tools/builtin/math.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = mathTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no math tool named ${name}`);
  }

  return found;
}

// The first evaluation starts the worker and loads mathjs, which takes seconds on a busy machine.
const evaluateLimits = { limits: { timeoutMs: 30_000 } };

function evaluate(expression: string, variables?: Record<string, number>) {
  return runTool(
    tool('math_evaluate'),
    { expression, ...(variables && { variables }) },
    evaluateLimits,
  );
}


/** Twenty matrices of a million numbers each: more than the worker's heap, built piece by piece. */
const manyMatrices = `[${Array.from({ length: 20 }, () => 'ones(1000, 1000)').join(', ')}]`;

describe('math_evaluate', () => {
  it('evaluates arithmetic and functions', async () => {
    const result = await evaluate('sqrt(3^2 + 4^2)');

    expect(result).toEqual({
      expression: 'sqrt(3^2 + 4^2)',
      result: '5',
      type: 'number',
      value: 5,
    });
  });

  it('reads variables', async () => {
    const result = await evaluate('2 + 3 * x', { x: 4 });

    expect(result.value).toBe(14);
  });

  it('converts units', async () => {
    // 1 inch is 2.54 cm exactly, so 5 cm + 2 inch = 10.08 cm.
    const result = await evaluate('5 cm + 2 inch to cm');

    expect(result.result).toBe('10.08 cm');
    expect(result.type).toBe('Unit');
  });

  it('handles matrices and complex numbers', async () => {
    const determinant = await evaluate('det([1, 2; 3, 4])');
    const root = await evaluate('sqrt(-4)');

    expect(determinant.value).toBe(-2);
    expect(root.result).toBe('2i');
    expect(root.value).toEqual({ mathjs: 'Complex', re: 0, im: 2 });
  });

  it('formats to 14 significant digits', async () => {
    const result = await evaluate('0.1 + 0.2');

    expect(result.result).toBe('0.3');
    expect(result.value).toBe(0.30000000000000004);
  });

  for (const name of ['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative']) {
    it(`disables ${name}`, async () => {
      await expect(evaluate(`${name}("x")`)).rejects.toThrow(`Function ${name} is disabled`);
    });
  }

  it('rejects an undefined symbol', async () => {
    await expect(evaluate('unknown + 1')).rejects.toThrow(
      'expression could not be evaluated: Undefined symbol unknown',
    );
  });

  it('rejects a syntax error', async () => {
    await expect(evaluate('2 +')).rejects.toThrow('Unexpected end of expression');
  });

  it('stops an expression at the time limit', async () => {
    await expect(evaluate('combinations(bignumber(1e7), bignumber(5e6))')).rejects.toThrow(
      'expression did not finish within 2000 ms',
    );
  });

  it('stops an expression at the memory limit', async () => {
    await expect(evaluate(manyMatrices)).rejects.toThrow('expression needs more than 96 MB of memory');
  });

  it('rejects huge arrays before allocating', async () => {
    for (const expression of ['ones(100000000)', 'zeros(20000, 20000)', 'range(1, 1e9)', '1:1e9', 'identity(5000)']) {
      await expect(evaluate(expression), expression).rejects.toThrow('would build more than 1000000 elements');
    }
  });

  it('recovers after the worker is replaced', async () => {
    await expect(evaluate(manyMatrices)).rejects.toThrow('memory');
    const result = await evaluate('1 + 1');

    expect(result.value).toBe(2);
  });

  it('rejects an invalid variable name', async () => {
    await expect(evaluate('1', { 'bad name': 1 })).rejects.toThrow(
      'args.variables must match pattern',
    );
  });
});

describe('prime_factorization', () => {
  it('factors 360', async () => {
    const result = await runTool(tool('prime_factorization'), { n: 360 });

    expect(result).toEqual({
      n: 360,
      factors: [
        { prime: 2, exponent: 3 },
        { prime: 3, exponent: 2 },
        { prime: 5, exponent: 1 },
      ],
      expression: '2^3 × 3^2 × 5',
      is_prime: false,
      divisor_count: 24,
    });
  });

  it('factors 2^53 - 1', async () => {
    // 2^53 - 1 = 6361 × 69431 × 20394401 (a known Mersenne number factorization).
    const result = await runTool(tool('prime_factorization'), { n: Number.MAX_SAFE_INTEGER });

    expect(result.expression).toBe('6361 × 69431 × 20394401');
  });

  it('recognizes a prime', async () => {
    const result = await runTool(tool('prime_factorization'), { n: 2_147_483_647 });

    expect(result.is_prime).toBe(true);
    expect(result.divisor_count).toBe(2);
  });

  it('factors the largest prime below 2^53', async () => {
    // 2^53 - 111 = 9007199254740881 is the largest prime below 2^53.
    const result = await runTool(tool('prime_factorization'), { n: 9_007_199_254_740_881 });

    expect(result.factors).toEqual([{ prime: 9_007_199_254_740_881, exponent: 1 }]);
  });

  it('rejects 1 and non-integers', async () => {
    await expect(runTool(tool('prime_factorization'), { n: 1 })).rejects.toThrow(
      'args.n must be >= 2',
    );
    await expect(runTool(tool('prime_factorization'), { n: 2.5 })).rejects.toThrow(
      'args.n must be integer',
    );
  });

  it('rejects numbers beyond 2^53', async () => {
    await expect(runTool(tool('prime_factorization'), { n: 2 ** 60 })).rejects.toThrow(
      'args.n must be <= 9007199254740991',
    );
  });
});

describe('gcd_lcm', () => {
  it('combines several integers', async () => {
    const result = await runTool(tool('gcd_lcm'), { numbers: [12, 18, '30'] });

    expect(result).toEqual({ numbers: ['12', '18', '30'], gcd: '6', lcm: '180' });
  });

  it('handles integers beyond 2^53', async () => {
    // Python's math.gcd gives 9000000000900000000090 for this pair, and lcm = a·b / gcd.
    const a = 123456789012345678901234567890n;
    const b = 987654321098765432109876543210n;
    const result = await runTool(tool('gcd_lcm'), { numbers: [a.toString(), b.toString()] });

    expect(result.gcd).toBe('9000000000900000000090');
    expect(result.lcm).toBe(((a * b) / 9000000000900000000090n).toString());
  });

  it('treats zero and signs by convention', async () => {
    const result = await runTool(tool('gcd_lcm'), { numbers: [0, -5] });

    expect(result.gcd).toBe('5');
    expect(result.lcm).toBe('0');
  });

  it('rejects an inexact JSON number', async () => {
    await expect(runTool(tool('gcd_lcm'), { numbers: [1e20, 5] })).rejects.toThrow(
      'numbers[0] is 100000000000000000000, which is beyond 2^53 and not exact',
    );
  });

  it('rejects a non-integer string', async () => {
    await expect(runTool(tool('gcd_lcm'), { numbers: ['12x', 5] })).rejects.toThrow(
      'args.numbers.0 must match pattern',
    );
  });
});

describe('number_base_convert', () => {
  it('converts hexadecimal to binary', async () => {
    const result = await runTool(tool('number_base_convert'), {
      value: 'ff',
      from_base: 16,
      to_base: 2,
    });

    expect(result).toEqual({
      value: 'ff',
      from_base: 16,
      to_base: 2,
      result: '11111111',
      decimal: '255',
    });
  });

  it('accepts a prefix and uppercase digits', async () => {
    const result = await runTool(tool('number_base_convert'), {
      value: '0xFF',
      from_base: 16,
      to_base: 8,
    });

    expect(result.result).toBe('377');
  });

  it('keeps 64-bit values exact', async () => {
    const result = await runTool(tool('number_base_convert'), {
      value: '18446744073709551615',
      to_base: 16,
    });

    expect(result.result).toBe('ffffffffffffffff');
  });

  it('keeps the sign', async () => {
    const result = await runTool(tool('number_base_convert'), {
      value: '-777',
      from_base: 8,
      to_base: 36,
    });

    expect(result.decimal).toBe('-511');
    expect(result.result).toBe('-e7');
  });

  it('rejects a digit outside the base', async () => {
    await expect(
      runTool(tool('number_base_convert'), { value: '19', from_base: 8, to_base: 10 }),
    ).rejects.toThrow('value "19" contains "9", which is not a digit in base 8');
  });

  it('rejects a base above 36', async () => {
    await expect(runTool(tool('number_base_convert'), { value: '1', to_base: 37 })).rejects.toThrow(
      'args.to_base must be <= 36',
    );
  });
});
