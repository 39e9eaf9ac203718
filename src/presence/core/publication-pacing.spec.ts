import type { PresenceView } from './presence-model.js';
import { derivesFalseLapse, foldsAway, type PacingSettings, presenceEventCause, publicationDue, refreshDue, seenChangeAt, seenView } from './publication-pacing.js';

const PACING: PacingSettings = {
  maxLagMs: 60_000,
  minIntervalMs: 0,
  settleMs: 60_000,
  offlineGraceMs: 0,
  publishActivityLapses: false,
  publishActivityBlips: false,
  lastActiveGranularityMs: 60_000,
};
const view = (presence: PresenceView['presence'], extra: Partial<PresenceView> = {}): PresenceView => ({
  presence,
  currentlyActive: false,
  lastActiveTs: 0,
  statusMsg: null,
  ...extra,
});
const byClock = { since: 2000, byRequest: false };
const byRequest = { since: 2000, byRequest: true };
const cause = { byHand: false, publishedAt: 1000 };

describe('publicationDue', () => {
  it('writes the first view, a change by hand and a status text at once', () => {
    expect(publicationDue(null, view('online'), null, 1000, cause, { ...PACING, minIntervalMs: 60_000 })).toBe(1000);
    expect(publicationDue(view('online'), view('unavailable'), byClock, 3000, { ...cause, byHand: true }, PACING)).toBe(3000);
    expect(publicationDue(view('online'), view('online', { statusMsg: 'lunch' }), byClock, 3000, cause, PACING)).toBe(3000);
  });

  it("writes a request's change at once, or once the minimum interval since the last write has passed", () => {
    expect(publicationDue(view('online'), view('unavailable'), byRequest, 2000, cause, PACING)).toBe(2000);
    expect(publicationDue(view('online'), view('unavailable'), byRequest, 2000, cause, { ...PACING, minIntervalMs: 30_000 })).toBe(31_000);
  });

  it("lets the clock's change settle, going offline hold for the grace, and neither past the bound", () => {
    expect(publicationDue(view('online'), view('unavailable'), byClock, 5000, cause, PACING)).toBe(62_000);
    expect(publicationDue(view('online'), view('unavailable'), byClock, 5000, cause, { ...PACING, settleMs: 10_000 })).toBe(12_000);
    expect(publicationDue(view('online'), view('offline'), byClock, 5000, cause, PACING)).toBe(5000);
    expect(publicationDue(view('online'), view('offline'), byClock, 5000, cause, { ...PACING, offlineGraceMs: 20_000 })).toBe(22_000);
    const long = { ...PACING, maxLagMs: 30_000, settleMs: 600_000, minIntervalMs: 600_000 };
    expect(publicationDue(view('online'), view('unavailable'), byClock, 5000, cause, long)).toBe(32_000);
  });

  it('has nothing to write when readers see the truth', () => {
    expect(publicationDue(view('online'), view('online'), null, 2000, cause, PACING)).toBeNull();
  });
});

describe('what readers make of a published view', () => {
  const active = view('online', { currentlyActive: true, lastActiveTs: 10_000 });

  it('takes currently_active as lapsed from last_active_ts + the granularity, unless lapses are written', () => {
    expect(seenView(active, 69_999, PACING).currentlyActive).toBe(true);
    expect(seenView(active, 70_000, PACING)).toEqual({ ...active, currentlyActive: false });
    expect(seenView(active, 70_000, { ...PACING, publishActivityLapses: true }).currentlyActive).toBe(true);
    expect(seenChangeAt(active, 20_000, PACING)).toBe(70_000);
    expect(seenChangeAt(active, 70_000, PACING)).toBeNull();
    expect(seenChangeAt(active, 20_000, { ...PACING, publishActivityLapses: true })).toBeNull();
  });

  it('folds away activity that lapses by the bound, not a longer spell or another change', () => {
    const published = view('online', { currentlyActive: true, lastActiveTs: 0 });
    const again = (lastActiveTs: number) => view('online', { currentlyActive: true, lastActiveTs });
    expect(foldsAway(published, again(100_000), 160_000, PACING)).toBe(true);
    expect(foldsAway(published, again(100_001), 160_000, PACING)).toBe(false);
    expect(foldsAway(published, again(100_000), 160_000, { ...PACING, publishActivityBlips: true })).toBe(false);
    expect(foldsAway(published, view('unavailable'), 160_000, PACING)).toBe(false);
    expect(foldsAway(published, { ...again(100_000), statusMsg: 'lunch' }, 160_000, PACING)).toBe(false);
  });

  it('folds away the same burst when lapses are written: readers saw the lapse, and will again by the bound', () => {
    const written = { ...PACING, publishActivityLapses: true };
    const lapsed = view('online', { lastActiveTs: 0 });
    const again = (lastActiveTs: number) => view('online', { currentlyActive: true, lastActiveTs });
    expect(foldsAway(lapsed, again(100_000), 160_000, written)).toBe(true);
    expect(foldsAway(lapsed, again(100_001), 160_000, written)).toBe(false);
    expect(foldsAway(lapsed, again(100_000), 160_000, { ...written, publishActivityBlips: true })).toBe(false);
  });

  it('refreshes last_active_ts a lead before the derived lapse while the truth stays active past it, and only then', () => {
    const later = view('online', { currentlyActive: true, lastActiveTs: 40_000 });
    expect(refreshDue(active, later, 20_000, 1000, PACING)).toBe(69_000);
    // The truth lapses with what readers derive, the derived lapse has come, or lapses are written.
    expect(refreshDue(active, active, 20_000, 1000, PACING)).toBeNull();
    expect(refreshDue(active, later, 70_000, 1000, PACING)).toBeNull();
    expect(refreshDue(active, later, 20_000, 1000, { ...PACING, publishActivityLapses: true })).toBeNull();
    // Another change is written as itself.
    expect(refreshDue(active, view('busy', { lastActiveTs: 40_000 }), 20_000, 1000, PACING)).toBeNull();
    expect(refreshDue(view('online', { lastActiveTs: 10_000 }), later, 20_000, 1000, PACING)).toBeNull();
  });

  it('tells a false derived lapse (the truth still active) from a true one', () => {
    const lapsed = seenView(active, 70_000, PACING);
    expect(derivesFalseLapse(active, lapsed, view('online', { currentlyActive: true, lastActiveTs: 50_000 }))).toBe(true);
    expect(derivesFalseLapse(active, lapsed, view('online', { lastActiveTs: 10_000 }))).toBe(false);
    expect(derivesFalseLapse(active, active, view('online', { currentlyActive: true, lastActiveTs: 50_000 }))).toBe(false);
  });

  it('names the cause of each m.presence event', () => {
    expect(presenceEventCause(null, view('online'))).toBe('online');
    expect(presenceEventCause(view('offline'), view('online'))).toBe('online');
    expect(presenceEventCause(view('online'), view('offline'))).toBe('offline');
    expect(presenceEventCause(view('online'), view('unavailable'))).toBe('presence');
    expect(presenceEventCause(view('online', { currentlyActive: true }), view('online'))).toBe('active_lapse');
    expect(presenceEventCause(view('online'), view('online', { currentlyActive: true }))).toBe('active_again');
    expect(presenceEventCause(view('online'), view('online', { statusMsg: 'x' }))).toBeNull();
    expect(presenceEventCause(active, { ...active, lastActiveTs: 40_000 }, true)).toBe('active_refresh');
  });
});
