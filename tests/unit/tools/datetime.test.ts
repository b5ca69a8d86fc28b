import { describe, expect, it } from 'vitest';
import { datetimeTools } from '../../../src/tools/builtin/datetime.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = datetimeTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no datetime tool named ${name}`);
  }

  return found;
}

describe('timezone_convert', () => {
  it('converts New York to Tokyo', async () => {
    const result = await runTool(tool('timezone_convert'), {
      datetime: '2024-01-15T09:00',
      from_zone: 'America/New_York',
      to_zone: 'Asia/Tokyo',
    });

    expect(result).toEqual({
      from: {
        datetime: '2024-01-15T09:00:00-05:00',
        date: '2024-01-15',
        time: '09:00:00',
        zone: 'America/New_York',
        offset: '-05:00',
        offset_minutes: -300,
        abbreviation: 'EST',
        is_dst: false,
      },
      to: {
        datetime: '2024-01-15T23:00:00+09:00',
        date: '2024-01-15',
        time: '23:00:00',
        zone: 'Asia/Tokyo',
        offset: '+09:00',
        offset_minutes: 540,
        abbreviation: 'GMT+9',
        is_dst: false,
      },
      utc: '2024-01-15T14:00:00Z',
      offset_difference_minutes: 840,
      wall_time: 'unique',
    });
  });

  it('uses an offset in the input', async () => {
    const result = await runTool(tool('timezone_convert'), {
      datetime: '2024-06-01T12:00:00+02:00',
      from_zone: 'America/New_York',
      to_zone: 'Asia/Kolkata',
    });

    expect(result.utc).toBe('2024-06-01T10:00:00Z');
    expect(result.to).toMatchObject({ datetime: '2024-06-01T15:30:00+05:30', offset_minutes: 330 });
  });

  it('moves a skipped time forward', async () => {
    const result = await runTool(tool('timezone_convert'), {
      datetime: '2024-03-10T02:30',
      from_zone: 'America/New_York',
      to_zone: 'UTC',
    });

    expect(result.wall_time).toBe('skipped');
    expect(result.utc).toBe('2024-03-10T07:30:00Z');
    expect(result.from).toMatchObject({ datetime: '2024-03-10T03:30:00-04:00', is_dst: true });
  });

  it('moves a skipped time back on request', async () => {
    const result = await runTool(tool('timezone_convert'), {
      datetime: '2024-03-10T02:30',
      from_zone: 'America/New_York',
      to_zone: 'UTC',
      disambiguation: 'earlier',
    });

    expect(result.utc).toBe('2024-03-10T06:30:00Z');
  });

  it('moves a half-hour gap by 30 minutes', async () => {
    const result = await runTool(tool('timezone_convert'), {
      datetime: '2024-10-06T02:15',
      from_zone: 'Australia/Lord_Howe',
      to_zone: 'UTC',
    });

    expect(result.from).toMatchObject({ datetime: '2024-10-06T02:45:00+11:00' });
    expect(result.utc).toBe('2024-10-05T15:45:00Z');
  });

  it('takes the earlier of a repeated time', async () => {
    const earlier = await runTool(tool('timezone_convert'), {
      datetime: '2024-11-03T01:30',
      from_zone: 'America/New_York',
      to_zone: 'UTC',
    });
    const later = await runTool(tool('timezone_convert'), {
      datetime: '2024-11-03T01:30',
      from_zone: 'America/New_York',
      to_zone: 'UTC',
      disambiguation: 'later',
    });

    expect(earlier.wall_time).toBe('ambiguous');
    expect(earlier.utc).toBe('2024-11-03T05:30:00Z');
    expect(later.utc).toBe('2024-11-03T06:30:00Z');
  });

  it('rejects a repeated time on request', async () => {
    await expect(
      runTool(tool('timezone_convert'), {
        datetime: '2024-11-03T01:30',
        from_zone: 'America/New_York',
        to_zone: 'UTC',
        disambiguation: 'reject',
      }),
    ).rejects.toThrow(
      'datetime 2024-11-03T01:30:00 occurs twice in America/New_York. Set disambiguation to earlier or later',
    );
  });

  it('rejects an unknown zone', async () => {
    await expect(
      runTool(tool('timezone_convert'), {
        datetime: '2024-06-01T12:00',
        to_zone: 'Mars/Olympus_Mons',
      }),
    ).rejects.toThrow(
      'to_zone "Mars/Olympus_Mons" is not an IANA time zone name, such as America/New_York or UTC',
    );
  });

  it('rejects an invalid hour', async () => {
    await expect(
      runTool(tool('timezone_convert'), { datetime: '2024-06-01T25:00', to_zone: 'UTC' }),
    ).rejects.toThrow(
      'datetime "2024-06-01T25:00" is not an ISO 8601 date-time such as 2024-06-01T09:30',
    );
  });
});

