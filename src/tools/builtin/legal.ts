import {
  addDays,
  addMonths,
  addWeeks,
  addYears,
  differenceInCalendarDays,
  endOfMonth,
  endOfQuarter,
  endOfYear,
  getDate,
  getMonth,
  isAfter,
  isLeapYear,
  setDate,
  startOfDay,
} from 'date-fns';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';
import {
  addBusinessDays,
  createBusinessCalendar,
  formatIsoDate,
  holidaysProperty,
  isoDateProperty,
  parseIsoDate,
  rollToBusinessDay,
  weekdayName,
} from './shared/dates.js';

const maxContractLength = 200_000;

type NonBusinessDayRule = 'roll_with_count' | 'roll_forward' | 'roll_backward' | 'keep';

interface DeadlineArgs {
  start_date: string;
  period: number;
  unit: 'calendar_days' | 'business_days';
  direction: 'after' | 'before';
  holidays: string[];
  non_business_day: NonBusinessDayRule;
}

/*
 * The counting follows Fed. R. Civ. P. 6(a)(1), as amended in 2009: exclude the day of the
 * triggering event, count every day, and when the last day is a Saturday, Sunday or legal
 * holiday, the period runs until the next day that is not one of them. Rule 6(a)(5) counts that "next
 * day" forward for a period after an event and backward for one before it, which is
 * `roll_with_count`.
 */
const deadlineCalculator = defineTool<DeadlineArgs>({
  name: 'deadline_calculator',
  description:
    'Returns the deadline a number of calendar or business days after or before a date, rolled off weekends and holidays as Fed. R. Civ. P. 6(a) counts.',
  category: 'legal',
  tier: 'free',
  tags: ['deadline', 'court', 'business', 'days'],
  inputSchema: {
    type: 'object',
    properties: {
      start_date: isoDateProperty(
        'Date of the triggering event (YYYY-MM-DD), which is not counted.',
      ),
      period: {
        type: 'integer',
        minimum: 0,
        maximum: 3650,
        description: 'Length of the period in `unit`.',
      },
      unit: {
        type: 'string',
        enum: ['calendar_days', 'business_days'],
        default: 'calendar_days',
        description:
          'calendar_days counts every day, and business_days only weekdays that are not holidays.',
      },
      direction: {
        type: 'string',
        enum: ['after', 'before'],
        default: 'after',
        description:
          'Whether the deadline falls after the start date or before it (a period before a hearing).',
      },
      holidays: holidaysProperty,
      non_business_day: {
        type: 'string',
        enum: ['roll_with_count', 'roll_forward', 'roll_backward', 'keep'],
        default: 'roll_with_count',
        description:
          'What to do when the deadline lands on a weekend or holiday: roll in the counting direction, always forward, always backward, or keep it.',
      },
    },
    required: ['start_date', 'period'],
    additionalProperties: false,
  },
  run(args) {
    const start = parseIsoDate(args.start_date, 'start_date');
    const calendar = createBusinessCalendar(args.holidays);
    const step = args.direction === 'after' ? 1 : -1;
    const unadjusted =
      args.unit === 'calendar_days'
        ? addDays(start, step * args.period)
        : addBusinessDays(start, step * args.period, calendar);

    let deadline = unadjusted;
    let skipped: ReturnType<typeof rollToBusinessDay>['skipped'] = [];
    if (args.non_business_day !== 'keep') {
      const rollStep =
        args.non_business_day === 'roll_with_count'
          ? step
          : args.non_business_day === 'roll_forward'
            ? 1
            : -1;
      ({ date: deadline, skipped } = rollToBusinessDay(unadjusted, rollStep, calendar));
    }

    return {
      start_date: formatIsoDate(start),
      deadline: formatIsoDate(deadline),
      weekday: weekdayName(deadline),
      unadjusted_deadline: formatIsoDate(unadjusted),
      unadjusted_weekday: weekdayName(unadjusted),
      skipped_days: skipped,
      calendar_days_from_start: differenceInCalendarDays(deadline, start),
      is_business_day: calendar.isBusinessDay(deadline),
    };
  },
});

interface DefinedTermsArgs {
  text: string;
}

type DefinitionStyle = 'parenthetical' | 'means';

interface Definition {
  term: string;
  offset: number;
  style: DefinitionStyle;
}

