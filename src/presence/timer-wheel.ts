/** The slot of an entry that is not armed; real slots count up from the epoch. */
const NOT_ARMED = -1;

/**
 * What the wheel keeps on each of its entries: the slot the entry is filed in and its
 * neighbours there. The fields live on the entry itself (an intrusive list, as Node's own timers
 * and the Linux kernel's timer lists do), so arming, moving and sweeping an entry is pointer work,
 * with no lookup of the entry by key in a map holding every user.
 */
export class TimerEntry {
  timerSlot = NOT_ARMED;
  timerPrev: TimerEntry = this;
  timerNext: TimerEntry = this;

  get armed(): boolean {
    return this.timerSlot !== NOT_ARMED;
  }
}

/**
 * One timer structure for every tracked user: entries filed in slots of `resolutionMs`, swept by
 * a single periodic tick instead of a setTimeout per user. Each slot is a circular list behind a
 * head entry; re-arming an entry moves it between two lists (O(1)); a sweep costs the number of
 * entries that fall due. No clock of its own.
 */
export class TimerWheel<E extends TimerEntry> {
  private readonly slots = new Map<number, TimerEntry>();
  private armedCount = 0;
  private swept: number;

  constructor(
    private readonly resolutionMs: number,
    startAt: number,
  ) {
    this.swept = Math.floor(startAt / resolutionMs);
  }

  get size(): number {
    return this.armedCount;
  }

  /** Arms (or re-arms) `entry` to fall due at `dueAt`; it never fires before then. */
  schedule(entry: E, dueAt: number): void {
    const slot = Math.max(Math.ceil(dueAt / this.resolutionMs), this.swept + 1);
    if (entry.timerSlot === slot) return;
    if (entry.armed) this.unlink(entry);
    else this.armedCount += 1;
    let head = this.slots.get(slot);
    if (!head) this.slots.set(slot, (head = new TimerEntry()));
    // Appended at the tail, so entries of one slot fall due in the order they were armed.
    entry.timerSlot = slot;
    entry.timerNext = head;
    entry.timerPrev = head.timerPrev;
    head.timerPrev.timerNext = entry;
    head.timerPrev = entry;
  }

  /**
   * When the next sweep would find something due (the start of the earliest filled slot), or null
   * when nothing is armed: a simulation moves its fake clock straight there.
   */
  nextDueAt(): number | null {
    let earliest: number | null = null;
    for (const [slot, head] of this.slots) {
      if (head.timerNext !== head && (earliest === null || slot < earliest)) earliest = slot;
    }
    return earliest === null ? null : earliest * this.resolutionMs;
  }

  cancel(entry: E): void {
    if (!entry.armed) return;
    this.unlink(entry);
    this.disarm(entry);
  }

  /** Removes and returns every entry due at or before `now`. */
  takeDue(now: number): E[] {
    const upTo = Math.floor(now / this.resolutionMs);
    if (upTo <= this.swept) return [];
    const due: E[] = [];
    const take = (slot: number) => {
      const head = this.slots.get(slot);
      if (!head) return;
      this.slots.delete(slot);
      for (let entry = head.timerNext; entry !== head; ) {
        const next = entry.timerNext;
        this.disarm(entry);
        due.push(entry as E);
        entry = next;
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

  /** Takes the entry out of its slot's list. A slot left empty keeps its head until swept. */
  private unlink(entry: TimerEntry): void {
    entry.timerPrev.timerNext = entry.timerNext;
    entry.timerNext.timerPrev = entry.timerPrev;
  }

  private disarm(entry: TimerEntry): void {
    entry.timerSlot = NOT_ARMED;
    entry.timerPrev = entry;
    entry.timerNext = entry;
    this.armedCount -= 1;
  }
}
