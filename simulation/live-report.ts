import type { LiveRunResult } from './live-run.js';

/** What a live run replayed: the population's window, the scale, and where the server came from. */
export interface LiveRunInfo {
  date: string;
  machine: string;
  command: string;
  seconds: number;
  seed: number;
  /** The simulated span replayed (minutes) and how much faster than real time. */
  minutes: number;
  scale: number;
  /** The simulated window's start (UTC). */
  windowStart: number;
  /** Whether the run started the server itself (else the user named it). */
  startedServer: boolean;
  /** The presence settings the server ran with. */
  environment: Record<string, string>;
}

/** Diff lines shown per user; the rest are in live.json. */
const MAX_LINES_PER_USER = 30;

/** The report's "Live run" section: what ran against which server, and whether the server wrote what the replay predicted. */
export function liveRunSection(info: LiveRunInfo, result: LiveRunResult): string[] {
  const matched = result.comparison.matched;
  const time = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  return [
    '## Live run',
    '',
    `${result.users} users of the population (seed ${info.seed}) replayed over HTTP against ${info.startedServer ? 'a server the run started (the built server on a fresh SQLite file)' : 'the running server'} at ${result.baseUrl}: ${info.minutes} simulated minutes (${time(info.windowStart)}–${time(info.windowStart + info.minutes * 60_000)} UTC, the population's busiest stretch) at ${info.scale}× real time, with every presence timer divided by ${info.scale}.`,
    `Real clients: each user registered and signed in on their ${result.devices} devices in all, /sync long-polls with \`set_presence\`, typing as activity, the MSC3032 device report, the legacy \`PUT /presence/{userId}/status\` and GraphQL mutations. The server took ${result.inputs.toLocaleString('en')} inputs; ${result.held} were sent late to keep ${result.marginMs} ms clear of a deadline of their user.`,
    'The events it wrote in the profile rooms (read back with `/messages`) are compared with what the in-process replay (`runEngine`, the real `PresenceEngine` on a fake clock) predicts for the same inputs at the times they took effect: sender, type, content and order per user; each written from ' +
      `${result.tolerance.earlierMs} ms before to ${result.tolerance.laterMs} ms after the predicted time (the server commits a write after its ticker finds it due, later when loaded), \`last_active_ts\` within ${result.tolerance.earlierMs} ms.`,
    '',
    '| server | users | simulated time | scale | events written | events predicted | matched |',
    '|---|---:|---:|---:|---:|---:|---|',
    `| ${result.baseUrl} | ${result.users} | ${info.minutes} min | ${info.scale}× | ${result.written.length} | ${result.predicted.length} | ${matched ? 'yes' : '**no**'} |`,
    '',
    `Requests took ${result.roundTripMs.p50} ms from sending to the answer at the median, ${result.roundTripMs.p99} ms at the 99th percentile, ${result.roundTripMs.max} ms at most; an input's time is uncertain by half its round trip, so round trips beyond twice the ${result.marginMs} ms margin (a machine busy with other work) can make a mismatch of times alone.`,
    '',
    `Server settings: ${Object.entries(info.environment)
      .map(([key, value]) => `\`${key}=${value}\``)
      .join(', ')}.`,
    ...(matched
      ? []
      : [
          '',
          `### Mismatches (${result.comparison.mismatches.length} users)`,
          '',
          '`-` predicted but not written, `+` written but not predicted; seconds from the script\'s start.',
          '',
          ...result.comparison.mismatches.flatMap((mismatch) => [
            `${mismatch.userId}:`,
            '',
            '```diff',
            ...mismatch.lines.slice(0, MAX_LINES_PER_USER),
            ...(mismatch.lines.length > MAX_LINES_PER_USER ? [`  … ${mismatch.lines.length - MAX_LINES_PER_USER} more lines (live.json)`] : []),
            '```',
            '',
          ]),
        ]),
    '',
  ];
}

/** The report of a live run alone. */
export function liveReportMarkdown(info: LiveRunInfo, result: LiveRunResult): string {
  return [
    '# Presence over HTTP: does the server write what the replay predicts?',
    '',
    `Measured ${info.date} on ${info.machine}, in ${Math.round(info.seconds)} s. Reproduce with \`${info.command}\`.`,
    '',
    ...liveRunSection(info, result),
  ].join('\n');
}
