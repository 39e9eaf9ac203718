import { MSC_IDENTIFIER_PAIRS } from '../common/msc-identifiers.js';
import { planHistoryPurge, type HistoryEvent } from '../events/history-purge.js';
import { DAY } from './population.js';

/** Days the storage figures cover. */
export const STORAGE_DAYS = 30;

/** The retention windows the storage figures compare (PRESENCE_HISTORY_RETENTION_MS); null keeps everything. */
export const RETENTION_WINDOWS: ReadonlyArray<{ label: string; ms: number | null }> = [
  { label: 'no retention', ms: null },
  { label: '7-day retention', ms: 7 * DAY },
  { label: '1-day retention', ms: DAY },
];

/** One published event of a user's day: when, which kind, and the bytes the store keeps for it. */
export interface StoredEvent {
  at: number;
  kind: 'presence' | 'status';
  bytes: number;
}

const TYPES = { presence: MSC_IDENTIFIER_PAIRS.presence.stable, status: MSC_IDENTIFIER_PAIRS.status.stable };
const PURGEABLE = new Set(Object.values(TYPES));

/**
 * The bytes of one user's presence history kept at the end of each of `days` days when the
 * simulated day repeats (each day's events shifted by a day), purged as the server purges
 * (planHistoryPurge) with the window `retentionMs`, once a day at the day's end. Purges only
 * ever grow, so each day's figure is one plan over everything written by then.
 */
export function retainedBytesByDay(day: readonly StoredEvent[], dayStart: number, days: number, retentionMs: number | null): number[] {
  const ordered = [...day].sort((a, b) => a.at - b.at);
  const repeated = Array.from({ length: days }, (_, copy) => ordered.map((event) => ({ ...event, at: event.at + copy * DAY }))).flat();
  repeated.sort((a, b) => a.at - b.at);
  const history: HistoryEvent[] = repeated.map((event, index) => ({ streamOrdering: index + 1, type: TYPES[event.kind], stateKey: '', originServerTs: event.at }));
  const kept: number[] = [];
  for (let dayIndex = 0; dayIndex < days; dayIndex += 1) {
    const end = dayStart + (dayIndex + 1) * DAY;
    let written = 0;
    while (written < repeated.length && repeated[written].at < end) written += 1;
    const purged = retentionMs === null ? new Set<number>() : new Set(planHistoryPurge(history.slice(0, written), PURGEABLE, end - retentionMs).purge);
    kept.push(repeated.slice(0, written).reduce((sum, event, index) => (purged.has(index + 1) ? sum : sum + event.bytes), 0));
  }
  return kept;
}

/**
 * The mean bytes a user keeps at the end of each of STORAGE_DAYS days under each retention
 * window, from the events the engine published over the user's day (`perUser[i]` for user i).
 */
export function retainedBytesPerUser(
  users: ReadonlyArray<{ dayStart: number }>,
  perUser: ReadonlyArray<readonly StoredEvent[]>,
): Array<{ label: string; bytesByDay: number[] }> {
  return RETENTION_WINDOWS.map(({ label, ms }) => {
    const total = new Array<number>(STORAGE_DAYS).fill(0);
    users.forEach((user, index) => retainedBytesByDay(perUser[index], user.dayStart, STORAGE_DAYS, ms).forEach((bytes, day) => (total[day] += bytes)));
    return { label, bytesByDay: total.map((bytes) => bytes / Math.max(1, users.length)) };
  });
}
