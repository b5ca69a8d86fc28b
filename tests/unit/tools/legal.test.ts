import { describe, expect, it } from 'vitest';
import { legalTools } from '../../../src/tools/builtin/legal.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = legalTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no legal tool named ${name}`);
  }

  return found;
}

const contract = `MASTER SERVICES AGREEMENT

This Master Services Agreement (the "Agreement") is made between Acme Ltd (the "Supplier") and Beta LLC (the “Customer”) (each a "Party" and together the "Parties").

1. Definitions
1.1 "Services" means the services described in Schedule 1.
1.2 "Effective Date" shall mean the date on which the last Party signs this Agreement.
1.3 "Fees" has the meaning given in clause 3.
2. Services
2.1 The Supplier shall provide the Services to the Customer from the Effective Date.
(a) The Supplier shall act in good faith.
(b) The Customer shall:
(i) pay the Fees; and
(ii) cooperate with the Supplier.
2.3 Each of the Parties shall keep the terms of this Agreement confidential.
`;

describe('deadline_calculator', () => {
  it('rolls a Sunday deadline to Monday', async () => {
    const result = await runTool(tool('deadline_calculator'), {
      start_date: '2024-05-24',
      period: 30,
    });

    expect(result).toEqual({
      start_date: '2024-05-24',
      deadline: '2024-06-24',
      weekday: 'Monday',
      unadjusted_deadline: '2024-06-23',
      unadjusted_weekday: 'Sunday',
      skipped_days: [{ date: '2024-06-23', reason: 'weekend' }],
      calendar_days_from_start: 31,
      is_business_day: true,
    });
  });

  it('rolls past a holiday after a weekend', async () => {
    const result = await runTool(tool('deadline_calculator'), {
      start_date: '2024-05-24',
      period: 30,
      holidays: ['2024-06-24'],
    });

    expect(result.deadline).toBe('2024-06-25');
    expect(result.skipped_days).toEqual([
      { date: '2024-06-23', reason: 'weekend' },
      { date: '2024-06-24', reason: 'holiday' },
    ]);
  });

  it('counts business days over holidays', async () => {
    const result = await runTool(tool('deadline_calculator'), {
      start_date: '2024-12-20',
      period: 5,
      unit: 'business_days',
      holidays: ['2024-12-25', '2025-01-01'],
    });

    expect(result.deadline).toBe('2024-12-30');
    expect(result.weekday).toBe('Monday');
    expect(result.calendar_days_from_start).toBe(10);
    expect(result.skipped_days).toEqual([]);
  });

  it('rolls backward when counting before a date', async () => {
    const result = await runTool(tool('deadline_calculator'), {
      start_date: '2024-07-15',
      period: 15,
      direction: 'before',
    });

    expect(result.unadjusted_deadline).toBe('2024-06-30');
    expect(result.deadline).toBe('2024-06-28');
    expect(result.calendar_days_from_start).toBe(-17);
  });

  it('keeps a weekend deadline on request', async () => {
    const result = await runTool(tool('deadline_calculator'), {
      start_date: '2024-05-24',
      period: 30,
      non_business_day: 'keep',
    });

    expect(result.deadline).toBe('2024-06-23');
    expect(result.is_business_day).toBe(false);
  });

  it('rolls forward a zero-day period from a Saturday', async () => {
    const result = await runTool(tool('deadline_calculator'), {
      start_date: '2024-06-29',
      period: 0,
      direction: 'before',
      non_business_day: 'roll_forward',
    });

    expect(result.deadline).toBe('2024-07-01');
  });

  it('rejects an impossible date', async () => {
    await expect(
      runTool(tool('deadline_calculator'), { start_date: '2023-02-29', period: 1 }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });

  it('rejects an invalid holiday', async () => {
    await expect(
      runTool(tool('deadline_calculator'), {
        start_date: '2024-01-01',
        period: 1,
        holidays: ['next friday'],
      }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });

  it('rejects a negative period', async () => {
    await expect(
      runTool(tool('deadline_calculator'), { start_date: '2024-01-01', period: -3 }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('defined_terms_index', () => {
  it('indexes terms with offsets and uses', async () => {
    const result = await runTool(tool('defined_terms_index'), { text: contract });

    expect(result).toEqual({
      terms: [
        {
          term: 'Agreement',
          offset: 64,
          line: 3,
          style: 'parenthetical',
          uses: 2,
          uses_before_definition: 1,
          first_use_offset: 344,
          other_definition_offsets: [],
        },
        {
          term: 'Supplier',
          offset: 107,
          line: 3,
          style: 'parenthetical',
          uses: 3,
          uses_before_definition: 0,
          first_use_offset: 421,
          other_definition_offsets: [],
        },
        {
          term: 'Customer',
          offset: 137,
          line: 3,
          style: 'parenthetical',
          uses: 2,
          uses_before_definition: 0,
          first_use_offset: 464,
          other_definition_offsets: [],
        },
        {
          term: 'Party',
          offset: 157,
          line: 3,
          style: 'parenthetical',
          uses: 1,
          uses_before_definition: 0,
          first_use_offset: 327,
          other_definition_offsets: [],
        },
        {
          term: 'Parties',
          offset: 182,
          line: 3,
          style: 'parenthetical',
          uses: 1,
          uses_before_definition: 0,
          first_use_offset: 636,
          other_definition_offsets: [],
        },
        {
          term: 'Services',
          offset: 214,
          line: 6,
          style: 'means',
          uses: 2,
          uses_before_definition: 1,
          first_use_offset: 404,
          other_definition_offsets: [],
        },
        {
          term: 'Effective Date',
          offset: 273,
          line: 7,
          style: 'means',
          uses: 1,
          uses_before_definition: 0,
          first_use_offset: 482,
          other_definition_offsets: [],
        },
        {
          term: 'Fees',
          offset: 360,
          line: 8,
          style: 'means',
          uses: 1,
          uses_before_definition: 0,
          first_use_offset: 576,
          other_definition_offsets: [],
        },
      ],
      term_count: 8,
      unused_terms: [],
      offset_unit: 'UTF-16 code units from the start of the text',
    });
  });

  it('points offsets at the term', async () => {
    const result = await runTool(tool('defined_terms_index'), { text: contract });
    const terms = result.terms as { term: string; offset: number; first_use_offset: number }[];

    for (const entry of terms) {
      expect(contract.slice(entry.offset, entry.offset + entry.term.length)).toBe(entry.term);
      expect(
        contract.slice(entry.first_use_offset, entry.first_use_offset + entry.term.length),
      ).toBe(entry.term);
    }
  });

  it('reports unused and redefined terms', async () => {
    const text =
      'The lender (the "Bank") lends. "Loan" means the loan. "Bank" means the lender again.';
    const result = await runTool(tool('defined_terms_index'), { text });

    expect(result.unused_terms).toEqual(['Bank', 'Loan']);
    expect(result.terms).toEqual([
      {
        term: 'Bank',
        offset: 17,
        line: 1,
        style: 'parenthetical',
        uses: 0,
        uses_before_definition: 0,
        first_use_offset: null,
        other_definition_offsets: [55],
      },
      {
        term: 'Loan',
        offset: 32,
        line: 1,
        style: 'means',
        uses: 0,
        uses_before_definition: 0,
        first_use_offset: null,
        other_definition_offsets: [],
      },
    ]);
  });

  it('counts a bracketed means definition once', async () => {
    const text = 'Terms (“Services” means the work). The Services start now.';
    const result = await runTool(tool('defined_terms_index'), { text });

    expect(result.terms).toEqual([
      {
        term: 'Services',
        offset: 8,
        line: 1,
        style: 'parenthetical',
        uses: 1,
        uses_before_definition: 0,
        first_use_offset: 39,
        other_definition_offsets: [],
      },
    ]);
  });

  it('ignores lower-case quoted words', async () => {
    const result = await runTool(tool('defined_terms_index'), {
      text: 'The word "material" means important (the "small print").',
    });

    expect(result.terms).toEqual([]);
  });

  it('indexes 9,000 terms in one scan', async () => {
    const lines = Array.from({ length: 9000 }, (_, index) => `("T${index}") T${index}.`);
    const text = lines.join('\n');
    const started = performance.now();
    const result = await runTool(
      tool('defined_terms_index'),
      { text },
      { limits: { maxOutputBytes: 4 * 1024 * 1024 } },
    );
    const terms = result.terms as { term: string; uses: number; line: number }[];

    expect(text.length).toBeLessThan(200_000);
    expect(result.term_count).toBe(9000);
    expect(terms.every((entry) => entry.uses === 1)).toBe(true);
    expect(terms[8999]).toMatchObject({ term: 'T8999', line: 9000 });
    // The engine's time limit cannot stop synchronous work, so the scan must stay fast.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('returns no terms for plain text', async () => {
    const result = await runTool(tool('defined_terms_index'), {
      text: 'No definitions (see below) here.',
    });

    expect(result.terms).toEqual([]);
    expect(result.term_count).toBe(0);
  });

  it('rejects empty text', async () => {
    await expect(runTool(tool('defined_terms_index'), { text: '' })).rejects.toThrow(
      /Invalid tool arguments/,
    );
  });
});

describe('contract_clause_outline', () => {
  it('builds the clause tree', async () => {
    const result = await runTool(tool('contract_clause_outline'), { text: contract });

    expect(result).toEqual({
      clauses: [
        {
          label: '1',
          reference: '1',
          title: 'Definitions',
          line: 5,
          children: [
            {
              label: '1.1',
              reference: '1.1',
              title: '"Services" means the services described in Schedule 1.',
              line: 6,
              children: [],
            },
            {
              label: '1.2',
              reference: '1.2',
              title:
                '"Effective Date" shall mean the date on which the last Party signs this Agreement.',
              line: 7,
              children: [],
            },
            {
              label: '1.3',
              reference: '1.3',
              title: '"Fees" has the meaning given in clause 3.',
              line: 8,
              children: [],
            },
          ],
        },
        {
          label: '2',
          reference: '2',
          title: 'Services',
          line: 9,
          children: [
            {
              label: '2.1',
              reference: '2.1',
              title:
                'The Supplier shall provide the Services to the Customer from the Effective Date.',
              line: 10,
              children: [
                {
                  label: '(a)',
                  reference: '2.1(a)',
                  title: 'The Supplier shall act in good faith.',
                  line: 11,
                  children: [],
                },
                {
                  label: '(b)',
                  reference: '2.1(b)',
                  title: 'The Customer shall:',
                  line: 12,
                  children: [
                    {
                      label: '(i)',
                      reference: '2.1(b)(i)',
                      title: 'pay the Fees; and',
                      line: 13,
                      children: [],
                    },
                    {
                      label: '(ii)',
                      reference: '2.1(b)(ii)',
                      title: 'cooperate with the Supplier.',
                      line: 14,
                      children: [],
                    },
                  ],
                },
              ],
            },
            {
              label: '2.3',
              reference: '2.3',
              title: 'Each of the Parties shall keep the terms of this Agreement confidential.',
              line: 15,
              children: [],
            },
          ],
        },
      ],
      clause_count: 11,
      warnings: ['2.3 on line 15 follows 2.1; expected number 2 at that level'],
    });
  });

  it('reads (i) after (h) as a letter', async () => {
    const letters = 'abcdefghij'.split('').map((letter) => `(${letter}) item`);
    const result = await runTool(tool('contract_clause_outline'), {
      text: ['1. Scope', ...letters].join('\n'),
    });
    const [scope] = result.clauses as { children: { reference: string }[] }[];

    expect(scope?.children.map((child) => child.reference)).toEqual([
      '1(a)',
      '1(b)',
      '1(c)',
      '1(d)',
      '1(e)',
      '1(f)',
      '1(g)',
      '1(h)',
      '1(i)',
      '1(j)',
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('nests bracketed numbers and capitals', async () => {
    const text =
      'Section 4 Liability\n(1) General.\n(a) direct loss;\n(i) capped;\n(A) per claim.\n(2) Exclusions.';
    const result = await runTool(tool('contract_clause_outline'), { text, title_length: 10 });

    expect(result.clauses).toEqual([
      {
        label: '4',
        reference: '4',
        title: 'Liability',
        line: 1,
        children: [
          {
            label: '(1)',
            reference: '4(1)',
            title: 'General.',
            line: 2,
            children: [
              {
                label: '(a)',
                reference: '4(1)(a)',
                title: 'direct lo…',
                line: 3,
                children: [
                  {
                    label: '(i)',
                    reference: '4(1)(a)(i)',
                    title: 'capped;',
                    line: 4,
                    children: [
                      {
                        label: '(A)',
                        reference: '4(1)(a)(i)(A)',
                        title: 'per claim.',
                        line: 5,
                        children: [],
                      },
                    ],
                  },
                ],
              },
            ],
          },
          { label: '(2)', reference: '4(2)', title: 'Exclusion…', line: 6, children: [] },
        ],
      },
    ]);
    expect(result.warnings).toEqual([
      '4 on line 1 opens its level; expected number 1 at that level',
    ]);
  });

  it('warns about a clause under the wrong parent', async () => {
    const result = await runTool(tool('contract_clause_outline'), {
      text: '1. One\n1.1 First\n3.2 Stray',
    });

    expect(result.warnings).toEqual(['3.2 on line 3 sits under 1']);
  });

  it('skips bare numbers without a dot', async () => {
    const result = await runTool(tool('contract_clause_outline'), {
      text: '12 apples\n2024 was a year',
    });

    expect(result.clauses).toEqual([]);
    expect(result.clause_count).toBe(0);
  });

  it('rejects text over the limit', async () => {
    await expect(
      runTool(tool('contract_clause_outline'), { text: 'x'.repeat(200_001) }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('notice_period_end', () => {
  it('ends four weeks on the fifteenth', async () => {
    const result = await runTool(tool('notice_period_end'), {
      notice_date: '2024-03-18',
      period: 4,
      unit: 'weeks',
      termination_dates: 'fifteenth_or_month_end',
    });

    expect(result).toEqual({
      notice_date: '2024-03-18',
      period_end: '2024-04-15',
      termination_date: '2024-04-15',
      weekday: 'Monday',
      days_after_notice: 28,
    });
  });

  it('moves a day late notice to month end', async () => {
    const result = await runTool(tool('notice_period_end'), {
      notice_date: '2024-03-19',
      period: 4,
      unit: 'weeks',
      termination_dates: 'fifteenth_or_month_end',
    });

    expect(result.period_end).toBe('2024-04-16');
    expect(result.termination_date).toBe('2024-04-30');
    expect(result.days_after_notice).toBe(42);
  });

  it('ends a month on the last day of February', async () => {
    const result = await runTool(tool('notice_period_end'), {
      notice_date: '2024-01-31',
      period: 1,
      unit: 'months',
    });

    expect(result.termination_date).toBe('2024-02-29');
    expect(result.weekday).toBe('Thursday');
  });

  it('moves months to month end', async () => {
    const result = await runTool(tool('notice_period_end'), {
      notice_date: '2024-11-20',
      period: 3,
      unit: 'months',
      termination_dates: 'month_end',
    });

    expect(result.period_end).toBe('2025-02-20');
    expect(result.termination_date).toBe('2025-02-28');
  });

  it('moves weeks to quarter end', async () => {
    const result = await runTool(tool('notice_period_end'), {
      notice_date: '2024-05-10',
      period: 6,
      unit: 'weeks',
      termination_dates: 'quarter_end',
    });

    expect(result.period_end).toBe('2024-06-21');
    expect(result.termination_date).toBe('2024-06-30');
    expect(result.days_after_notice).toBe(51);
  });

  it('moves days to year end', async () => {
    const result = await runTool(tool('notice_period_end'), {
      notice_date: '2024-12-01',
      period: 30,
      unit: 'days',
      termination_dates: 'year_end',
    });

    expect(result.period_end).toBe('2024-12-31');
    expect(result.termination_date).toBe('2024-12-31');
  });

  it('rejects an unknown unit', async () => {
    await expect(
      runTool(tool('notice_period_end'), {
        notice_date: '2024-01-01',
        period: 1,
        unit: 'fortnights',
      }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('age_of_majority_date', () => {
  it('reaches eighteen on the birthday', async () => {
    const result = await runTool(tool('age_of_majority_date'), {
      birth_date: '2006-02-28',
      as_of: '2024-02-27',
    });

    expect(result).toEqual({
      birth_date: '2006-02-28',
      age: 18,
      date_reached: '2024-02-28',
      weekday: 'Wednesday',
      as_of: '2024-02-27',
      reached_by_as_of: false,
      days_until_reached: 1,
    });
  });

  it('moves a leap-day birthday to 1 March', async () => {
    const result = await runTool(tool('age_of_majority_date'), {
      birth_date: '2004-02-29',
      age: 21,
    });

    expect(result).toEqual({
      birth_date: '2004-02-29',
      age: 21,
      date_reached: '2025-03-01',
      weekday: 'Saturday',
    });
  });

  it('keeps a leap-day birthday on 28 February', async () => {
    const result = await runTool(tool('age_of_majority_date'), {
      birth_date: '2004-02-29',
      age: 21,
      leap_day_birthday: 'february_28',
      as_of: '2025-02-28',
    });

    expect(result.date_reached).toBe('2025-02-28');
    expect(result.reached_by_as_of).toBe(true);
    expect(result.days_until_reached).toBe(0);
  });

  it('keeps 29 February in a leap year', async () => {
    const result = await runTool(tool('age_of_majority_date'), {
      birth_date: '2004-02-29',
      age: 20,
    });

    expect(result.date_reached).toBe('2024-02-29');
  });

  it('rejects a check date before birth', async () => {
    await expect(
      runTool(tool('age_of_majority_date'), { birth_date: '2004-02-29', as_of: '2000-01-01' }),
    ).rejects.toThrow('as_of (2000-01-01) must not be before birth_date (2004-02-29)');
  });
});
