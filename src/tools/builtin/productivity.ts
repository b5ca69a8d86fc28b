import type { ListItem, Nodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmTaskListItemFromMarkdown } from 'mdast-util-gfm-task-list-item';
import { toString } from 'mdast-util-to-string';
import { gfmTaskListItem } from 'micromark-extension-gfm-task-list-item';
import { DateTime } from 'luxon';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';
import { isoDateProperty, parseIsoDate } from './shared/dates.js';
import { parseTimeZone, timeZoneProperty } from './shared/zones.js';

const minutesPerDay = 24 * 60;

function clockProperty(description: string, defaultTime?: string): Record<string, unknown> {
  return {
    type: 'string',
    pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
    description: `${description} 24-hour HH:mm.`,
    ...(defaultTime === undefined ? {} : { default: defaultTime }),
  };
}

function clockMinutes(value: string): number {
  const [hours = 0, minutes = 0] = value.split(':').map(Number);

  return hours * 60 + minutes;
}

/** Formats minutes after a day's midnight as HH:mm on the clock, wrapping past midnight. */
function formatClock(minutes: number): string {
  const onClock = ((minutes % minutesPerDay) + minutesPerDay) % minutesPerDay;

  return `${String(Math.floor(onClock / 60)).padStart(2, '0')}:${String(onClock % 60).padStart(2, '0')}`;
}

/** Formats a duration in minutes as H:MM, where hours may exceed 24. */
function formatDuration(minutes: number): string {
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

interface Participant {
  zone: string;
  start: string;
  end: string;
  name?: string;
}

interface MeetingArgs {
  date: string;
  participants: Participant[];
  reference_zone?: string;
  min_duration_minutes: number;
  skip_weekends: boolean;
}

type Span = [start: number, end: number];

/**
 * Returns the instant at a wall-clock time `minutes` after midnight of `day`, in its zone.
 * It sets the clock rather than adding a duration, so 09:00 stays 09:00 on a DST change day.
 */
function atClock(day: DateTime, minutes: number): DateTime {
  const onClock = minutes % minutesPerDay;

  return day
    .plus({ days: Math.floor(minutes / minutesPerDay) })
    .set({ hour: Math.floor(onClock / 60), minute: onClock % 60 });
}

/**
 * Lists the working spans of one participant around the reference day. Local days either
 * side are included because, far enough east or west, their hours fall on the reference day.
 */
function workingSpans(
  participant: Participant,
  date: DateTime,
  skipWeekends: boolean,
  field: string,
): Span[] {
  const zone = parseTimeZone(participant.zone, `${field}.zone`);
  const startMinutes = clockMinutes(participant.start);
  let endMinutes = clockMinutes(participant.end);
  if (endMinutes <= startMinutes) {
    endMinutes += minutesPerDay;
  }

  const spans: Span[] = [];
  for (const shift of [-1, 0, 1]) {
    const day = DateTime.fromObject(
      { year: date.year, month: date.month, day: date.day },
      { zone },
    ).plus({ days: shift });
    if (skipWeekends && day.weekday > 5) {
      continue;
    }
    spans.push([atClock(day, startMinutes).toMillis(), atClock(day, endMinutes).toMillis()]);
  }

  return spans;
}

function intersect(left: Span[], right: Span[]): Span[] {
  const result: Span[] = [];
  for (const [leftStart, leftEnd] of left) {
    for (const [rightStart, rightEnd] of right) {
      const start = Math.max(leftStart, rightStart);
      const end = Math.min(leftEnd, rightEnd);
      if (start < end) {
        result.push([start, end]);
      }
    }
  }

  return result.sort((a, b) => a[0] - b[0]);
}

/** Joins spans that touch or overlap, such as one day's 24-hour shift and the next day's. */
function mergeSpans(spans: Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last !== undefined && span[0] <= last[1]) {
      last[1] = Math.max(last[1], span[1]);
    } else {
      merged.push([span[0], span[1]]);
    }
  }

  return merged;
}

