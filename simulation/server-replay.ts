import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.js';
import { Clock } from '../src/common/clock.js';
import { MscIdentifiers } from '../src/common/msc-identifiers.js';
import { loadAppConfig } from '../src/config/app-config.js';
import { EventStore } from '../src/events/event-store.service.js';
import { PresenceEngine } from '../src/presence/presence-engine.js';
import { PresenceService } from '../src/presence/presence.service.js';
import { ProfileRoomService } from '../src/profiles/profile-room.service.js';
import type { ScriptedInput } from '../src/presence/simulation/day-script.js';
import { runEngine } from '../src/simulation/engine-run.js';
import { type ComparableEvent, predictedEvents } from '../src/simulation/event-diff.js';
import type { ModelSetting } from '../src/simulation/models.js';

const HOUR = 3_600_000;

export interface ServerReplayResult {
  users: number;
  /** Events the server wrote, and the events the in-process replay predicted. */
  written: ComparableEvent[];
  predicted: ComparableEvent[];
  /** Whether they are the same, event for event; if not, the first difference. */
  matched: boolean;
  firstDifference: string | null;
  /** Growth of the SQLite database (main file after a WAL checkpoint) over the replay. */
  sqliteBytes: number;
  /** The bytes of event JSON written (content and unsigned, as stored). */
  eventJsonBytes: number;
}

/** The settings a model setting runs under, as the server's environment. */
function environmentOf(setting: ModelSetting): Record<string, string> {
  const pacing = setting.pacing!;
  return {
    PRESENCE_POLICY: setting.model === 'pdu-legacy' ? 'legacy' : 'msc3032',
    PRESENCE_IDLE_TIMEOUT_MS: String(setting.settings.idleTimeoutMs),
    PRESENCE_SYNC_IS_ACTIVITY: String(setting.settings.syncIsActivity),
    PRESENCE_MAX_LAG_MS: String(pacing.maxLagMs),
    PRESENCE_SETTLE_MS: String(pacing.settleMs),
    PRESENCE_MIN_PUBLISH_INTERVAL_MS: String(pacing.minIntervalMs),
    PRESENCE_OFFLINE_GRACE_MS: String(pacing.offlineGraceMs),
    PRESENCE_PUBLISH_ACTIVITY_LAPSES: String(pacing.publishActivityLapses),
    PRESENCE_PUBLISH_ACTIVITY_BLIPS: String(pacing.publishActivityBlips),
    PRESENCE_TIMER_TICK_MS: '1000',
  };
}

function firstDifference(written: ComparableEvent[], predicted: ComparableEvent[]): string | null {
  for (let index = 0; index < Math.max(written.length, predicted.length); index += 1) {
    const [a, b] = [JSON.stringify(written[index] ?? null), JSON.stringify(predicted[index] ?? null)];
    if (a !== b) return `event ${index}: server wrote ${a}, replay predicted ${b}`;
  }
  return null;
}

/**
 * Replays users' scripts through the real server: the application booted on a fresh SQLite file
 * with the real migrations, the users registered over HTTP, each input handed to PresenceService
 * and each due sweep run, on a fake clock. The events the server wrote are read back from its
 * store and compared with what runEngine predicts for the same scripts; the database file's
 * growth is measured.
 */
export async function replayThroughServer(setting: ModelSetting, scripts: ReadonlyMap<string, ScriptedInput[]>, windowEnd: number): Promise<ServerReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'presence-simulation-'));
  const databasePath = join(dir, 'sample.sqlite');
  const config = loadAppConfig({ DATABASE_PATH: databasePath, PORT: '0', LOG_LEVEL: 'error', PASSWORD_HASH_COST: '10', SERVER_NAME: 'sim.test', ...environmentOf(setting) });
  const app = await createApp(config);
  try {
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
    for (const userId of scripts.keys()) {
      const response = await fetch(`http://127.0.0.1:${address.port}/_matrix/client/v3/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: userId.slice(1, userId.indexOf(':')), password: 'simulated-password', auth: { type: 'm.login.dummy' } }),
      });
      if (!response.ok) throw new Error(`registering ${userId}: ${response.status} ${await response.text()}`);
    }
    const dataSource = app.get(DataSource);
    const checkpointedSize = async () => {
      await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
      return statSync(databasePath).size;
    };
    const sizeBefore = await checkpointedSize();
    const store = app.get(EventStore);
    const positionBefore = store.currentPosition();

    const merged = [...scripts].flatMap(([userId, script]) => script.map(({ at, input }) => ({ at, userId, input }))).sort((a, b) => a.at - b.at);
    const start = merged[0]?.at ?? 0;
    // Whole hours, so every timer falls on the same tick and minute boundaries as in the replay; after the wall clock, which the engine's wheel started from.
    const shift = Math.ceil((Date.now() + HOUR - start) / HOUR) * HOUR;
    const fake = { time: start + shift };
    app.get(Clock).now = () => fake.time;
    const service = app.get(PresenceService);
    // A twin of the server's engine, fed the same inputs, says when the server's wheel has something due.
    const twin = new PresenceEngine(setting.policy, setting.settings, setting.pacing!, { now: () => fake.time }, 1000);
    const sweepUntil = async (until: number) => {
      for (let due = twin.nextDueAt(); due !== null && due <= until; due = twin.nextDueAt()) {
        fake.time = Math.max(fake.time, due);
        twin.sweep();
        // The first call may join a sweep the server's own ticker began earlier; the second sweeps now.
        await service.tick();
        await service.tick();
      }
    };
    for (const { at, userId, input } of merged) {
      await sweepUntil(at + shift);
      fake.time = at + shift;
      twin.apply(userId, [input]);
      await service.apply(userId, [input]);
    }
    await sweepUntil(windowEnd + shift);
    await service.tick();

    const ids = app.get(MscIdentifiers);
    const rooms = await app.get(ProfileRoomService).profileRoomIds(scripts.keys());
    const types = [...ids.both('presence'), ...ids.both('status')];
    const stored = await store.eventsBetween({ types, roomIds: [...rooms.values()], after: positionBefore, upTo: store.currentPosition() });
    // Back to the window's time: the server wrote absolute times of the shifted clock.
    const unshift = (content: Record<string, unknown>) =>
      typeof content.last_active_ts === 'number' && content.last_active_ts > 0 ? { ...content, last_active_ts: content.last_active_ts - shift } : content;
    const written = stored.map((event) => ({ sender: event.sender, type: event.type, content: unshift(event.content), at: event.originServerTs - shift }));
    const eventJsonBytes = stored.reduce((sum, event) => sum + Buffer.byteLength(JSON.stringify(event.content)) + Buffer.byteLength(JSON.stringify(event.unsigned ?? null)), 0);

    const runs = runEngine(setting.policy, setting.settings, setting.pacing!, scripts, windowEnd);
    const predicted = predictedEvents(runs, ids);
    // Events written at the same moment may be in either user order in the stream: compare per moment, by sender.
    const canonical = (events: ComparableEvent[]) =>
      [...events].sort((a, b) => a.at - b.at || (a.sender < b.sender ? -1 : a.sender > b.sender ? 1 : 0));
    const difference = firstDifference(canonical(written), canonical(predicted));
    return {
      users: scripts.size,
      written,
      predicted,
      matched: difference === null,
      firstDifference: difference,
      sqliteBytes: (await checkpointedSize()) - sizeBefore,
      eventJsonBytes,
    };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
