import decimalExport from 'decimal.js';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

/*
 * Money is computed in decimal arithmetic (decimal.js, 34 significant digits) and rounded
 * half up only where a real payment would be, so that sums of cents do not drift as
 * binary floating point does. IRR is a root search, where floats are precise enough.
 */
// decimal.js loads as ESM, whose default export is the class, but its only declaration file
// is CommonJS-shaped, so TypeScript under NodeNext types the default import as the module.
const DecimalBase = decimalExport as unknown as typeof decimalExport.Decimal;
const Decimal = DecimalBase.clone({ precision: 34, rounding: DecimalBase.ROUND_HALF_UP });
type Decimal = InstanceType<typeof Decimal>;

const maxSchedulePeriods = 600;

function cents(value: Decimal): number {
  return value.toDecimalPlaces(2).toNumber();
}

function periodicRate(annualPercent: number, periodsPerYear: number): Decimal {
  return new Decimal(annualPercent).div(100).div(periodsPerYear);
}

interface LoanArgs {
  principal: number;
  annual_rate: number;
  periods: number;
  periods_per_year: number;
  include_schedule: boolean;
}

interface ScheduleRow {
  period: number;
  payment: number;
  interest: number;
  principal: number;
  balance: number;
}

/*
 * The level payment of an annuity: A = P × r / (1 - (1 + r)^-n) for a periodic rate r over
 * n periods, or P / n when r is 0. Each period's interest is rounded to the cent, and the
 * last payment absorbs what the rounding leaves, as lenders' schedules do.
 */
const loanPayment = defineTool<LoanArgs>({
  name: 'loan_payment',
  description:
    'Returns the level payment of an amortizing loan, its total interest and, on request, the amortization schedule.',
  category: 'finance',
  tier: 'free',
  tags: ['loan', 'mortgage', 'amortization', 'annuity'],
  inputSchema: {
    type: 'object',
    properties: {
      principal: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1e12,
        description: 'Amount borrowed.',
      },
      annual_rate: {
        type: 'number',
        minimum: 0,
        maximum: 100,
        description: 'Nominal annual interest rate in percent.',
      },
      periods: {
        type: 'integer',
        minimum: 1,
        maximum: maxSchedulePeriods,
        description: 'Number of payments, such as 360 for a 30-year monthly mortgage.',
      },
      periods_per_year: {
        type: 'integer',
        enum: [1, 2, 4, 12, 24, 26, 52],
        default: 12,
        description: 'Payments per year. The periodic rate is annual_rate / periods_per_year.',
      },
      include_schedule: {
        type: 'boolean',
        default: false,
        description: 'Whether to return one row per payment.',
      },
    },
    required: ['principal', 'annual_rate', 'periods'],
    additionalProperties: false,
  },
  run(args) {
    const principal = new Decimal(args.principal);
    const rate = periodicRate(args.annual_rate, args.periods_per_year);
    const exactPayment = rate.isZero()
      ? principal.div(args.periods)
      : principal.times(rate).div(new Decimal(1).minus(rate.plus(1).pow(-args.periods)));
    const payment = exactPayment.toDecimalPlaces(2);

    const schedule: ScheduleRow[] = [];
    let balance = principal;
    let totalPaid = new Decimal(0);
    let lastPayment = payment;
    for (let period = 1; period <= args.periods; period += 1) {
      const interest = balance.times(rate).toDecimalPlaces(2);
      let principalPart = Decimal.min(payment.minus(interest), balance);
      if (period === args.periods) {
        principalPart = balance;
      }
      lastPayment = principalPart.plus(interest);
      balance = balance.minus(principalPart);
      totalPaid = totalPaid.plus(lastPayment);
      schedule.push({
        period,
        payment: cents(lastPayment),
        interest: cents(interest),
        principal: cents(principalPart),
        balance: cents(balance),
      });
    }

    const result: Record<string, unknown> = {
      payment: cents(payment),
      final_payment: cents(lastPayment),
      periods: args.periods,
      periodic_rate_percent: rate.times(100).toDecimalPlaces(10).toNumber(),
      total_paid: cents(totalPaid),
      total_interest: cents(totalPaid.minus(principal)),
    };
    if (args.include_schedule) {
      result.schedule = schedule;
    }

    return result;
  },
});

interface CompoundArgs {
  principal: number;
  annual_rate: number;
  years: number;
  compounds_per_year: number;
  contribution: number;
  contribution_timing: 'end' | 'beginning';
}

