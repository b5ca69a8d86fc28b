import {
  linearRegression as fitLine,
  linearRegressionLine,
  max,
  mean,
  median,
  min,
  rSquared,
  sampleCorrelation,
  sampleRankCorrelation,
  sampleStandardDeviation,
  sampleVariance,
  standardDeviation,
  sum,
  variance,
} from 'simple-statistics';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

const maxValues = 100_000;

function numberArray(description: string, minItems = 1) {
  return { type: 'array', description, items: { type: 'number' }, minItems, maxItems: maxValues };
}

/**
 * Returns the `p`-th quantile (0 to 1) of sorted values by linear interpolation between closest
 * ranks: definition 7 of Hyndman R.J. & Fan Y. (1996), "Sample quantiles in statistical
 * packages", The American Statistician 50(4), 361–365. NumPy's default and Excel's
 * PERCENTILE.INC use the same definition.
 */
function linearQuantile(sorted: readonly number[], p: number): number {
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const lowerValue = sorted[lower] as number;
  const upperValue = sorted[Math.min(lower + 1, sorted.length - 1)] as number;

  return lowerValue + (position - lower) * (upperValue - lowerValue);
}

/**
 * Returns the nearest-rank `p`-th quantile (0 to 1): the smallest value with at least a fraction
 * `p` of the data at or below it (Hyndman & Fan 1996, definition 1).
 */
function nearestRankQuantile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil(p * sorted.length));

  return sorted[rank - 1] as number;
}

function sortAscending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Returns every most frequent value, or none when each value occurs once in two or more values. */
function findModes(sorted: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const value of sorted) {
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  let highest = 0;
  for (const count of counts.values()) {
    highest = Math.max(highest, count);
  }
  if (highest === 1 && sorted.length > 1) {
    return [];
  }

  return [...counts].filter(([, count]) => count === highest).map(([value]) => value);
}

interface DescriptiveStatisticsArgs {
  values: number[];
}

const descriptiveStatistics = defineTool<DescriptiveStatisticsArgs>({
  name: 'descriptive_statistics',
  description:
    'Summarizes a list of numbers: count, sum, mean, median, modes, range, population and sample variance and standard deviation, and quartiles.',
  category: 'analytics',
  tier: 'free',
  tags: ['statistics', 'mean', 'variance', 'quartiles'],
  inputSchema: {
    type: 'object',
    properties: { values: numberArray('Numbers to summarize') },
    required: ['values'],
    additionalProperties: false,
  },
  run(args) {
    const sorted = sortAscending(args.values);
    const count = sorted.length;
    const hasSample = count >= 2;
    const q1 = linearQuantile(sorted, 0.25);
    const q3 = linearQuantile(sorted, 0.75);

    return {
      count,
      sum: sum(sorted),
      mean: mean(sorted),
      median: median(sorted),
      modes: findModes(sorted),
      min: min(sorted),
      max: max(sorted),
      range: max(sorted) - min(sorted),
      // Population statistics divide by n. Sample statistics divide by n - 1 (Bessel's
      // correction), so they need two values and are null for one.
      variance: { population: variance(sorted), sample: hasSample ? sampleVariance(sorted) : null },
      standard_deviation: {
        population: standardDeviation(sorted),
        sample: hasSample ? sampleStandardDeviation(sorted) : null,
      },
      quartiles: {
        q1,
        q2: linearQuantile(sorted, 0.5),
        q3,
        method: 'linear interpolation (Hyndman-Fan 7)',
      },
      interquartile_range: q3 - q1,
    };
  },
});

interface PairedArgs {
  x: number[];
  y: number[];
}

function assertPaired(args: PairedArgs): void {
  if (args.x.length !== args.y.length) {
    throw new ToolError(
      `x and y must have the same length, got ${args.x.length} and ${args.y.length}`,
    );
  }
}

function assertVaries(name: 'x' | 'y', values: readonly number[]): void {
  if (values.every((value) => value === values[0])) {
    throw new ToolError(`${name} values are all equal, so there is no variation to relate`);
  }
}

const pairedSchema = {
  type: 'object' as const,
  properties: {
    x: numberArray('First variable, one value per observation', 3),
    y: numberArray('Second variable, paired with x by position', 3),
  },
  required: ['x', 'y'],
  additionalProperties: false,
};

const correlation = defineTool<PairedArgs>({
  name: 'correlation',
  description:
    'Computes the Pearson and Spearman rank correlation coefficients of two paired lists of numbers.',
  category: 'analytics',
  tier: 'free',
  tags: ['statistics', 'correlation', 'pearson', 'spearman'],
  inputSchema: pairedSchema,
  run(args) {
    assertPaired(args);
    assertVaries('x', args.x);
    assertVaries('y', args.y);
    const pearson = sampleCorrelation(args.x, args.y);

    return {
      n: args.x.length,
      pearson,
      pearson_r_squared: pearson * pearson,
      // Tied values get the mean of the ranks they span (midranks), the usual handling of ties.
      spearman: sampleRankCorrelation(args.x, args.y),
    };
  },
});