const meetingTimeFinder = defineTool<MeetingArgs>({
  name: 'meeting_time_finder',
  description:
    "Returns the windows on a date when every participant is within working hours in their own IANA time zone, with each participant's local times.",
  category: 'productivity',
  tier: 'starter',
  tags: ['meeting', 'timezone', 'schedule', 'overlap'],
  inputSchema: {
    type: 'object',
    properties: {
      date: isoDateProperty('Day to search (YYYY-MM-DD), as a calendar day in reference_zone.'),
      participants: {
        type: 'array',
        description: 'People or teams with their zone and working hours.',
        minItems: 2,
        maxItems: 20,
        items: {
          type: 'object',
          properties: {
            zone: timeZoneProperty('Where the participant works.'),
            start: clockProperty('Start of working hours in the local time.', '09:00'),
            end: clockProperty(
              'End of working hours in the local time. One not after start is on the next day, so 00:00 to 00:00 is all day.',
              '17:00',
            ),
            name: {
              type: 'string',
              maxLength: 100,
              description: 'Label for the participant in the result.',
            },
          },
          required: ['zone'],
          additionalProperties: false,
        },
      },
      reference_zone: timeZoneProperty(
        "Zone whose calendar day `date` is, by default the first participant's zone.",
      ),
      min_duration_minutes: {
        type: 'integer',
        minimum: 5,
        maximum: 1440,
        default: 30,
        description: 'Shortest window worth returning, in minutes.',
      },
      skip_weekends: {
        type: 'boolean',
        default: true,
        description: "Whether Saturdays and Sundays in a participant's own zone are days off.",
      },
    },
    required: ['date', 'participants'],
    additionalProperties: false,
  },
  run(args) {
    parseIsoDate(args.date, 'date');
    const firstZone = (args.participants[0] as Participant).zone;
    const referenceZone = parseTimeZone(
      args.reference_zone ?? firstZone,
      args.reference_zone === undefined ? 'participants[0].zone' : 'reference_zone',
    );
    const day = DateTime.fromISO(args.date, { zone: referenceZone });
    let windows: Span[] = [[day.toMillis(), day.plus({ days: 1 }).toMillis()]];
    args.participants.forEach((participant, index) => {
      windows = intersect(
        windows,
        workingSpans(participant, day, args.skip_weekends, `participants[${index}]`),
      );
    });

    const minimum = args.min_duration_minutes * 60_000;
    const found = mergeSpans(windows)
      .filter(([start, end]) => end - start >= minimum)
      .map(([start, end]) => ({
        start_utc: DateTime.fromMillis(start, { zone: 'UTC' }).toISO({
          suppressMilliseconds: true,
        }),
        end_utc: DateTime.fromMillis(end, { zone: 'UTC' }).toISO({ suppressMilliseconds: true }),
        duration_minutes: (end - start) / 60_000,
        local: args.participants.map((participant) => ({
          name: participant.name ?? participant.zone,
          zone: participant.zone,
          start: DateTime.fromMillis(start, { zone: participant.zone }).toFormat(
            'yyyy-MM-dd HH:mm',
          ),
          end: DateTime.fromMillis(end, { zone: participant.zone }).toFormat('yyyy-MM-dd HH:mm'),
        })),
      }));

    return {
      date: args.date,
      reference_zone: referenceZone.name,
      windows: found,
      total_minutes: found.reduce((sum, window) => sum + window.duration_minutes, 0),
    };
  },
});

interface PomodoroArgs {
  start: string;
  pomodoros: number;
  work_minutes: number;
  short_break_minutes: number;
  long_break_minutes: number;
  long_break_every: number;
}

interface Session {
  kind: 'work' | 'short_break' | 'long_break';
  pomodoro?: number;
  start: string;
  end: string;
  minutes: number;
}

/*
 * The Pomodoro Technique's cycle: a work interval, then a short break, and a long break in
 * place of every `long_break_every`-th short break. The last pomodoro gets no break.
 */
