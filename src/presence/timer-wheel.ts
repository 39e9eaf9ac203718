/**
 * One timer structure for every tracked user: keys filed in slots of `resolutionMs`, swept by a
 * single periodic tick instead of a setTimeout per user. Re-arming a key moves it between two
 * slots (O(1)); a sweep costs the number of keys that fall due. No clock of its own.
 */
export class TimerWheel<K> {
  private readonly slots = new Map<number, Set<K>>();
  private readonly slotOf = new Map<K, number>();
  private swept: number;

  constructor(
    private readonly resolutionMs: number,
    startAt: number,
  ) {
    this.swept = Math.floor(startAt / resolutionMs);
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** Arms (or re-arms) `key` to fall due at `dueAt`; it never fires before then. */
  schedule(key: K, dueAt: number): void {
    const slot = Math.max(Math.ceil(dueAt / this.resolutionMs), this.swept + 1);
    const current = this.slotOf.get(key);
    if (current === slot) return;
    if (current !== undefined) this.removeFromSlot(key, current);
    let keys = this.slots.get(slot);
    if (!keys) this.slots.set(slot, (keys = new Set()));
    keys.add(key);
    this.slotOf.set(key, slot);
  }

  cancel(key: K): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    this.removeFromSlot(key, slot);
    this.slotOf.delete(key);
  }

  /** Removes and returns every key due at or before `now`. */
  takeDue(now: number): K[] {
    const upTo = Math.floor(now / this.resolutionMs);
    if (upTo <= this.swept) return [];
    const due: K[] = [];
    const take = (slot: number) => {
      const keys = this.slots.get(slot);
      if (!keys) return;
      this.slots.delete(slot);
      for (const key of keys) {
        this.slotOf.delete(key);
        due.push(key);
      }
    };
    if (upTo - this.swept <= this.slots.size) {
      for (let slot = this.swept + 1; slot <= upTo; slot += 1) take(slot);
    } else {
      // A long gap (the process slept, or a test moved the clock): visit filled slots only.
      for (const slot of [...this.slots.keys()].filter((slot) => slot <= upTo).sort((a, b) => a - b)) take(slot);
    }
    this.swept = upTo;
    return due;
  }

  private removeFromSlot(key: K, slot: number): void {
    const keys = this.slots.get(slot);
    keys?.delete(key);
    if (keys?.size === 0) this.slots.delete(slot);
  }
}
