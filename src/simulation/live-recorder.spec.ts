import { LiveRecorder } from './live-recorder.js';
import { liveEnvironment, liveServerSettings } from './live-settings.js';

describe(LiveRecorder.name, () => {
  const server = liveServerSettings(liveEnvironment(30));

  it('keeps each input at its own time and knows when its user next has something due', () => {
    const recorder = new LiveRecorder(server, 1_000);
    recorder.record('@a:x', [{ kind: 'login' }], 1_000);
    recorder.record('@a:x', [{ kind: 'sync', deviceId: 'laptop', state: 'online' }], 1_200);
    recorder.record('@a:x', [{ kind: 'sync-end', deviceId: 'laptop' }], 1_150);
    expect(recorder.scripts.get('@a:x')!.map(({ at, input }) => [at, input.kind])).toEqual([
      [1_000, 'login'],
      [1_200, 'sync'],
      [1_150, 'sync-end'],
    ]);
    expect(recorder.inputCount).toBe(3);
    // The twin took the late sync-end at its latest time: the device times out a sync timeout after it.
    expect(recorder.wakeOf('@a:x')).toBe(1_200 + server.settings.syncOnlineTimeoutMs);
    expect(recorder.wakeOf('@b:x')).toBeNull();
  });

  it('sweeps what fell due on the way to a later time', () => {
    const recorder = new LiveRecorder(server, 1_000);
    recorder.record('@a:x', [{ kind: 'sync', deviceId: 'laptop', state: 'online' }], 1_000);
    recorder.record('@a:x', [{ kind: 'sync-end', deviceId: 'laptop' }], 1_500);
    const timeout = recorder.wakeOf('@a:x')!;
    expect(timeout).toBe(1_500 + server.settings.syncOnlineTimeoutMs);
    recorder.advance(timeout + server.tickMs);
    expect(recorder.wakeOf('@a:x') ?? Infinity).toBeGreaterThan(timeout + server.tickMs);
  });
});