const pomodoroSchedule = defineTool<PomodoroArgs>({
  name: 'pomodoro_schedule',
  description:
    'Returns a Pomodoro schedule of work intervals and short and long breaks with clock times, and its totals.',
  category: 'productivity',
  tier: 'free',
  tags: ['pomodoro', 'focus', 'schedule', 'breaks'],
  inputSchema: {
    type: 'object',
    properties: {
      start: clockProperty('When the first pomodoro starts.'),
      pomodoros: {
        type: 'integer',
        minimum: 1,
        maximum: 32,
        description: 'Number of work intervals.',
      },
      work_minutes: {
        type: 'integer',
        minimum: 5,
        maximum: 120,
        default: 25,
        description: 'Length of a work interval.',
      },
      short_break_minutes: {
        type: 'integer',
        minimum: 1,
        maximum: 60,
        default: 5,
        description: 'Length of a short break in minutes.',
      },
      long_break_minutes: {
        type: 'integer',
        minimum: 5,
        maximum: 120,
        default: 15,
        description: 'Length of a long break in minutes.',
      },
      long_break_every: {
        type: 'integer',
        minimum: 2,
        maximum: 12,
        default: 4,
        description: 'Pomodoros between long breaks.',
      },
    },
    required: ['start', 'pomodoros'],
    additionalProperties: false,
  },
  run(args) {
    const sessions: Session[] = [];
    let clock = clockMinutes(args.start);
    const begin = clock;
    const push = (kind: Session['kind'], minutes: number, pomodoro?: number) => {
      sessions.push({
        kind,
        ...(pomodoro === undefined ? {} : { pomodoro }),
        start: formatClock(clock),
        end: formatClock(clock + minutes),
        minutes,
      });
      clock += minutes;
    };

    for (let pomodoro = 1; pomodoro <= args.pomodoros; pomodoro += 1) {
      push('work', args.work_minutes, pomodoro);
      if (pomodoro === args.pomodoros) {
        break;
      }
      if (pomodoro % args.long_break_every === 0) {
        push('long_break', args.long_break_minutes);
      } else {
        push('short_break', args.short_break_minutes);
      }
    }
    const workMinutes = args.pomodoros * args.work_minutes;

    return {
      sessions,
      end: formatClock(clock),
      ends_next_day: clock >= minutesPerDay,
      total_work_minutes: workMinutes,
      total_break_minutes: clock - begin - workMinutes,
      total_minutes: clock - begin,
    };
  },
});

interface ChecklistArgs {
  markdown: string;
  include_plain_items: boolean;
}

interface ChecklistItem {
  text: string;
  checked: boolean;
  depth: number;
  line: number;
  section: string | null;
}

/** Text of a list item without its nested lists. */
function itemText(item: ListItem): string {
  return item.children
    .filter((child) => child.type !== 'list')
    .map((child) => toString(child))
    .join(' ')
    .trim();
}

const textToChecklist = defineTool<ChecklistArgs>({
  name: 'text_to_checklist',
  description:
    'Returns the GFM task list items (- [ ] and - [x]) of a Markdown text with their state, nesting, line and section, and the share completed.',
  category: 'productivity',
  tier: 'free',
  tags: ['checklist', 'markdown', 'tasks', 'todo'],
  inputSchema: {
    type: 'object',
    properties: {
      markdown: {
        type: 'string',
        maxLength: 100_000,
        description: 'Markdown text with task list items.',
      },
      include_plain_items: {
        type: 'boolean',
        default: false,
        description: 'Whether list items without a checkbox count as open tasks.',
      },
    },
    required: ['markdown'],
    additionalProperties: false,
  },
  run(args) {
    const tree = fromMarkdown(args.markdown, {
      extensions: [gfmTaskListItem()],
      mdastExtensions: [gfmTaskListItemFromMarkdown()],
    });
    const items: ChecklistItem[] = [];
    let section: string | null = null;

    // Document order matters, because an item belongs to the last heading before it.
    const visit = (node: Nodes, depth: number): void => {
      if (node.type === 'heading') {
        section = toString(node);
        return;
      }
      let childDepth = depth;
      if (node.type === 'listItem') {
        const isTask = typeof node.checked === 'boolean';
        if (isTask || args.include_plain_items) {
          items.push({
            text: itemText(node),
            checked: node.checked === true,
            depth,
            line: node.position?.start.line ?? 0,
            section,
          });
        }
        childDepth = depth + 1;
      }
      if ('children' in node) {
        for (const child of node.children) {
          visit(child, childDepth);
        }
      }
    };
    visit(tree, 0);

    const completed = items.filter((item) => item.checked).length;

    return {
      items,
      total: items.length,
      completed,
      open: items.length - completed,
      percent_complete:
        items.length === 0 ? null : Math.round((completed / items.length) * 1000) / 10,
    };
  },
});

interface WorkEntry {
  start: string;
  end: string;
  break_minutes: number;
  date?: string;
}

interface WorkingHoursArgs {
  entries: WorkEntry[];
}

