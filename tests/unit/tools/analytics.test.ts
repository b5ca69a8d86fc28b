import { describe, expect, it } from 'vitest';
import { analyticsTools } from '../../../src/tools/builtin/analytics.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = analyticsTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no analytics tool named ${name}`);
  }

  return found;
}

// Anscombe F.J. (1973), "Graphs in Statistical Analysis", The American Statistician 27(1),
// 17–21, data set I: published r = 0.816, fitted line y = 3.00 + 0.500x, r² = 0.67.
const anscombeX = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
const anscombeY = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];

describe('descriptive_statistics', () => {
  it('summarizes a textbook data set', async () => {
    // Mean 5, population variance 32/8 = 4 (sd 2), sample variance 32/7. NumPy's default
    // percentile gives quartiles 4 and 5.5 for these values.
    const result = await runTool(tool('descriptive_statistics'), {
      values: [9, 2, 4, 4, 4, 5, 5, 7],
    });

    expect(result).toEqual({
      count: 8,
      sum: 40,
      mean: 5,
      median: 4.5,
      modes: [4],
      min: 2,
      max: 9,
      range: 7,
      variance: { population: 4, sample: 32 / 7 },
      standard_deviation: { population: 2, sample: Math.sqrt(32 / 7) },
      quartiles: { q1: 4, q2: 4.5, q3: 5.5, method: 'linear interpolation (Hyndman-Fan 7)' },
      interquartile_range: 1.5,
    });
  });

  it('lists every mode', async () => {
    const result = await runTool(tool('descriptive_statistics'), { values: [3, 1, 3, 1, 2] });

    expect(result.modes).toEqual([1, 3]);
  });

  it('reports no mode for distinct values', async () => {
    const result = await runTool(tool('descriptive_statistics'), { values: [1, 2, 3] });

    expect(result.modes).toEqual([]);
  });

  it('leaves sample statistics null for one value', async () => {
    const result = await runTool(tool('descriptive_statistics'), { values: [7] });

    expect(result.variance).toEqual({ population: 0, sample: null });
    expect(result.standard_deviation).toEqual({ population: 0, sample: null });
    expect(result.modes).toEqual([7]);
  });

  it('rejects an empty list', async () => {
    await expect(runTool(tool('descriptive_statistics'), { values: [] })).rejects.toThrow(
      'args.values must NOT have fewer than 1 items',
    );
  });

  it('rejects non-numeric values', async () => {
    await expect(runTool(tool('descriptive_statistics'), { values: [1, '2'] })).rejects.toThrow(
      'args.values.1 must be number',
    );
  });
});

describe('correlation', () => {
  it('matches Anscombe data set I', async () => {
    const result = await runTool(tool('correlation'), { x: anscombeX, y: anscombeY });

    expect(result.n).toBe(11);
    expect(result.pearson).toBeCloseTo(0.816, 3);
    expect(result.pearson_r_squared).toBeCloseTo(0.67, 2);
    // No ties, and the squared rank differences sum to 40: rho = 1 - 6·40 / (11·120) = 9/11.
    expect(result.spearman).toBeCloseTo(9 / 11, 12);
  });

  it('averages tied ranks for Spearman', async () => {
    // y ranks are 1, 2, 3.5, 5, 3.5, and the Pearson correlation of the ranks is 8 / sqrt(10 · 9.5).
    const result = await runTool(tool('correlation'), { x: [1, 2, 3, 4, 5], y: [5, 6, 7, 8, 7] });

    expect(result.spearman).toBeCloseTo(8 / Math.sqrt(95), 12);
  });

  it('returns -1 for a reversed line', async () => {
    const result = await runTool(tool('correlation'), { x: [1, 2, 3, 4], y: [8, 6, 4, 2] });

    expect(result.pearson).toBeCloseTo(-1, 12);
    expect(result.spearman).toBeCloseTo(-1, 12);
  });

  it('rejects lists of different lengths', async () => {
    await expect(runTool(tool('correlation'), { x: [1, 2, 3], y: [1, 2, 3, 4] })).rejects.toThrow(
      'x and y must have the same length, got 3 and 4',
    );
  });

  it('rejects a constant variable', async () => {
    await expect(runTool(tool('correlation'), { x: [1, 2, 3], y: [5, 5, 5] })).rejects.toThrow(
      'y values are all equal',
    );
  });

  it('rejects fewer than three pairs', async () => {
    await expect(runTool(tool('correlation'), { x: [1, 2], y: [1, 2] })).rejects.toThrow(
      'args.x must NOT have fewer than 3 items',
    );
  });
});