/*
 * FV = P(1 + i)^N + C((1 + i)^N - 1) / i, times (1 + i) for contributions at the start of
 * each period, with i = annual rate / compounds per year and N = years × compounds per
 * year. With i = 0 it is P + C × N.
 */
const compoundInterest = defineTool<CompoundArgs>({
  name: 'compound_interest',
  description:
    'Returns the future value of a deposit compounded a number of times a year, with optional regular contributions, and the interest earned.',
  category: 'finance',
  tier: 'free',
  tags: ['interest', 'savings', 'investment', 'compounding'],
  inputSchema: {
    type: 'object',
    properties: {
      principal: { type: 'number', minimum: 0, maximum: 1e12, description: 'Initial deposit.' },
      annual_rate: {
        type: 'number',
        minimum: 0,
        maximum: 100,
        description: 'Nominal annual interest rate in percent.',
      },
      years: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 100,
        description: 'Duration in years.',
      },
      compounds_per_year: {
        type: 'integer',
        minimum: 1,
        maximum: 365,
        default: 12,
        description: 'Compounding periods per year: 1 yearly, 12 monthly, 365 daily.',
      },
      contribution: {
        type: 'number',
        minimum: 0,
        maximum: 1e9,
        default: 0,
        description: 'Amount added every compounding period.',
      },
      contribution_timing: {
        type: 'string',
        enum: ['end', 'beginning'],
        default: 'end',
        description: 'Whether contributions are made at the end or the beginning of each period.',
      },
    },
    required: ['principal', 'annual_rate', 'years'],
    additionalProperties: false,
  },
  run(args) {
    const periods = new Decimal(args.years).times(args.compounds_per_year);
    if (!periods.isInteger()) {
      throw new ToolError(
        `years × compounds_per_year must be a whole number of periods, got ${args.years} × ${args.compounds_per_year} = ${periods.toString()}`,
      );
    }
    const count = periods.toNumber();
    const rate = periodicRate(args.annual_rate, args.compounds_per_year);
    const growth = rate.plus(1).pow(count);
    const principal = new Decimal(args.principal);
    const contribution = new Decimal(args.contribution);

    let contributionsValue = rate.isZero()
      ? contribution.times(count)
      : contribution.times(growth.minus(1)).div(rate);
    if (args.contribution_timing === 'beginning') {
      contributionsValue = contributionsValue.times(rate.plus(1));
    }
    const futureValue = principal.times(growth).plus(contributionsValue);
    const deposited = principal.plus(contribution.times(count));

    return {
      future_value: cents(futureValue),
      total_deposited: cents(deposited),
      total_interest: cents(futureValue.minus(deposited)),
      periods: count,
      effective_annual_rate_percent: rate
        .plus(1)
        .pow(args.compounds_per_year)
        .minus(1)
        .times(100)
        .toDecimalPlaces(6)
        .toNumber(),
    };
  },
});

const cashFlowsProperty = {
  type: 'array',
  description:
    'Cash flows per period, negative for money paid out. The first is period 0 unless stated.',
  items: { type: 'number', minimum: -1e15, maximum: 1e15 },
  minItems: 1,
  maxItems: 1000,
};

interface NpvArgs {
  rate: number;
  cash_flows: number[];
  first_period: 0 | 1;
  decimal_places: number;
}

/** NPV = Σ CF_t / (1 + r)^t, t counted from `first_period`. */
const npv = defineTool<NpvArgs>({
  name: 'npv',
  description:
    'Returns the net present value of a series of periodic cash flows at a discount rate.',
  category: 'finance',
  tier: 'free',
  tags: ['npv', 'discounting', 'investment', 'valuation'],
  inputSchema: {
    type: 'object',
    properties: {
      rate: {
        type: 'number',
        exclusiveMinimum: -100,
        maximum: 1000,
        description: 'Discount rate per period in percent.',
      },
      cash_flows: cashFlowsProperty,
      first_period: {
        type: 'integer',
        enum: [0, 1],
        default: 0,
        description:
          'Period of the first cash flow. 0 leaves it undiscounted, and 1 matches spreadsheet NPV functions.',
      },
      decimal_places: {
        type: 'integer',
        minimum: 0,
        maximum: 10,
        default: 2,
        description: 'Decimal places of the result, rounded half up.',
      },
    },
    required: ['rate', 'cash_flows'],
    additionalProperties: false,
  },
  run(args) {
    const factor = new Decimal(args.rate).div(100).plus(1);
    const value = args.cash_flows.reduce(
      (sum, flow, index) => sum.plus(new Decimal(flow).div(factor.pow(index + args.first_period))),
      new Decimal(0),
    );

    return {
      npv: value.toDecimalPlaces(args.decimal_places).toNumber(),
      periods: args.cash_flows.length,
    };
  },
});

