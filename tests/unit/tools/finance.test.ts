import { describe, expect, it } from 'vitest';
import { financeTools } from '../../../src/tools/builtin/finance.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = financeTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no finance tool named ${name}`);
  }

  return found;
}

describe('loan_payment', () => {
  it('prices a 30-year mortgage at 6%', async () => {
    const result = await runTool(tool('loan_payment'), {
      principal: 200_000,
      annual_rate: 6,
      periods: 360,
    });

    expect(result).toEqual({
      payment: 1199.1,
      final_payment: 1200.14,
      periods: 360,
      periodic_rate_percent: 0.5,
      total_paid: 431677.04,
      total_interest: 231677.04,
    });
  });

  it('returns a schedule that repays the loan', async () => {
    const result = await runTool(tool('loan_payment'), {
      principal: 1000,
      annual_rate: 12,
      periods: 3,
      include_schedule: true,
    });

    expect(result.schedule).toEqual([
      { period: 1, payment: 340.02, interest: 10, principal: 330.02, balance: 669.98 },
      { period: 2, payment: 340.02, interest: 6.7, principal: 333.32, balance: 336.66 },
      { period: 3, payment: 340.03, interest: 3.37, principal: 336.66, balance: 0 },
    ]);
    expect(result.total_interest).toBe(20.07);
  });

  it('splits a zero-rate loan evenly', async () => {
    const result = await runTool(tool('loan_payment'), {
      principal: 1200,
      annual_rate: 0,
      periods: 12,
    });

    expect(result.payment).toBe(100);
    expect(result.total_interest).toBe(0);
  });

  it('sums 600 schedule rows without drift', async () => {
    const result = await runTool(tool('loan_payment'), {
      principal: 350_000,
      annual_rate: 4.5,
      periods: 600,
      include_schedule: true,
    });
    const rows = result.schedule as { payment: number; principal: number }[];
    const principalCents = rows.reduce((sum, row) => sum + Math.round(row.principal * 100), 0);

    expect(rows).toHaveLength(600);
    expect(principalCents).toBe(35_000_000);
    expect(rows.at(-1)).toMatchObject({ balance: 0 });
  });

  it('rejects more than 600 periods', async () => {
    await expect(
      runTool(tool('loan_payment'), { principal: 1000, annual_rate: 5, periods: 601 }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('compound_interest', () => {
  it('compounds 10,000 monthly at 5% for 10 years', async () => {
    const result = await runTool(tool('compound_interest'), {
      principal: 10_000,
      annual_rate: 5,
      years: 10,
    });

    expect(result).toEqual({
      future_value: 16470.09,
      total_deposited: 10000,
      total_interest: 6470.09,
      periods: 120,
      effective_annual_rate_percent: 5.11619,
    });
  });

  it('adds contributions at period end', async () => {
    const result = await runTool(tool('compound_interest'), {
      principal: 10_000,
      annual_rate: 5,
      years: 10,
      contribution: 100,
    });

    expect(result.future_value).toBe(31998.32);
    expect(result.total_deposited).toBe(22000);
  });

  it('adds contributions at period start', async () => {
    // 1000 × 1.05³ + 100 × (1.05³ - 1) / 0.05 × 1.05 = 1488.6375
    const result = await runTool(tool('compound_interest'), {
      principal: 1000,
      annual_rate: 5,
      years: 3,
      compounds_per_year: 1,
      contribution: 100,
      contribution_timing: 'beginning',
    });

    expect(result.future_value).toBe(1488.64);
    expect(result.effective_annual_rate_percent).toBe(5);
  });

  it('rejects a partial period', async () => {
    await expect(
      runTool(tool('compound_interest'), {
        principal: 1000,
        annual_rate: 5,
        years: 1.5,
        compounds_per_year: 1,
      }),
    ).rejects.toThrow(
      'years × compounds_per_year must be a whole number of periods, got 1.5 × 1 = 1.5',
    );
  });
});

describe('npv', () => {
  it('discounts from period 0', async () => {
    // -1000 + 300 / 1.1 + 400 / 1.1² + 500 / 1.1³ = -21.0368
    const result = await runTool(tool('npv'), { rate: 10, cash_flows: [-1000, 300, 400, 500] });

    expect(result).toEqual({ npv: -21.04, periods: 4 });
  });

  it('discounts from period 1', async () => {
    const result = await runTool(tool('npv'), {
      rate: 10,
      cash_flows: [110, 121],
      first_period: 1,
      decimal_places: 6,
    });

    expect(result.npv).toBe(200);
  });

  it('rejects a rate of -100%', async () => {
    await expect(runTool(tool('npv'), { rate: -100, cash_flows: [1] })).rejects.toThrow(
      /Invalid tool arguments/,
    );
  });
});

describe('irr', () => {
  it('solves a two-period case exactly', async () => {
    // 60x² + 60x - 100 = 0 with x = 1 / (1 + r) gives r = (√69 - 7) / 10.
    const result = await runTool(tool('irr'), { cash_flows: [-100, 60, 60] });

    expect(result).toEqual({
      irr: 13.06623863,
      unit: 'percent per period',
      iterations: 5,
      npv_at_irr: 0,
      sign_changes: 1,
    });
  });

  it('solves a four-period project', async () => {
    const result = await runTool(tool('irr'), { cash_flows: [-123_400, 36_200, 54_800, 48_100] });

    expect(result.irr).toBe(5.96163786);
  });

  it('rejects flows of one sign', async () => {
    await expect(runTool(tool('irr'), { cash_flows: [100, 200] })).rejects.toThrow(
      'cash_flows must contain both a negative and a positive flow',
    );
  });

  it('fails without convergence', async () => {
    await expect(
      runTool(tool('irr'), { cash_flows: [-100, 60, 60], max_iterations: 2 }),
    ).rejects.toThrow(
      'IRR did not converge within 2 iterations from a guess of 10%. Try another guess or more iterations',
    );
  });

  it('fails when the search leaves the range', async () => {
    await expect(
      runTool(tool('irr'), { cash_flows: [-1000, 100, -100, 1200], guess: 500 }),
    ).rejects.toThrow(
      'IRR search left the valid range (rates above -100%) at iteration 1 from a guess of 500%. Try another guess',
    );
  });
});

describe('currency_format', () => {
  it('formats euros for Germany', async () => {
    const result = await runTool(tool('currency_format'), {
      amount: 1234.5,
      currency: 'eur',
      locale: 'de-DE',
    });

    expect(result).toEqual({
      formatted: '1.234,50\u00a0€',
      currency: 'EUR',
      locale: 'de-DE',
      fraction_digits: 2,
    });
  });

  it('rounds yen to whole units', async () => {
    const result = await runTool(tool('currency_format'), { amount: 1234.5, currency: 'JPY' });

    expect(result.formatted).toBe('¥1,235');
    expect(result.fraction_digits).toBe(0);
  });

  it('groups rupees by lakh', async () => {
    const result = await runTool(tool('currency_format'), {
      amount: 1234567.891,
      currency: 'INR',
      locale: 'en-IN',
    });

    expect(result.formatted).toBe('₹12,34,567.89');
  });

  it('formats a decimal string exactly', async () => {
    const result = await runTool(tool('currency_format'), {
      amount: '12345678901234567.125',
      currency: 'USD',
      currency_display: 'code',
      fraction_digits: 3,
    });

    expect(result.formatted).toBe('USD\u00a012,345,678,901,234,567.125');
  });

  it('names the currency', async () => {
    const result = await runTool(tool('currency_format'), {
      amount: 1,
      currency: 'USD',
      currency_display: 'name',
    });

    expect(result.formatted).toBe('1.00 US dollars');
  });

  it('rejects an unknown currency', async () => {
    await expect(runTool(tool('currency_format'), { amount: 1, currency: 'XYZ' })).rejects.toThrow(
      'currency "XYZ" is not a supported ISO 4217 currency code, such as USD or EUR',
    );
  });

  it('rejects a malformed locale', async () => {
    await expect(
      runTool(tool('currency_format'), { amount: 1, currency: 'USD', locale: 'en_US' }),
    ).rejects.toThrow('locale "en_US" is not a valid BCP 47 language tag, such as en-US');
  });

  it('rejects a non-numeric string', async () => {
    await expect(
      runTool(tool('currency_format'), { amount: '12abc', currency: 'USD' }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('money_allocate', () => {
  it('splits 100 into thirds', async () => {
    const result = await runTool(tool('money_allocate'), { amount: 100, ratios: [1, 1, 1] });

    expect(result).toEqual({ parts: [33.34, 33.33, 33.33], total: 100, units_from_remainders: 1 });
  });

  it('gives leftovers to the largest remainders', async () => {
    // 0.05 by 3:7 is 1.5 and 3.5 cents; both remainders are 0.5, so the first share wins.
    const result = await runTool(tool('money_allocate'), { amount: '-0.05', ratios: [3, 7] });

    expect(result.parts).toEqual([-0.02, -0.03]);
  });

  it('splits whole units', async () => {
    const result = await runTool(tool('money_allocate'), {
      amount: 10,
      ratios: [1, 2, 2],
      decimal_places: 0,
    });

    expect(result.parts).toEqual([2, 4, 4]);
  });

  it('rejects too many decimals', async () => {
    await expect(
      runTool(tool('money_allocate'), { amount: '1.005', ratios: [1, 1] }),
    ).rejects.toThrow('amount 1.005 has more than 2 decimal places');
  });

  it('rejects all-zero ratios', async () => {
    await expect(runTool(tool('money_allocate'), { amount: 1, ratios: [0, 0] })).rejects.toThrow(
      'ratios must contain at least one value above 0',
    );
  });
});