interface LinearRegressionArgs extends PairedArgs {
  predict_x?: number[];
}

const linearRegression = defineTool<LinearRegressionArgs>({
  name: 'linear_regression',
  description:
    'Fits a least-squares line y = slope·x + intercept to paired numbers and returns the slope, intercept, r² and optional predictions.',
  category: 'analytics',
  tier: 'starter',
  tags: ['statistics', 'regression', 'trend', 'forecast'],
  inputSchema: {
    ...pairedSchema,
    properties: {
      ...pairedSchema.properties,
      predict_x: {
        type: 'array',
        description: 'x values at which to evaluate the fitted line',
        items: { type: 'number' },
        maxItems: 1_000,
      },
    },
  },
  run(args) {
    assertPaired(args);
    assertVaries('x', args.x);
    const points = args.x.map((x, index) => [x, args.y[index] as number]);
    const fit = fitLine(points);
    const line = linearRegressionLine(fit);

    return {
      n: points.length,
      slope: fit.m,
      intercept: fit.b,
      r_squared: rSquared(points, line),
      predictions: (args.predict_x ?? []).map((x) => ({ x, y: line(x) })),
    };
  },
});

const percentileMethods = ['linear', 'nearest_rank'] as const;

interface PercentileArgs {
  values: number[];
  percentiles: number[];
  method: (typeof percentileMethods)[number];
}

const percentile = defineTool<PercentileArgs>({
  name: 'percentile',
  description:
    'Returns the requested percentiles of a list of numbers by linear interpolation or nearest rank.',
  category: 'analytics',
  tier: 'free',
  tags: ['statistics', 'percentile', 'quantile'],
  inputSchema: {
    type: 'object',
    properties: {
      values: numberArray('Numbers to rank'),
      percentiles: {
        type: 'array',
        description: 'Percentiles to compute, each from 0 to 100',
        items: { type: 'number', minimum: 0, maximum: 100 },
        minItems: 1,
        maxItems: 100,
      },
      method: {
        type: 'string',
        description:
          'linear interpolates between closest ranks (NumPy and Excel PERCENTILE.INC); nearest_rank returns a value from the data',
        enum: percentileMethods,
        default: 'linear',
      },
    },
    required: ['values', 'percentiles'],
    additionalProperties: false,
  },
  run(args) {
    const sorted = sortAscending(args.values);
    const quantile = args.method === 'linear' ? linearQuantile : nearestRankQuantile;

    return {
      method: args.method,
      count: sorted.length,
      results: args.percentiles.map((p) => ({ percentile: p, value: quantile(sorted, p / 100) })),
    };
  },
});

const averageMethods = ['simple', 'exponential'] as const;

interface MovingAverageArgs {
  values: number[];
  window: number;
  method: (typeof averageMethods)[number];
}

function simpleMovingAverage(values: readonly number[], window: number): number[] {
  const averages: number[] = [];
  let windowSum = 0;
  for (const [index, value] of values.entries()) {
    windowSum += value;
    if (index >= window) {
      windowSum -= values[index - window] as number;
    }
    if (index >= window - 1) {
      averages.push(windowSum / window);
    }
  }

  return averages;
}

/**
 * Exponential moving average with smoothing factor α = 2 / (window + 1), the usual choice for an
 * "N-period" EMA, seeded with the simple average of the first `window` values.
 */
function exponentialMovingAverage(values: readonly number[], window: number): number[] {
  const alpha = 2 / (window + 1);
  let current = mean(values.slice(0, window));
  const averages = [current];
  for (const value of values.slice(window)) {
    current = alpha * value + (1 - alpha) * current;
    averages.push(current);
  }

  return averages;
}

const movingAverage = defineTool<MovingAverageArgs>({
  name: 'moving_average',
  description:
    'Computes the trailing simple or exponential moving average of a series over a window of values.',
  category: 'analytics',
  tier: 'free',
  tags: ['statistics', 'smoothing', 'timeseries', 'trend'],
  inputSchema: {
    type: 'object',
    properties: {
      values: numberArray('Series in time order'),
      window: {
        type: 'integer',
        description: 'Number of values per window',
        minimum: 1,
        maximum: 10_000,
      },
      method: {
        type: 'string',
        description:
          'simple weights each value in the window equally, and exponential weights recent values by α = 2/(window+1)',
        enum: averageMethods,
        default: 'simple',
      },
    },
    required: ['values', 'window'],
    additionalProperties: false,
  },
  run(args) {
    if (args.window > args.values.length) {
      throw new ToolError(
        `window is ${args.window} but the series has only ${args.values.length} values. Use a smaller window`,
      );
    }
    const averages =
      args.method === 'simple'
        ? simpleMovingAverage(args.values, args.window)
        : exponentialMovingAverage(args.values, args.window);

    return {
      method: args.method,
      window: args.window,
      // averages[i] covers the window that ends at values[first_index + i].
      first_index: args.window - 1,
      averages,
    };
  },
});

export const analyticsTools: BuiltinTool[] = [
  descriptiveStatistics,
  correlation,
  linearRegression,
  percentile,
  movingAverage,
];
