import type { ModelFigures } from './measure.js';
import { DEFAULT_KNOBS } from './models.js';
import { SIMULATED_DAY } from './population.js';
import { diurnalRows, figuresCsv, retentionRows, storageLines, STORAGE_DAYS } from './report-data.js';

function figures(model: ModelFigures['model'], id: string, isDefault: boolean, storedBytesPerUserDay: number, updates: number): ModelFigures {
  return {
    id,
    model,
    isDefault,
    knobs: DEFAULT_KNOBS,
    users: 10,
    activeUserHours: 100,
    updates,
    updatesPerActiveUserHour: updates / 100,
    byCausePerActiveUserHour: { online: 0, offline: 0, presence: 0, active_lapse: 0, active_again: 0, active_refresh: 0, status: 0, last_active: 0 },
    storedBytesPerUserDay,
    deliveriesPerFollowerDay: 0,
    deliveredBytesPerFollowerDay: 0,
    lagP50: 0,
    lagP95: 0,
    lagMax: 0,
    flipFlops: 0,
    flipFlopsPerActiveUserHour: 0,
    federation: { servers: 0, transactionsPerServerDay: 0, bytesPerServerDay: 0, joinEvents: 0, joinBytesPerRoom: 0, perServer: [] },
    retention: [],
  };
}

describe('report data', () => {
  it('accumulates 1,000 users\' stored bytes over 30 days, and extrapolates the measured SQLite growth per event', () => {
    const all = [figures('pdu-msc3032', 'a', true, 2000, 50), figures('pdu-msc3032', 'b', false, 500, 20), figures('edu-legacy', 'c', true, 0, 90)];
    const lines = storageLines(all, [{ model: 'pdu-msc3032', settingId: 'a', events: 100, sqliteBytes: 60_000 }]);
    expect(lines.map((line) => line.label)).toEqual(['pdu-msc3032 defaults, event JSON', 'pdu-msc3032 defaults, SQLite file (measured per event)', 'b, event JSON']);
    // 2,000 bytes a user-day × 1,000 users = 2 MB a day.
    expect(lines[0].megabytes).toHaveLength(STORAGE_DAYS);
    expect(lines[0].megabytes[0]).toBeCloseTo(2);
    expect(lines[0].megabytes[29]).toBeCloseTo(60);
    // 600 bytes an event × 5 events a user-day (50 over 10 users) × 1,000 users = 3 MB a day.
    expect(lines[1].megabytes[0]).toBeCloseTo(3);
    expect(lines[2].megabytes[9]).toBeCloseTo(5);
  });

  it('draws the defaults\' storage under each retention window beside none, and tabulates day 30', () => {
    const growing = Array.from({ length: STORAGE_DAYS }, (_, day) => 1000 * (day + 1));
    const levelled = growing.map((bytes) => Math.min(bytes, 7000));
    const defaults = {
      ...figures('pdu-msc3032', 'a', true, 1000, 50),
      retention: [
        { label: 'no retention', bytesByDay: growing },
        { label: '7-day retention', bytesByDay: levelled },
      ],
    };
    const lines = storageLines([defaults], []);
    expect(lines.map((line) => line.label)).toEqual(['pdu-msc3032 defaults, event JSON', 'pdu-msc3032 defaults, event JSON, 7-day retention']);
    // 7,000 bytes a user × 1,000 users = 7 MB from day 7 on.
    expect(lines[1].megabytes[29]).toBeCloseTo(7);
    expect(retentionRows([defaults, figures('edu-legacy', 'c', true, 0, 90)])).toEqual([
      { model: 'pdu-msc3032', megabytes: [{ label: 'no retention', megabytes: 30 }, { label: '7-day retention', megabytes: 7 }] },
    ]);
  });

  it('counts updates per hour since the day\'s midnight UTC', () => {
    const update = (hours: number) => ({ at: SIMULATED_DAY + hours * 3_600_000, kind: 'presence' as const, view: { presence: 'online' as const, currentlyActive: true, lastActiveTs: 0, statusMsg: null }, previous: null, lag: 0 });
    expect(diurnalRows('m', [[update(-0.5), update(1.2)], [update(1.9)]])).toEqual([
      { model: 'm', hour: -1, updates: 1 },
      { model: 'm', hour: 1, updates: 2 },
    ]);
  });

  it('writes one CSV row per setting, quoting what needs it', () => {
    const csv = figuresCsv([figures('pdu-msc3032', 'with, comma', true, 1, 2)]).split('\n');
    expect(csv[0].startsWith('id,model,default,')).toBe(true);
    expect(csv[1].startsWith('"with, comma",pdu-msc3032,true,')).toBe(true);
    expect(csv).toHaveLength(3);
  });
});
