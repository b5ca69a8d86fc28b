import { addDays, differenceInCalendarDays, isAfter } from 'date-fns';
import { DateTime } from 'luxon';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';
import {
  createBusinessCalendar,
  formatIsoDate,
  holidaysProperty,
  isoDateProperty,
  parseIsoDate,
} from './shared/dates.js';
import {
  parseTimeZone,
  resolveWallTime,
  timeZoneProperty,
  type Disambiguation,
} from './shared/zones.js';

/** An ISO 8601 offset at the end of a date-time: Z, +02, +0530 or -05:00. */
const trailingOffset = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

function parseWallClock(value: string, field: string): DateTime {
  const wallClock = DateTime.fromISO(value, { zone: 'UTC' });
  if (!wallClock.isValid) {
    throw new ToolError(
      `${field} "${value}" is not an ISO 8601 date-time such as 2024-06-01T09:30: ${wallClock.invalidExplanation ?? wallClock.invalidReason}`,
    );
  }

  return wallClock;
}

/** Describes an instant as seen in its zone. */
function describeInstant(instant: DateTime): Record<string, unknown> {
  return {
    datetime: instant.toISO({ suppressMilliseconds: true }),
    date: instant.toISODate(),
    time: instant.toFormat('HH:mm:ss'),
    zone: instant.zoneName,
    offset: instant.toFormat('ZZ'),
    offset_minutes: instant.offset,
    abbreviation: instant.offsetNameShort,
    is_dst: instant.isInDST,
  };
}

interface TimezoneConvertArgs {
  datetime: string;
  from_zone: string;
  to_zone: string;
  disambiguation: Disambiguation;
}

const timezoneConvert = defineTool<TimezoneConvertArgs>({
  name: 'timezone_convert',
  description:
    'Returns a date-time converted from one IANA time zone to another, with both offsets and DST flags, resolving times that a DST change skips or repeats.',
  category: 'datetime',
  tier: 'free',
  tags: ['timezone', 'iana', 'dst', 'convert'],
  inputSchema: {
    type: 'object',
    properties: {
      datetime: {
        type: 'string',
        minLength: 10,
        maxLength: 64,
        description:
          'ISO 8601 date-time such as 2024-06-01T09:30. An offset in it (Z, +02:00) overrides from_zone.',
      },
      from_zone: timeZoneProperty('Zone of a datetime that has no offset.', 'UTC'),
      to_zone: timeZoneProperty('Zone to convert to.'),
      disambiguation: {
        type: 'string',
        enum: ['compatible', 'earlier', 'later', 'reject'],
        default: 'compatible',
        description:
          'For a local time that a DST change repeats or skips: compatible takes the earlier repeat and moves a skipped time forward, and reject raises an error.',
      },
    },
    required: ['datetime', 'to_zone'],
    additionalProperties: false,
  },
  run(args) {
    const target = parseTimeZone(args.to_zone, 'to_zone');
    let source: DateTime;
    let wallTime = 'unique';
    if (trailingOffset.test(args.datetime) && args.datetime.includes('T')) {
      source = DateTime.fromISO(args.datetime, { setZone: true });
      if (!source.isValid) {
        throw new ToolError(
          `datetime "${args.datetime}" is not an ISO 8601 date-time: ${source.invalidExplanation ?? source.invalidReason}`,
        );
      }
    } else {
      const zone = parseTimeZone(args.from_zone, 'from_zone');
      const resolved = resolveWallTime(
        parseWallClock(args.datetime, 'datetime'),
        zone,
        args.disambiguation,
        'datetime',
      );
      source = resolved.instant;
      wallTime = resolved.status;
    }
    const converted = source.setZone(target);

    return {
      from: describeInstant(source),
      to: describeInstant(converted),
      utc: source.toUTC().toISO({ suppressMilliseconds: true }),
      offset_difference_minutes: converted.offset - source.offset,
      wall_time: wallTime,
    };
  },
});

interface DateDifferenceArgs {
  start: string;
  end: string;
  include_end_date: boolean;
}

