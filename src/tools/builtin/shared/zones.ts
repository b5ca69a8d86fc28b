import { DateTime, IANAZone } from 'luxon';
import { ToolError } from '../../definition.js';

/** Builds the schema of an IANA time zone argument. */
export function timeZoneProperty(
  description: string,
  defaultZone?: string,
): Record<string, unknown> {
  return {
    type: 'string',
    minLength: 1,
    maxLength: 64,
    description: `${description} An IANA time zone name, such as Europe/Berlin or UTC.`,
    ...(defaultZone === undefined ? {} : { default: defaultZone }),
  };
}

export function parseTimeZone(name: string, field: string): IANAZone {
  if (!IANAZone.isValidZone(name)) {
    throw new ToolError(
      `${field} "${name}" is not an IANA time zone name, such as America/New_York or UTC`,
    );
  }

  return IANAZone.create(name);
}

export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

export type WallTimeStatus = 'unique' | 'ambiguous' | 'skipped';

/**
 * Resolves a local wall-clock time in `zone` to an instant. Around a DST change a wall time
 * can occur twice (ambiguous) or not at all (skipped). `compatible` takes the earlier
 * instant of an ambiguous time and moves a skipped one forward by the length of the gap,
 * as the TC39 Temporal API does.
 */
export function resolveWallTime(
  wallClock: DateTime,
  zone: IANAZone,
  disambiguation: Disambiguation,
  field: string,
): { instant: DateTime; status: WallTimeStatus } {
  // The wall clock is read as if it were UTC, so subtracting a zone offset gives a candidate instant.
  const wallMillis = wallClock.toMillis();
  const day = 86_400_000;
  const offsetBefore = zone.offset(wallMillis - day);
  const offsetAfter = zone.offset(wallMillis + day);
  const candidates = [...new Set([offsetBefore, offsetAfter])]
    .map((offset) => wallMillis - offset * 60_000)
    .filter((millis) => zone.offset(millis) * 60_000 === wallMillis - millis)
    .sort((left, right) => left - right);

  let millis: number;
  let status: WallTimeStatus;
  if (candidates.length === 1) {
    millis = candidates[0] as number;
    status = 'unique';
  } else if (candidates.length > 1) {
    status = 'ambiguous';
    if (disambiguation === 'reject') {
      throw new ToolError(
        `${field} ${wallClock.toISO({ includeOffset: false, suppressMilliseconds: true })} occurs twice in ${zone.name}. Set disambiguation to earlier or later`,
      );
    }
    millis = (disambiguation === 'later' ? candidates.at(-1) : candidates[0]) as number;
  } else {
    status = 'skipped';
    if (disambiguation === 'reject') {
      throw new ToolError(
        `${field} ${wallClock.toISO({ includeOffset: false, suppressMilliseconds: true })} does not exist in ${zone.name}, because the clocks skip it`,
      );
    }
    // The offset from before the change puts the time after the gap, and the offset from
    // after the change puts it before the gap.
    millis = wallMillis - (disambiguation === 'earlier' ? offsetAfter : offsetBefore) * 60_000;
  }

  return { instant: DateTime.fromMillis(millis, { zone }), status };
}