// A quoted term inside brackets, as in (the "Agreement") or (each a “Party”). The term
// must start with a capital letter, which keeps out quoted phrases such as (see "below").
// The patterns take no `i` flag, because with it \p{Lu} also matches lower-case letters.
const parentheticalPattern = /\(([^()]{0,300})\)/g;
const quotedTermPattern = /["“](\p{Lu}[^"“”\n]{0,99})["”]/gu;
const meansPattern =
  /["“](\p{Lu}[^"“”\n]{0,99})["”]\s*,?\s*(?:shall\s+mean|means|shall\s+have\s+the\s+meaning|has\s+the\s+meaning|shall\s+refer\s+to|refers\s+to)\b/gu;

function findDefinitions(text: string): Definition[] {
  const definitions: Definition[] = [];
  for (const bracket of text.matchAll(parentheticalPattern)) {
    const inner = bracket[1] ?? '';
    const innerOffset = (bracket.index ?? 0) + 1;
    for (const quoted of inner.matchAll(quotedTermPattern)) {
      definitions.push({
        term: quoted[1] ?? '',
        offset: innerOffset + (quoted.index ?? 0) + 1,
        style: 'parenthetical',
      });
    }
  }
  for (const match of text.matchAll(meansPattern)) {
    definitions.push({ term: match[1] ?? '', offset: (match.index ?? 0) + 1, style: 'means' });
  }

  // ("Services" means …) matches both patterns, so one definition per offset is kept.
  const byOffset = new Map<number, Definition>();
  for (const definition of definitions) {
    const term = definition.term.replace(/[,.;:\s]+$/u, '');
    if (term.length > 0 && !byOffset.has(definition.offset)) {
      byOffset.set(definition.offset, { ...definition, term });
    }
  }

  return [...byOffset.values()].sort((left, right) => left.offset - right.offset);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Finds whole-word occurrences of every term in one scan. The alternation lists longer terms
 * first, so "Agreement" inside "Agreement Date" counts only as a use of the longer term.
 */
function findUses(text: string, terms: string[]): Map<string, number[]> {
  const uses = new Map<string, number[]>(terms.map((term) => [term, []]));
  if (terms.length === 0) {
    return uses;
  }
  const alternatives = [...terms]
    .sort((left, right) => right.length - left.length)
    .map(escapeRegExp)
    .join('|');
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives})(?![\\p{L}\\p{N}_])`, 'gu');
  for (const match of text.matchAll(pattern)) {
    uses.get(match[0])?.push(match.index);
  }

  return uses;
}

/** Returns a function from an offset in `text` to its 1-based line number. */
function createLineLookup(text: string): (offset: number) => number {
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
    lineStarts.push(index + 1);
  }

  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((lineStarts[middle] as number) <= offset) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }

    return low + 1;
  };
}

const definedTermsIndex = defineTool<DefinedTermsArgs>({
  name: 'defined_terms_index',
  description:
    'Returns the defined terms of a contract, each with the offset of its definition and counts of its uses before and after it.',
  category: 'legal',
  tier: 'pro',
  tags: ['contract', 'definitions', 'terms', 'drafting'],
  inputSchema: {
    type: 'object',
    properties: {
      text: {
        type: 'string',
        minLength: 1,
        maxLength: maxContractLength,
        description:
          'Contract text. Definitions are recognised as (the "Term") and as "Term" means, shall mean, has the meaning or refers to.',
      },
    },
    required: ['text'],
    additionalProperties: false,
  },
  run(args) {
    const definitions = findDefinitions(args.text);
    const byTerm = new Map<string, Definition[]>();
    for (const definition of definitions) {
      byTerm.set(definition.term, [...(byTerm.get(definition.term) ?? []), definition]);
    }
    const uses = findUses(args.text, [...byTerm.keys()]);
    const lineAt = createLineLookup(args.text);

    const terms = [...byTerm.entries()].map(([term, termDefinitions]) => {
      const [first, ...others] = termDefinitions as [Definition, ...Definition[]];
      const definingOffsets = new Set(termDefinitions.map((definition) => definition.offset));
      const occurrences = (uses.get(term) ?? []).filter((offset) => !definingOffsets.has(offset));
      const later = occurrences.filter((offset) => offset > first.offset);

      return {
        term,
        offset: first.offset,
        line: lineAt(first.offset),
        style: first.style,
        uses: later.length,
        uses_before_definition: occurrences.length - later.length,
        first_use_offset: later[0] ?? null,
        other_definition_offsets: others.map((definition) => definition.offset),
      };
    });

    return {
      terms,
      term_count: terms.length,
      unused_terms: terms.filter((entry) => entry.uses === 0).map((entry) => entry.term),
      offset_unit: 'UTF-16 code units from the start of the text',
    };
  },
});

interface ClauseOutlineArgs {
  text: string;
  title_length: number;
}

type ClauseKind = 'number' | 'bracketed_number' | 'lower_letter' | 'lower_roman' | 'upper_letter';

interface ClauseNode {
  label: string;
  reference: string;
  title: string;
  line: number;
  children: ClauseNode[];
}

interface OpenClause {
  node: ClauseNode;
  kind: ClauseKind;
  /** Nesting rank: "1." is 1 and "1.1" is 2, and (1), (a), (i) and (A) follow below every number. */
  rank: number;
  ordinal: number;
}

const numberedHeading =
  /^(?:(?:article|section|clause)\s+)?(\d{1,3}(?:\.\d{1,3})*)(\.?)(?:\s+(.*))?$/i;
const bracketedHeading = /^\((\d{1,3}|[a-z]{1,2}|[ivxlc]{1,6}|[A-Z]{1,2})\)(?:\s+(.*))?$/;
const romanPattern = /^(?:x{0,3})(?:ix|iv|v?i{0,3})$/;
const bracketRank: Record<Exclude<ClauseKind, 'number'>, number> = {
  bracketed_number: 50,
  lower_letter: 100,
  lower_roman: 101,
  upper_letter: 102,
};

function romanValue(label: string): number {
  const values: Record<string, number> = { i: 1, v: 5, x: 10, l: 50, c: 100 };
  let total = 0;
  for (let index = 0; index < label.length; index += 1) {
    const value = values[label[index] ?? ''] ?? 0;
    const next = values[label[index + 1] ?? ''] ?? 0;
    total += value < next ? -value : value;
  }

  return total;
}

function letterOrdinal(label: string): number {
  return label.toLowerCase().charCodeAt(0) - 96 + 26 * (label.length - 1);
}

/**
 * Decides whether "(i)", "(v)" or "(x)" continues a lettered list or starts a roman one.
 * It is a letter only when the nearest open lettered clause is the letter before it.
 */
function bracketKind(label: string, stack: OpenClause[]): Exclude<ClauseKind, 'number'> {
  if (/^\d+$/.test(label)) {
    return 'bracketed_number';
  }
  if (/^[A-Z]+$/.test(label)) {
    return 'upper_letter';
  }
  if (!romanPattern.test(label)) {
    return 'lower_letter';
  }
  const openLetter = [...stack]
    .reverse()
    .find((open) => open.kind === 'lower_letter' || open.kind === 'lower_roman');
  if (
    label.length === 1 &&
    openLetter?.kind === 'lower_letter' &&
    openLetter.ordinal === letterOrdinal(label) - 1
  ) {
    return 'lower_letter';
  }

  return 'lower_roman';
}

function bracketOrdinal(kind: Exclude<ClauseKind, 'number'>, label: string): number {
  if (kind === 'bracketed_number') {
    return Number(label);
  }

  return kind === 'lower_roman' ? romanValue(label) : letterOrdinal(label);
}

function cutTitle(text: string, length: number): string {
  const title = text.trim();

  return title.length > length ? `${title.slice(0, length - 1).trimEnd()}…` : title;
}

const contractClauseOutline = defineTool<ClauseOutlineArgs>({
  name: 'contract_clause_outline',
  description:
    'Returns the numbered clauses of a contract (1., 1.1, (1), (a), (i), (A)) as a tree with references such as 1.1(a)(i), and warns about gaps in the numbering.',
  category: 'legal',
  tier: 'free',
  tags: ['contract', 'clauses', 'outline', 'numbering'],
  inputSchema: {
    type: 'object',
    properties: {
      text: {
        type: 'string',
        minLength: 1,
        maxLength: maxContractLength,
        description: 'Contract text. A clause label counts only at the start of a line.',
      },
      title_length: {
        type: 'integer',
        minimum: 10,
        maximum: 500,
        default: 120,
        description:
          'Characters of each clause line kept as its title. Longer lines end with an ellipsis.',
      },
    },
    required: ['text'],
    additionalProperties: false,
  },
  run(args) {
    const root: ClauseNode[] = [];
    const stack: OpenClause[] = [];
    const lastOrdinal = new Map<ClauseNode[], { ordinal: number; label: string }>();
    const warnings: string[] = [];
    let clauseCount = 0;

    args.text.split(/\r?\n/).forEach((rawLine, index) => {
      const line = rawLine.trim();
      let kind: ClauseKind;
      let label: string;
      let rest: string;
      let rank: number;
      let ordinal: number;

      const numbered = numberedHeading.exec(line);
      const bracketed = numbered === null ? bracketedHeading.exec(line) : null;
      if (numbered !== null) {
        const [, number = '', dot, title = ''] = numbered;
        const parts = number.split('.');
        // A bare "2" without a dot is too often a quantity to be a clause number.
        if (parts.length === 1 && dot === '' && !/^(?:article|section|clause)\s/i.test(line)) {
          return;
        }
        kind = 'number';
        label = number;
        rest = title;
        rank = parts.length;
        ordinal = Number(parts.at(-1));
      } else if (bracketed !== null) {
        const [, bracketLabel = '', title = ''] = bracketed;
        kind = bracketKind(bracketLabel, stack);
        label = `(${bracketLabel})`;
        rest = title;
        rank = bracketRank[kind];
        ordinal = bracketOrdinal(kind, bracketLabel);
      } else {
        return;
      }

      while (stack.length > 0 && (stack.at(-1) as OpenClause).rank >= rank) {
        stack.pop();
      }
      const parent = stack.at(-1);
      const siblings = parent === undefined ? root : parent.node.children;
      const reference =
        kind === 'number' || parent === undefined ? label : `${parent.node.reference}${label}`;
      const node: ClauseNode = {
        label,
        reference,
        title: cutTitle(rest, args.title_length),
        line: index + 1,
        children: [],
      };

      const previous = lastOrdinal.get(siblings);
      const expected = (previous?.ordinal ?? 0) + 1;
      if (ordinal !== expected) {
        const after = previous === undefined ? 'opens its level' : `follows ${previous.label}`;
        warnings.push(
          `${reference} on line ${index + 1} ${after}; expected number ${expected} at that level`,
        );
      }
      if (
        kind === 'number' &&
        parent?.kind === 'number' &&
        !label.startsWith(`${parent.node.label}.`)
      ) {
        warnings.push(`${reference} on line ${index + 1} sits under ${parent.node.reference}`);
      }

      siblings.push(node);
      lastOrdinal.set(siblings, { ordinal, label: reference });
      stack.push({ node, kind, rank, ordinal });
      clauseCount += 1;
    });

    return { clauses: root, clause_count: clauseCount, warnings };
  },
});

interface NoticePeriodArgs {
  notice_date: string;
  period: number;
  unit: 'days' | 'weeks' | 'months' | 'years';
  termination_dates:
    'any_day' | 'fifteenth_or_month_end' | 'month_end' | 'quarter_end' | 'year_end';
}

function addPeriod(date: Date, period: number, unit: NoticePeriodArgs['unit']): Date {
  switch (unit) {
    case 'days':
      return addDays(date, period);
    case 'weeks':
      return addWeeks(date, period);
    case 'months':
      return addMonths(date, period);
    case 'years':
      return addYears(date, period);
  }
}

function nextTerminationDate(date: Date, rule: NoticePeriodArgs['termination_dates']): Date {
  switch (rule) {
    case 'any_day':
      return date;
    case 'fifteenth_or_month_end':
      return getDate(date) <= 15 ? setDate(date, 15) : startOfDay(endOfMonth(date));
    case 'month_end':
      return startOfDay(endOfMonth(date));
    case 'quarter_end':
      return startOfDay(endOfQuarter(date));
    case 'year_end':
      return startOfDay(endOfYear(date));
  }
}

/*
 * The period ends on the day with the same number or weekday as the notice day, or on the
 * last day of a month that lacks it, as BGB § 188(2) and (3) count and date-fns `addMonths`
 * computes. The employment notice of BGB § 622(1) is four weeks to the fifteenth or to the
 * end of a calendar month: `period: 4, unit: 'weeks', termination_dates: 'fifteenth_or_month_end'`.
 */
const noticePeriodEnd = defineTool<NoticePeriodArgs>({
  name: 'notice_period_end',
  description:
    'Returns the earliest date a notice period ends, moved to the next allowed termination date such as the fifteenth or the end of a month.',
  category: 'legal',
  tier: 'free',
  tags: ['notice', 'termination', 'employment', 'lease'],
  inputSchema: {
    type: 'object',
    properties: {
      notice_date: isoDateProperty(
        'Date the notice is received (YYYY-MM-DD). The period starts the day after.',
      ),
      period: {
        type: 'integer',
        minimum: 1,
        maximum: 1200,
        description: 'Length of the notice period in `unit`.',
      },
      unit: {
        type: 'string',
        enum: ['days', 'weeks', 'months', 'years'],
        description: 'Unit of `period`.',
      },
      termination_dates: {
        type: 'string',
        enum: ['any_day', 'fifteenth_or_month_end', 'month_end', 'quarter_end', 'year_end'],
        default: 'any_day',
        description:
          'Dates on which the contract may end. The period end moves to the next such date.',
      },
    },
    required: ['notice_date', 'period', 'unit'],
    additionalProperties: false,
  },
  run(args) {
    const notice = parseIsoDate(args.notice_date, 'notice_date');
    const earliest = addPeriod(notice, args.period, args.unit);
    const end = nextTerminationDate(earliest, args.termination_dates);

    return {
      notice_date: formatIsoDate(notice),
      period_end: formatIsoDate(earliest),
      termination_date: formatIsoDate(end),
      weekday: weekdayName(end),
      days_after_notice: differenceInCalendarDays(end, notice),
    };
  },
});

interface AgeDateArgs {
  birth_date: string;
  age: number;
  leap_day_birthday: 'march_1' | 'february_28';
  as_of?: string;
}

function anniversary(
  birth: Date,
  years: number,
  leapDayRule: AgeDateArgs['leap_day_birthday'],
): Date {
  const date = addYears(birth, years);
  const bornOnLeapDay = getMonth(birth) === 1 && getDate(birth) === 29;
  // date-fns moves 29 February to the 28th in a common year.
  if (bornOnLeapDay && !isLeapYear(date) && leapDayRule === 'march_1') {
    return addDays(date, 1);
  }

  return date;
}

const ageOfMajorityDate = defineTool<AgeDateArgs>({
  name: 'age_of_majority_date',
  description:
    'Returns the date a person born on a given date reaches an age such as the age of majority, and whether they had reached it on a given day.',
  category: 'legal',
  tier: 'free',
  tags: ['age', 'majority', 'birthday', 'capacity'],
  inputSchema: {
    type: 'object',
    properties: {
      birth_date: isoDateProperty('Date of birth (YYYY-MM-DD).'),
      age: {
        type: 'integer',
        minimum: 1,
        maximum: 150,
        default: 18,
        description: 'Age in whole years, 18 where the age of majority is eighteen.',
      },
      leap_day_birthday: {
        type: 'string',
        enum: ['march_1', 'february_28'],
        default: 'march_1',
        description:
          'For a 29 February birth in a common year: march_1 reaches the age once 28 February has passed, february_28 on that day. Jurisdictions differ.',
      },
      as_of: isoDateProperty('Day on which to check whether the age was reached (YYYY-MM-DD).'),
    },
    required: ['birth_date'],
    additionalProperties: false,
  },
  run(args) {
    const birth = parseIsoDate(args.birth_date, 'birth_date');
    const reached = anniversary(birth, args.age, args.leap_day_birthday);
    const result: Record<string, unknown> = {
      birth_date: formatIsoDate(birth),
      age: args.age,
      date_reached: formatIsoDate(reached),
      weekday: weekdayName(reached),
    };
    if (args.as_of !== undefined) {
      const asOf = parseIsoDate(args.as_of, 'as_of');
      if (isAfter(birth, asOf)) {
        throw new ToolError(
          `as_of (${args.as_of}) must not be before birth_date (${args.birth_date})`,
        );
      }
      result.as_of = formatIsoDate(asOf);
      result.reached_by_as_of = !isAfter(reached, asOf);
      result.days_until_reached = Math.max(0, differenceInCalendarDays(reached, asOf));
    }

    return result;
  },
});

export const legalTools: BuiltinTool[] = [
  deadlineCalculator,
  definedTermsIndex,
  contractClauseOutline,
  noticePeriodEnd,
  ageOfMajorityDate,
];