const dateDifference = defineTool<DateDifferenceArgs>({
  name: 'date_difference',
  description:
    'Returns the calendar difference between two dates in years, months and days, with the total number of days and weeks.',
  category: 'datetime',
  tier: 'free',
  tags: ['date', 'difference', 'duration', 'age'],
  inputSchema: {
    type: 'object',
    properties: {
      start: isoDateProperty('First date (YYYY-MM-DD).'),
      end: isoDateProperty(
        'Second date (YYYY-MM-DD). When it is earlier than start, the result is negative.',
      ),
      include_end_date: {
        type: 'boolean',
        default: false,
        description:
          'Whether to count the end date as a whole day, so that a date to itself is 1 day.',
      },
    },
    required: ['start', 'end'],
    additionalProperties: false,
  },
  run(args) {
    parseIsoDate(args.start, 'start');
    parseIsoDate(args.end, 'end');
    const start = DateTime.fromISO(args.start, { zone: 'UTC' });
    const end = DateTime.fromISO(args.end, { zone: 'UTC' });
    const negative = end < start;
    const [earlier, later] = negative ? [end, start] : [start, end];
    const last = args.include_end_date ? later.plus({ days: 1 }) : later;
    const calendar = last.diff(earlier, ['years', 'months', 'days']);
    const totalDays = last.diff(earlier, 'days').days;
    const sign = negative ? -1 : 1;

    return {
      start: args.start,
      end: args.end,
      negative,
      years: calendar.years,
      months: calendar.months,
      days: calendar.days,
      total_days: sign * totalDays,
      total_weeks: sign * Math.floor(totalDays / 7),
      remaining_days: sign * (totalDays % 7),
      total_months: sign * (calendar.years * 12 + calendar.months),
    };
  },
});

interface BusinessDaysArgs {
  start: string;
  end: string;
  holidays: string[];
  include_start: boolean;
}

/** A bound on the loop over days: a century. */
const maxSpanDays = 36_600;

const businessDaysBetween = defineTool<BusinessDaysArgs>({
  name: 'business_days_between',
  description:
    'Returns the number of business days (Monday to Friday, less holidays) between two dates, with the weekend and holiday days passed over.',
  category: 'datetime',
  tier: 'free',
  tags: ['business', 'workdays', 'holidays', 'date'],
  inputSchema: {
    type: 'object',
    properties: {
      start: isoDateProperty('First date (YYYY-MM-DD), counted only with include_start.'),
      end: isoDateProperty(
        'Last date (YYYY-MM-DD), which is counted. When it is before start, the count is negative.',
      ),
      holidays: holidaysProperty,
      include_start: {
        type: 'boolean',
        default: false,
        description: 'Whether the start date itself is counted.',
      },
    },
    required: ['start', 'end'],
    additionalProperties: false,
  },
  run(args) {
    const start = parseIsoDate(args.start, 'start');
    const end = parseIsoDate(args.end, 'end');
    const calendar = createBusinessCalendar(args.holidays);
    const span = differenceInCalendarDays(end, start);
    if (Math.abs(span) > maxSpanDays) {
      throw new ToolError(
        `start and end must be at most ${maxSpanDays} days apart, got ${Math.abs(span)}`,
      );
    }

    const negative = isAfter(start, end);
    const [from, to] = negative ? [end, start] : [start, end];
    let businessDays = 0;
    let weekendDays = 0;
    let holidayDays = 0;
    for (
      let date = args.include_start ? from : addDays(from, 1);
      !isAfter(date, to);
      date = addDays(date, 1)
    ) {
      const reason = calendar.closedReason(date);
      if (reason === 'weekend') {
        weekendDays += 1;
      } else if (reason === 'holiday') {
        holidayDays += 1;
      } else {
        businessDays += 1;
      }
    }
    const sign = negative ? -1 : 1;

    return {
      start: formatIsoDate(start),
      end: formatIsoDate(end),
      business_days: sign * businessDays,
      weekend_days: weekendDays,
      holidays_on_weekdays: holidayDays,
      calendar_days: span,
    };
  },
});