interface IrrArgs {
  cash_flows: number[];
  guess: number;
  max_iterations: number;
}

function countSignChanges(flows: number[]): number {
  const signs = flows.filter((flow) => flow !== 0).map(Math.sign);

  return signs.slice(1).filter((sign, index) => sign !== signs[index]).length;
}

/*
 * Newton's method on NPV(r) = Σ CF_t (1 + r)^-t from the guess. Flows with several sign
 * changes can have several roots, and the method finds the one its guess leads to.
 */
const irr = defineTool<IrrArgs>({
  name: 'irr',
  description:
    'Returns the internal rate of return of periodic cash flows, the rate at which their net present value is zero, in percent per period.',
  category: 'finance',
  tier: 'starter',
  tags: ['irr', 'return', 'investment', 'valuation'],
  inputSchema: {
    type: 'object',
    properties: {
      cash_flows: { ...cashFlowsProperty, minItems: 2 },
      guess: {
        type: 'number',
        exclusiveMinimum: -100,
        maximum: 1000,
        default: 10,
        description: 'Starting rate in percent per period.',
      },
      max_iterations: {
        type: 'integer',
        minimum: 1,
        maximum: 1000,
        default: 100,
        description: 'Newton steps to try before giving up.',
      },
    },
    required: ['cash_flows'],
    additionalProperties: false,
  },
  run(args) {
    const signChanges = countSignChanges(args.cash_flows);
    if (signChanges === 0) {
      throw new ToolError(
        'cash_flows must contain both a negative and a positive flow, or no rate makes the NPV zero',
      );
    }

    let rate = args.guess / 100;
    for (let iteration = 1; iteration <= args.max_iterations; iteration += 1) {
      let value = 0;
      let derivative = 0;
      args.cash_flows.forEach((flow, period) => {
        value += flow * (1 + rate) ** -period;
        derivative -= period * flow * (1 + rate) ** -(period + 1);
      });
      const next = rate - value / derivative;
      if (!Number.isFinite(next) || next <= -1) {
        throw new ToolError(
          `IRR search left the valid range (rates above -100%) at iteration ${iteration} from a guess of ${args.guess}%. Try another guess`,
        );
      }
      if (Math.abs(next - rate) < 1e-12) {
        const npvAtRoot = args.cash_flows.reduce(
          (sum, flow, period) => sum + flow * (1 + next) ** -period,
          0,
        );

        return {
          irr: Number((next * 100).toFixed(8)),
          unit: 'percent per period',
          iterations: iteration,
          // Adding 0 turns a rounded -0 into 0.
          npv_at_irr: Number(npvAtRoot.toFixed(6)) + 0,
          sign_changes: signChanges,
        };
      }
      rate = next;
    }

    throw new ToolError(
      `IRR did not converge within ${args.max_iterations} iterations from a guess of ${args.guess}%. Try another guess or more iterations`,
    );
  },
});

interface CurrencyFormatArgs {
  amount: number | string;
  currency: string;
  locale: string;
  currency_display: 'symbol' | 'narrowSymbol' | 'code' | 'name';
  fraction_digits?: number;
}

const supportedCurrencies: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

