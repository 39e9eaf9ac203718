import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in these ticks on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, in ms) that a process has used so far, read from /proc; null where
 * there is no /proc (not Linux), so the figures that use it are left out rather than wrong.
 */
export function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // The command name is in parentheses and may hold spaces; the fields after it are fixed.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The sum of several processes' CPU times; null when any is unknown. */
export function sumOrNull(values: Array<number | null>): number | null {
  return values.some((value) => value === null) ? null : values.reduce<number>((sum, value) => sum + value!, 0);
}

/**
 * CPU the database's backends used between two readings: a backend that started in between
 * counts from zero; one that ended in between (the pool closes idle connections) is missed.
 */
export function backendsSpent(before: Map<number, number>, after: Map<number, number>): number {
  let spent = 0;
  for (const [pid, ms] of after) spent += ms - (before.get(pid) ?? 0);
  return spent;
}