const workingHoursTotal = defineTool<WorkingHoursArgs>({
  name: 'working_hours_total',
  description:
    'Returns the minutes and hours worked over a list of shifts less their breaks, with overnight shifts and per-date totals.',
  category: 'productivity',
  tier: 'free',
  tags: ['timesheet', 'hours', 'shifts', 'work'],
  inputSchema: {
    type: 'object',
    properties: {
      entries: {
        type: 'array',
        description: 'Shifts. An end earlier than the start means the shift ends the next day.',
        minItems: 1,
        maxItems: 500,
        items: {
          type: 'object',
          properties: {
            start: clockProperty('Shift start.'),
            end: clockProperty('Shift end.'),
            break_minutes: {
              type: 'integer',
              minimum: 0,
              maximum: 1440,
              default: 0,
              description: 'Unpaid break within the shift, in minutes.',
            },
            date: isoDateProperty('Day the shift starts (YYYY-MM-DD), for per-date totals.'),
          },
          required: ['start', 'end'],
          additionalProperties: false,
        },
      },
    },
    required: ['entries'],
    additionalProperties: false,
  },
  run(args) {
    const byDate = new Map<string, number>();
    const entries = args.entries.map((entry, index) => {
      const start = clockMinutes(entry.start);
      let end = clockMinutes(entry.end);
      if (end === start) {
        throw new ToolError(
          `entries[${index}] starts and ends at ${entry.start}, so its length is unclear. Give a shift shorter than 24 hours`,
        );
      }
      const overnight = end < start;
      if (overnight) {
        end += minutesPerDay;
      }
      const worked = end - start - entry.break_minutes;
      if (worked < 0) {
        throw new ToolError(
          `entries[${index}].break_minutes (${entry.break_minutes}) is longer than the shift of ${end - start} minutes`,
        );
      }
      if (entry.date !== undefined) {
        parseIsoDate(entry.date, `entries[${index}].date`);
        byDate.set(entry.date, (byDate.get(entry.date) ?? 0) + worked);
      }

      return { ...entry, overnight, worked_minutes: worked };
    });
    const total = entries.reduce((sum, entry) => sum + entry.worked_minutes, 0);

    return {
      entries,
      total_minutes: total,
      total_hours: Math.round((total / 60) * 100) / 100,
      total_duration: formatDuration(total),
      by_date: Object.fromEntries(
        [...byDate.entries()].sort(([left], [right]) => left.localeCompare(right)),
      ),
    };
  },
});

interface TimeBlockArgs {
  start: string;
  blocks: { title: string; minutes: number }[];
  buffer_minutes: number;
  day_end?: string;
}

const timeBlockPlan = defineTool<TimeBlockArgs>({
  name: 'time_block_plan',
  description:
    'Returns a time-blocked plan with the clock times of each block and buffer, and whether it fits before the end of the day.',
  category: 'productivity',
  tier: 'free',
  tags: ['planning', 'timeblocking', 'schedule', 'calendar'],
  inputSchema: {
    type: 'object',
    properties: {
      start: clockProperty('When the first block starts.'),
      blocks: {
        type: 'array',
        description: 'Blocks in order.',
        minItems: 1,
        maxItems: 100,
        items: {
          type: 'object',
          properties: {
            title: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              description: 'What the block is for.',
            },
            minutes: {
              type: 'integer',
              minimum: 1,
              maximum: 1440,
              description: 'Length of the block.',
            },
          },
          required: ['title', 'minutes'],
          additionalProperties: false,
        },
      },
      buffer_minutes: {
        type: 'integer',
        minimum: 0,
        maximum: 120,
        default: 0,
        description: 'Gap between consecutive blocks, in minutes.',
      },
      day_end: clockProperty('Time the plan must finish by, on the same day as start.'),
    },
    required: ['start', 'blocks'],
    additionalProperties: false,
  },
  run(args) {
    const begin = clockMinutes(args.start);
    let clock = begin;
    const blocks = args.blocks.map((block, index) => {
      if (index > 0) {
        clock += args.buffer_minutes;
      }
      const planned = {
        title: block.title,
        start: formatClock(clock),
        end: formatClock(clock + block.minutes),
        minutes: block.minutes,
      };
      clock += block.minutes;

      return planned;
    });

    const result: Record<string, unknown> = {
      blocks,
      end: formatClock(clock),
      ends_next_day: clock >= minutesPerDay,
      total_minutes: clock - begin,
      buffer_minutes_total: args.buffer_minutes * (args.blocks.length - 1),
    };
    if (args.day_end !== undefined) {
      const dayEnd = clockMinutes(args.day_end);
      if (dayEnd <= begin) {
        throw new ToolError(`day_end (${args.day_end}) must be later than start (${args.start})`);
      }
      result.fits = clock <= dayEnd;
      result.overflow_minutes = Math.max(0, clock - dayEnd);
      result.free_minutes = Math.max(0, dayEnd - clock);
    }

    return result;
  },
});

export const productivityTools: BuiltinTool[] = [
  meetingTimeFinder,
  pomodoroSchedule,
  textToChecklist,
  workingHoursTotal,
  timeBlockPlan,
];
