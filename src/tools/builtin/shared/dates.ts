import { addDays, format, isValid, isWeekend, parseISO } from 'date-fns';
import { ToolError } from '../../definition.js';

/*
 * Calendar dates shared by the legal, datetime and productivity tools. A date is a
 * `Date` at local midnight, as date-fns expects, and is read and written as YYYY-MM-DD,
 * so the server's time zone never shows in a result.
 */

/** Builds the schema of a YYYY-MM-DD argument. Ajv's `date` format rejects days such as 2023-02-29. */
export function isoDateProperty(description: string): Record<string, unknown> {
  return { type: 'string', format: 'date', description };
}

/** The schema of a list of holiday dates, bounded so that a roll past them stays cheap. */
export const holidaysProperty = {
  type: 'array',
  description: 'Dates (YYYY-MM-DD) that are not business days, such as public holidays.',
  items: { type: 'string', format: 'date' },
  maxItems: 1000,
  default: [],
};

export function parseIsoDate(value: string, field: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseISO(value) : new Date(Number.NaN);
  if (!isValid(date)) {
    throw new ToolError(`${field} must be a calendar date in the form YYYY-MM-DD, got "${value}"`);
  }

  return date;
}

export function formatIsoDate(date: Date): string {
  return format(date, 'yyyy-MM-dd');
}

export function weekdayName(date: Date): string {
  return format(date, 'EEEE');
}

export type ClosedReason = 'weekend' | 'holiday';

/** Business days: Monday to Friday, less the given holidays. */
export interface BusinessCalendar {
  /** The reason that `date` is not a business day, or `undefined` on a business day. */
  closedReason(date: Date): ClosedReason | undefined;
  isBusinessDay(date: Date): boolean;
}

export function createBusinessCalendar(
  holidays: readonly string[],
  field = 'holidays',
): BusinessCalendar {
  const holidaySet = new Set(
    holidays.map((value, index) => formatIsoDate(parseIsoDate(value, `${field}[${index}]`))),
  );
  const closedReason = (date: Date): ClosedReason | undefined => {
    if (isWeekend(date)) {
      return 'weekend';
    }

    return holidaySet.has(formatIsoDate(date)) ? 'holiday' : undefined;
  };

  return { closedReason, isBusinessDay: (date) => closedReason(date) === undefined };
}

/**
 * Moves `count` business days from `start`, forward for a positive count and backward for
 * a negative one. `start` itself is never counted, so a count of 0 returns `start`.
 */
export function addBusinessDays(start: Date, count: number, calendar: BusinessCalendar): Date {
  const step = count < 0 ? -1 : 1;
  let remaining = Math.abs(count);
  let date = start;
  while (remaining > 0) {
    date = addDays(date, step);
    if (calendar.isBusinessDay(date)) {
      remaining -= 1;
    }
  }

  return date;
}

/** Steps from `date` by `step` days until a business day, returning it and the days passed over. */
export function rollToBusinessDay(
  date: Date,
  step: 1 | -1,
  calendar: BusinessCalendar,
): { date: Date; skipped: { date: string; reason: ClosedReason }[] } {
  const skipped: { date: string; reason: ClosedReason }[] = [];
  let current = date;
  let reason = calendar.closedReason(current);
  while (reason !== undefined) {
    skipped.push({ date: formatIsoDate(current), reason });
    current = addDays(current, step);
    reason = calendar.closedReason(current);
  }

  return { date: current, skipped };
}