interface IsoWeekArgs {
  date: string;
}

const isoWeek = defineTool<IsoWeekArgs>({
  name: 'iso_week',
  description:
    'Returns the ISO 8601 week-numbering year, week and weekday of a date, with the dates the week starts and ends.',
  category: 'datetime',
  tier: 'free',
  tags: ['week', 'iso8601', 'calendar', 'date'],
  inputSchema: {
    type: 'object',
    properties: { date: isoDateProperty('Date (YYYY-MM-DD).') },
    required: ['date'],
    additionalProperties: false,
  },
  run(args) {
    parseIsoDate(args.date, 'date');
    const date = DateTime.fromISO(args.date, { zone: 'UTC' });

    return {
      date: args.date,
      iso_week_date: date.toISOWeekDate(),
      week_year: date.weekYear,
      week: date.weekNumber,
      weekday: date.weekday,
      weekday_name: date.toFormat('cccc'),
      week_start: date.startOf('week').toISODate(),
      week_end: date.endOf('week').toISODate(),
      weeks_in_week_year: date.weeksInWeekYear,
      day_of_year: date.ordinal,
    };
  },
});

interface UnixTimestampArgs {
  timestamp?: number;
  unit: 'seconds' | 'milliseconds';
  datetime?: string;
  zone: string;
}

const unixTimestampConvert = defineTool<UnixTimestampArgs>({
  name: 'unix_timestamp_convert',
  description:
    'Returns a Unix timestamp as an ISO 8601 date-time in UTC and a chosen zone, or an ISO date-time as a Unix timestamp.',
  category: 'datetime',
  tier: 'free',
  tags: ['unix', 'epoch', 'timestamp', 'convert'],
  inputSchema: {
    type: 'object',
    properties: {
      timestamp: {
        type: 'number',
        minimum: -8.64e15,
        maximum: 8.64e15,
        description: 'Time since 1970-01-01T00:00:00Z in `unit`. Give this or datetime.',
      },
      unit: {
        type: 'string',
        enum: ['seconds', 'milliseconds'],
        default: 'seconds',
        description: 'Unit of timestamp.',
      },
      datetime: {
        type: 'string',
        minLength: 10,
        maxLength: 64,
        description:
          'ISO 8601 date-time to convert to a timestamp. Without an offset it is read in `zone`.',
      },
      zone: timeZoneProperty(
        'Zone for the local rendering, and for a datetime without an offset.',
        'UTC',
      ),
    },
    required: [],
    additionalProperties: false,
  },
  run(args) {
    if ((args.timestamp === undefined) === (args.datetime === undefined)) {
      throw new ToolError('give exactly one of timestamp and datetime');
    }
    const zone = parseTimeZone(args.zone, 'zone');
    let instant: DateTime;
    if (args.timestamp !== undefined) {
      instant = DateTime.fromMillis(
        args.unit === 'seconds' ? args.timestamp * 1000 : args.timestamp,
        { zone },
      );
    } else if (
      trailingOffset.test(args.datetime as string) &&
      (args.datetime as string).includes('T')
    ) {
      instant = DateTime.fromISO(args.datetime as string, { zone });
    } else {
      instant = resolveWallTime(
        parseWallClock(args.datetime as string, 'datetime'),
        zone,
        'compatible',
        'datetime',
      ).instant;
    }
    if (!instant.isValid) {
      throw new ToolError(
        `${args.timestamp === undefined ? `datetime "${args.datetime}"` : `timestamp ${args.timestamp}`} is not a representable date-time: ${instant.invalidExplanation ?? instant.invalidReason}`,
      );
    }
    const millis = instant.toMillis();

    return {
      unix_seconds: millis / 1000,
      unix_milliseconds: millis,
      utc: instant.toUTC().toISO(),
      local: instant.toISO(),
      zone: instant.zoneName,
    };
  },
});

export const datetimeTools: BuiltinTool[] = [
  timezoneConvert,
  dateDifference,
  businessDaysBetween,
  isoWeek,
  unixTimestampConvert,
];