describe('date_difference', () => {
  it('splits into years, months and days', async () => {
    const result = await runTool(tool('date_difference'), {
      start: '2000-01-15',
      end: '2024-03-20',
    });

    expect(result).toEqual({
      start: '2000-01-15',
      end: '2024-03-20',
      negative: false,
      years: 24,
      months: 2,
      days: 5,
      total_days: 8831,
      total_weeks: 1261,
      remaining_days: 4,
      total_months: 290,
    });
  });

  it('returns negative totals for reversed dates', async () => {
    const result = await runTool(tool('date_difference'), {
      start: '2024-03-20',
      end: '2000-01-15',
    });

    expect(result.negative).toBe(true);
    expect(result.years).toBe(24);
    expect(result.total_days).toBe(-8831);
  });

  it('counts a leap year with the end date', async () => {
    const result = await runTool(tool('date_difference'), {
      start: '2024-01-01',
      end: '2024-12-31',
      include_end_date: true,
    });

    expect(result).toMatchObject({ years: 1, months: 0, days: 0, total_days: 366 });
  });

  it('counts from 29 February', async () => {
    const result = await runTool(tool('date_difference'), {
      start: '2020-02-29',
      end: '2024-02-28',
    });

    expect(result).toMatchObject({ years: 3, months: 11, days: 30, total_days: 1460 });
  });

  it('rejects a date-time', async () => {
    await expect(
      runTool(tool('date_difference'), { start: '2024-01-01T00:00', end: '2024-02-01' }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('business_days_between', () => {
  it('skips weekends and holidays', async () => {
    const result = await runTool(tool('business_days_between'), {
      start: '2024-12-20',
      end: '2025-01-03',
      holidays: ['2024-12-25', '2025-01-01', '2024-12-28'],
    });

    expect(result).toEqual({
      start: '2024-12-20',
      end: '2025-01-03',
      business_days: 8,
      weekend_days: 4,
      holidays_on_weekdays: 2,
      calendar_days: 14,
    });
  });

  it('counts the start on request', async () => {
    const result = await runTool(tool('business_days_between'), {
      start: '2024-12-20',
      end: '2024-12-20',
      include_start: true,
    });

    expect(result.business_days).toBe(1);
  });

  it('returns a negative count backwards', async () => {
    const result = await runTool(tool('business_days_between'), {
      start: '2024-06-14',
      end: '2024-06-07',
    });

    expect(result.business_days).toBe(-5);
    expect(result.calendar_days).toBe(-7);
  });

  it('rejects a span over a century', async () => {
    await expect(
      runTool(tool('business_days_between'), { start: '1900-01-01', end: '2024-01-01' }),
    ).rejects.toThrow('start and end must be at most 36600 days apart, got 45290');
  });
});

describe('iso_week', () => {
  it('puts 3 January 2021 in week 53 of 2020', async () => {
    const result = await runTool(tool('iso_week'), { date: '2021-01-03' });

    expect(result).toEqual({
      date: '2021-01-03',
      iso_week_date: '2020-W53-7',
      week_year: 2020,
      week: 53,
      weekday: 7,
      weekday_name: 'Sunday',
      week_start: '2020-12-28',
      week_end: '2021-01-03',
      weeks_in_week_year: 53,
      day_of_year: 3,
    });
  });

  it('puts 30 December 2024 in week 1 of 2025', async () => {
    const result = await runTool(tool('iso_week'), { date: '2024-12-30' });

    expect(result).toMatchObject({
      iso_week_date: '2025-W01-1',
      week_start: '2024-12-30',
      day_of_year: 365,
    });
  });

  it('rejects a missing date', async () => {
    await expect(runTool(tool('iso_week'), {})).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('unix_timestamp_convert', () => {
  it('renders seconds in Berlin', async () => {
    const result = await runTool(tool('unix_timestamp_convert'), {
      timestamp: 1_700_000_000,
      zone: 'Europe/Berlin',
    });

    expect(result).toEqual({
      unix_seconds: 1700000000,
      unix_milliseconds: 1700000000000,
      utc: '2023-11-14T22:13:20.000Z',
      local: '2023-11-14T23:13:20.000+01:00',
      zone: 'Europe/Berlin',
    });
  });

  it('accepts milliseconds', async () => {
    const result = await runTool(tool('unix_timestamp_convert'), {
      timestamp: 1_700_000_000_123,
      unit: 'milliseconds',
    });

    expect(result.unix_seconds).toBe(1700000000.123);
    expect(result.utc).toBe('2023-11-14T22:13:20.123Z');
  });

  it('reads a local time in its zone', async () => {
    const result = await runTool(tool('unix_timestamp_convert'), {
      datetime: '2024-01-01T00:00',
      zone: 'Asia/Tokyo',
    });

    expect(result.unix_seconds).toBe(1704034800);
  });

  it('reads an offset date-time', async () => {
    const result = await runTool(tool('unix_timestamp_convert'), {
      datetime: '1970-01-01T01:00:00+01:00',
    });

    expect(result.unix_seconds).toBe(0);
  });

  it('rejects both inputs', async () => {
    await expect(
      runTool(tool('unix_timestamp_convert'), { timestamp: 0, datetime: '1970-01-01T00:00Z' }),
    ).rejects.toThrow('give exactly one of timestamp and datetime');
  });

  it('rejects an out-of-range timestamp', async () => {
    await expect(runTool(tool('unix_timestamp_convert'), { timestamp: 8.64e15 })).rejects.toThrow(
      'timestamp 8640000000000000 is not a representable date-time',
    );
  });
});
