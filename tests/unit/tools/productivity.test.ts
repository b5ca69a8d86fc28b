import { describe, expect, it } from 'vitest';
import { productivityTools } from '../../../src/tools/builtin/productivity.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = productivityTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no productivity tool named ${name}`);
  }

  return found;
}

describe('meeting_time_finder', () => {
  it('finds the London and New York overlap', async () => {
    const result = await runTool(tool('meeting_time_finder'), {
      date: '2024-01-15',
      participants: [
        { zone: 'Europe/London' },
        { zone: 'America/New_York', name: 'New York office' },
      ],
    });

    expect(result).toEqual({
      date: '2024-01-15',
      reference_zone: 'Europe/London',
      windows: [
        {
          start_utc: '2024-01-15T14:00:00Z',
          end_utc: '2024-01-15T17:00:00Z',
          duration_minutes: 180,
          local: [
            {
              name: 'Europe/London',
              zone: 'Europe/London',
              start: '2024-01-15 14:00',
              end: '2024-01-15 17:00',
            },
            {
              name: 'New York office',
              zone: 'America/New_York',
              start: '2024-01-15 09:00',
              end: '2024-01-15 12:00',
            },
          ],
        },
      ],
      total_minutes: 180,
    });
  });

  it('keeps 09:00 on a DST change day', async () => {
    // New York moved to EDT (UTC-4) on 10 March 2024, while London stayed on GMT.
    const result = await runTool(tool('meeting_time_finder'), {
      date: '2024-03-10',
      participants: [{ zone: 'Europe/London' }, { zone: 'America/New_York' }],
      skip_weekends: false,
    });
    const [window] = result.windows as { start_utc: string; end_utc: string }[];

    expect(window).toMatchObject({
      start_utc: '2024-03-10T13:00:00Z',
      end_utc: '2024-03-10T17:00:00Z',
    });
  });

  it("uses another day's hours across the date line", async () => {
    const result = await runTool(tool('meeting_time_finder'), {
      date: '2024-01-15',
      participants: [
        { zone: 'Asia/Tokyo', start: '08:00', end: '18:00' },
        { zone: 'America/Los_Angeles', start: '07:00', end: '19:00' },
      ],
      skip_weekends: false,
    });
    const [window] = result.windows as {
      start_utc: string;
      duration_minutes: number;
      local: { start: string }[];
    }[];

    expect(window?.start_utc).toBe('2024-01-14T23:00:00Z');
    expect(window?.duration_minutes).toBe(240);
    expect(window?.local.map((local) => local.start)).toEqual([
      '2024-01-15 08:00',
      '2024-01-14 15:00',
    ]);
  });

  it('merges round-the-clock hours', async () => {
    const result = await runTool(tool('meeting_time_finder'), {
      date: '2024-01-15',
      participants: [
        { zone: 'UTC', start: '00:00', end: '00:00' },
        { zone: 'Asia/Kolkata', start: '00:00', end: '00:00' },
      ],
      reference_zone: 'UTC',
      skip_weekends: false,
    });

    expect(result.windows).toHaveLength(1);
    expect(result.total_minutes).toBe(1440);
  });

  it('returns no window without overlap', async () => {
    const result = await runTool(tool('meeting_time_finder'), {
      date: '2024-01-15',
      participants: [{ zone: 'Asia/Tokyo' }, { zone: 'America/New_York' }],
    });

    expect(result.windows).toEqual([]);
    expect(result.total_minutes).toBe(0);
  });

  it('skips weekends in local time', async () => {
    const result = await runTool(tool('meeting_time_finder'), {
      date: '2024-01-13',
      participants: [{ zone: 'Europe/London' }, { zone: 'Europe/Paris' }],
    });

    expect(result.windows).toEqual([]);
  });

  it('drops windows shorter than the minimum', async () => {
    const result = await runTool(tool('meeting_time_finder'), {
      date: '2024-01-15',
      participants: [
        { zone: 'Europe/London', start: '09:00', end: '17:00' },
        { zone: 'America/New_York', start: '11:45', end: '17:00' },
      ],
      min_duration_minutes: 30,
    });

    expect(result.windows).toEqual([]);
  });

  it('rejects an unknown zone', async () => {
    await expect(
      runTool(tool('meeting_time_finder'), {
        date: '2024-01-15',
        participants: [{ zone: 'Europe/London' }, { zone: 'Moon/Base' }],
      }),
    ).rejects.toThrow('participants[1].zone "Moon/Base" is not an IANA time zone name');
  });

  it('rejects a single participant', async () => {
    await expect(
      runTool(tool('meeting_time_finder'), { date: '2024-01-15', participants: [{ zone: 'UTC' }] }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('pomodoro_schedule', () => {
  it('plans five pomodoros with a long break', async () => {
    const result = await runTool(tool('pomodoro_schedule'), { start: '09:00', pomodoros: 5 });

    expect(result).toEqual({
      sessions: [
        { kind: 'work', pomodoro: 1, start: '09:00', end: '09:25', minutes: 25 },
        { kind: 'short_break', start: '09:25', end: '09:30', minutes: 5 },
        { kind: 'work', pomodoro: 2, start: '09:30', end: '09:55', minutes: 25 },
        { kind: 'short_break', start: '09:55', end: '10:00', minutes: 5 },
        { kind: 'work', pomodoro: 3, start: '10:00', end: '10:25', minutes: 25 },
        { kind: 'short_break', start: '10:25', end: '10:30', minutes: 5 },
        { kind: 'work', pomodoro: 4, start: '10:30', end: '10:55', minutes: 25 },
        { kind: 'long_break', start: '10:55', end: '11:10', minutes: 15 },
        { kind: 'work', pomodoro: 5, start: '11:10', end: '11:35', minutes: 25 },
      ],
      end: '11:35',
      ends_next_day: false,
      total_work_minutes: 125,
      total_break_minutes: 30,
      total_minutes: 155,
    });
  });

  it('wraps past midnight', async () => {
    const result = await runTool(tool('pomodoro_schedule'), {
      start: '23:30',
      pomodoros: 2,
      work_minutes: 50,
      short_break_minutes: 10,
    });

    expect(result.end).toBe('01:20');
    expect(result.ends_next_day).toBe(true);
    expect(result.total_minutes).toBe(110);
  });

  it('rejects a malformed start', async () => {
    await expect(
      runTool(tool('pomodoro_schedule'), { start: '9am', pomodoros: 2 }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('text_to_checklist', () => {
  const markdown = [
    '# Launch',
    '',
    '- [x] Write spec',
    '- [ ] Build',
    '  - [X] API',
    '  - [ ] UI',
    '- plain item',
    '',
    '## QA',
    '',
    '1. [ ] Test *everything*',
    '',
    '```',
    '- [ ] not a task inside code',
    '```',
  ].join('\n');

  it('lists tasks with sections and nesting', async () => {
    const result = await runTool(tool('text_to_checklist'), { markdown });

    expect(result).toEqual({
      items: [
        { text: 'Write spec', checked: true, depth: 0, line: 3, section: 'Launch' },
        { text: 'Build', checked: false, depth: 0, line: 4, section: 'Launch' },
        { text: 'API', checked: true, depth: 1, line: 5, section: 'Launch' },
        { text: 'UI', checked: false, depth: 1, line: 6, section: 'Launch' },
        { text: 'Test everything', checked: false, depth: 0, line: 11, section: 'QA' },
      ],
      total: 5,
      completed: 2,
      open: 3,
      percent_complete: 40,
    });
  });

  it('counts plain items on request', async () => {
    const result = await runTool(tool('text_to_checklist'), {
      markdown,
      include_plain_items: true,
    });
    const items = result.items as { text: string; checked: boolean }[];

    expect(result.total).toBe(6);
    expect(items[4]).toEqual({
      text: 'plain item',
      checked: false,
      depth: 0,
      line: 7,
      section: 'Launch',
    });
    expect(result.percent_complete).toBe(33.3);
  });

  it('returns null percent without tasks', async () => {
    const result = await runTool(tool('text_to_checklist'), { markdown: 'Just a paragraph.' });

    expect(result).toEqual({ items: [], total: 0, completed: 0, open: 0, percent_complete: null });
  });

  it('rejects a non-string', async () => {
    await expect(runTool(tool('text_to_checklist'), { markdown: 42 })).rejects.toThrow(
      /Invalid tool arguments/,
    );
  });
});

describe('working_hours_total', () => {
  it('totals a week with an overnight shift', async () => {
    const result = await runTool(tool('working_hours_total'), {
      entries: [
        { date: '2024-06-03', start: '09:00', end: '17:30', break_minutes: 30 },
        { date: '2024-06-04', start: '08:15', end: '12:45' },
        { date: '2024-06-04', start: '13:30', end: '18:00' },
        { date: '2024-06-05', start: '22:00', end: '06:00', break_minutes: 45 },
      ],
    });

    expect(result).toEqual({
      entries: [
        {
          date: '2024-06-03',
          start: '09:00',
          end: '17:30',
          break_minutes: 30,
          overnight: false,
          worked_minutes: 480,
        },
        {
          date: '2024-06-04',
          start: '08:15',
          end: '12:45',
          break_minutes: 0,
          overnight: false,
          worked_minutes: 270,
        },
        {
          date: '2024-06-04',
          start: '13:30',
          end: '18:00',
          break_minutes: 0,
          overnight: false,
          worked_minutes: 270,
        },
        {
          date: '2024-06-05',
          start: '22:00',
          end: '06:00',
          break_minutes: 45,
          overnight: true,
          worked_minutes: 435,
        },
      ],
      total_minutes: 1455,
      total_hours: 24.25,
      total_duration: '24:15',
      by_date: { '2024-06-03': 480, '2024-06-04': 540, '2024-06-05': 435 },
    });
  });

  it('rejects a break longer than the shift', async () => {
    await expect(
      runTool(tool('working_hours_total'), {
        entries: [
          { start: '09:00', end: '10:00' },
          { start: '09:00', end: '09:30', break_minutes: 45 },
        ],
      }),
    ).rejects.toThrow('entries[1].break_minutes (45) is longer than the shift of 30 minutes');
  });

  it('rejects a zero-length shift', async () => {
    await expect(
      runTool(tool('working_hours_total'), { entries: [{ start: '09:00', end: '09:00' }] }),
    ).rejects.toThrow(
      'entries[0] starts and ends at 09:00, so its length is unclear. Give a shift shorter than 24 hours',
    );
  });
});

describe('time_block_plan', () => {
  it('plans blocks with buffers', async () => {
    const result = await runTool(tool('time_block_plan'), {
      start: '08:30',
      blocks: [
        { title: 'Email', minutes: 30 },
        { title: 'Deep work', minutes: 120 },
        { title: 'Review', minutes: 45 },
      ],
      buffer_minutes: 10,
      day_end: '12:00',
    });

    expect(result).toEqual({
      blocks: [
        { title: 'Email', start: '08:30', end: '09:00', minutes: 30 },
        { title: 'Deep work', start: '09:10', end: '11:10', minutes: 120 },
        { title: 'Review', start: '11:20', end: '12:05', minutes: 45 },
      ],
      end: '12:05',
      ends_next_day: false,
      total_minutes: 215,
      buffer_minutes_total: 20,
      fits: false,
      overflow_minutes: 5,
      free_minutes: 0,
    });
  });

  it('reports free time when it fits', async () => {
    const result = await runTool(tool('time_block_plan'), {
      start: '13:00',
      blocks: [{ title: 'Write', minutes: 90 }],
      day_end: '17:00',
    });

    expect(result).toMatchObject({
      end: '14:30',
      fits: true,
      overflow_minutes: 0,
      free_minutes: 150,
    });
  });

  it('rejects a day end before the start', async () => {
    await expect(
      runTool(tool('time_block_plan'), {
        start: '13:00',
        blocks: [{ title: 'Write', minutes: 30 }],
        day_end: '12:00',
      }),
    ).rejects.toThrow('day_end (12:00) must be later than start (13:00)');
  });
});