describe('linear_regression', () => {
  it('matches Anscombe data set I', async () => {
    const result = await runTool(tool('linear_regression'), { x: anscombeX, y: anscombeY });

    expect(result.n).toBe(11);
    expect(result.slope).toBeCloseTo(0.5, 3);
    expect(result.intercept).toBeCloseTo(3.0, 2);
    expect(result.r_squared).toBeCloseTo(0.67, 2);
  });

  it('recovers an exact line and predicts', async () => {
    const result = await runTool(tool('linear_regression'), {
      x: [0, 1, 2, 3],
      y: [1, 3, 5, 7],
      predict_x: [10],
    });

    expect(result).toEqual({
      n: 4,
      slope: 2,
      intercept: 1,
      r_squared: 1,
      predictions: [{ x: 10, y: 21 }],
    });
  });

  it('rejects constant x', async () => {
    await expect(
      runTool(tool('linear_regression'), { x: [2, 2, 2], y: [1, 2, 3] }),
    ).rejects.toThrow('x values are all equal');
  });
});

describe('percentile', () => {
  it('interpolates linearly by default', async () => {
    // NumPy: np.percentile([15, 20, 35, 40, 50], [0, 30, 40, 50, 100]) = [15, 23, 29, 35, 50].
    const result = await runTool(tool('percentile'), {
      values: [50, 15, 40, 20, 35],
      percentiles: [0, 30, 40, 50, 100],
    });

    expect(result).toEqual({
      method: 'linear',
      count: 5,
      results: [
        { percentile: 0, value: 15 },
        { percentile: 30, value: 23 },
        { percentile: 40, value: 29 },
        { percentile: 50, value: 35 },
        { percentile: 100, value: 50 },
      ],
    });
  });

  it('uses nearest rank when asked', async () => {
    // Nearest rank of p for 5 values is ceil(p/100 · 5): ranks 1, 2, 2, 3 and 5, so 15, 20, 20, 35, 50.
    const result = await runTool(tool('percentile'), {
      values: [15, 20, 35, 40, 50],
      percentiles: [5, 30, 40, 50, 100],
      method: 'nearest_rank',
    });

    expect(result.results).toEqual([
      { percentile: 5, value: 15 },
      { percentile: 30, value: 20 },
      { percentile: 40, value: 20 },
      { percentile: 50, value: 35 },
      { percentile: 100, value: 50 },
    ]);
  });

  it('rejects a percentile above 100', async () => {
    await expect(runTool(tool('percentile'), { values: [1], percentiles: [101] })).rejects.toThrow(
      'args.percentiles.0 must be <= 100',
    );
  });
});

describe('moving_average', () => {
  it('computes a simple trailing average', async () => {
    const result = await runTool(tool('moving_average'), { values: [1, 2, 3, 4, 5, 6], window: 3 });

    expect(result).toEqual({ method: 'simple', window: 3, first_index: 2, averages: [2, 3, 4, 5] });
  });

  it('computes an exponential average', async () => {
    // α = 2 / (3 + 1) = 0.5, seeded with mean(2, 4, 6) = 4: then 0.5·8 + 0.5·4 = 6, 0.5·0 + 0.5·6 = 3.
    const result = await runTool(tool('moving_average'), {
      values: [2, 4, 6, 8, 0],
      window: 3,
      method: 'exponential',
    });

    expect(result).toEqual({
      method: 'exponential',
      window: 3,
      first_index: 2,
      averages: [4, 6, 3],
    });
  });

  it('rejects a window longer than the series', async () => {
    await expect(runTool(tool('moving_average'), { values: [1, 2], window: 3 })).rejects.toThrow(
      'window is 3 but the series has only 2 values',
    );
  });
});