const currencyFormat = defineTool<CurrencyFormatArgs>({
  name: 'currency_format',
  description:
    "Returns an amount formatted as money in a currency and locale, using the runtime's ICU data.",
  category: 'finance',
  tier: 'free',
  tags: ['currency', 'money', 'locale', 'format'],
  inputSchema: {
    type: 'object',
    properties: {
      amount: {
        type: ['number', 'string'],
        pattern: '^-?\\d{1,30}(\\.\\d{1,20})?$',
        maxLength: 52,
        description:
          'Amount, as a number or as a decimal string that is formatted without rounding through a float.',
      },
      currency: {
        type: 'string',
        pattern: '^[A-Za-z]{3}$',
        description: 'ISO 4217 currency code, such as EUR.',
      },
      locale: {
        type: 'string',
        minLength: 2,
        maxLength: 35,
        default: 'en-US',
        description: 'BCP 47 locale tag, such as de-DE or ja-JP.',
      },
      currency_display: {
        type: 'string',
        enum: ['symbol', 'narrowSymbol', 'code', 'name'],
        default: 'symbol',
        description: 'How to show the currency: $, the narrow symbol, USD or "US dollars".',
      },
      fraction_digits: {
        type: 'integer',
        minimum: 0,
        maximum: 20,
        description: "Decimal places, by default the currency's minor unit (2 for EUR, 0 for JPY).",
      },
    },
    required: ['amount', 'currency'],
    additionalProperties: false,
  },
  run(args) {
    const currency = args.currency.toUpperCase();
    if (!supportedCurrencies.has(currency)) {
      throw new ToolError(
        `currency "${args.currency}" is not a supported ISO 4217 currency code, such as USD or EUR`,
      );
    }
    let locale: string;
    try {
      [locale = 'en-US'] = Intl.getCanonicalLocales(args.locale);
    } catch {
      throw new ToolError(
        `locale "${args.locale}" is not a valid BCP 47 language tag, such as en-US`,
      );
    }

    const formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      currencyDisplay: args.currency_display,
      ...(args.fraction_digits === undefined
        ? {}
        : {
            minimumFractionDigits: args.fraction_digits,
            maximumFractionDigits: args.fraction_digits,
          }),
    });
    // Intl formats a decimal string exactly, which a float could not do for large amounts.
    const formatted = formatter.format(args.amount as Intl.StringNumericLiteral);
    const resolved = formatter.resolvedOptions();

    return {
      formatted,
      currency,
      locale: resolved.locale,
      fraction_digits: resolved.maximumFractionDigits,
    };
  },
});

interface AllocateArgs {
  amount: number | string;
  ratios: number[];
  decimal_places: number;
}

/*
 * The largest remainder method: every share is rounded down to the smallest unit. The units
 * left over go one each to the shares with the largest remainders, earlier shares first on a
 * tie, so the parts always add up to the amount.
 */
const moneyAllocate = defineTool<AllocateArgs>({
  name: 'money_allocate',
  description:
    'Returns an amount split by ratios into parts rounded to the cent that add up exactly to the amount.',
  category: 'finance',
  tier: 'free',
  tags: ['money', 'split', 'allocation', 'rounding'],
  inputSchema: {
    type: 'object',
    properties: {
      amount: {
        type: ['number', 'string'],
        pattern: '^-?\\d{1,20}(\\.\\d{1,10})?$',
        maxLength: 32,
        description: 'Amount to split, as a number or a decimal string.',
      },
      ratios: {
        type: 'array',
        description: 'Relative sizes of the parts, such as [1, 1, 1] for thirds or [70, 30].',
        items: { type: 'number', minimum: 0, maximum: 1e12 },
        minItems: 1,
        maxItems: 1000,
      },
      decimal_places: {
        type: 'integer',
        minimum: 0,
        maximum: 8,
        default: 2,
        description: 'Decimal places of the smallest unit: 2 for cents, 0 for whole units.',
      },
    },
    required: ['amount', 'ratios'],
    additionalProperties: false,
  },
  run(args) {
    const amount = new Decimal(args.amount);
    const units = amount.abs().times(new Decimal(10).pow(args.decimal_places));
    if (!units.isInteger()) {
      throw new ToolError(
        `amount ${String(args.amount)} has more than ${args.decimal_places} decimal places`,
      );
    }
    const ratioTotal = args.ratios.reduce((sum, ratio) => sum.plus(ratio), new Decimal(0));
    if (ratioTotal.isZero()) {
      throw new ToolError('ratios must contain at least one value above 0');
    }

    const exact = args.ratios.map((ratio) => units.times(ratio).div(ratioTotal));
    const shares = exact.map((share) => share.floor());
    const leftover = units
      .minus(shares.reduce((sum, share) => sum.plus(share), new Decimal(0)))
      .toNumber();
    const byRemainder = exact
      .map((share, index) => ({ index, remainder: share.minus(share.floor()) }))
      .sort(
        (left, right) => right.remainder.comparedTo(left.remainder) || left.index - right.index,
      );
    for (const { index } of byRemainder.slice(0, leftover)) {
      shares[index] = (shares[index] as Decimal).plus(1);
    }

    const unit = new Decimal(10).pow(-args.decimal_places);
    const sign = amount.isNegative() ? -1 : 1;

    return {
      parts: shares.map((share) => share.times(unit).times(sign).toNumber()),
      total: amount.toNumber(),
      units_from_remainders: leftover,
    };
  },
});

export const financeTools: BuiltinTool[] = [
  loanPayment,
  compoundInterest,
  npv,
  irr,
  currencyFormat,
  moneyAllocate,
];
