/**
 * The answers served requests got, by each request's key, for as long as its sender may send it
 * again (a sender whose answer was late retries): a retry gets the first answer, and what it asked
 * for is not done twice. A failed answer is kept too, as the work may have done part of its job.
 */
export class RecentAnswers {
  /** In the order they were first asked, so the expired ones are at the front. */
  private readonly answers = new Map<string, { at: number; answer: Promise<string> }>();

  constructor(
    private readonly keepMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The answer `key` got within the last `keepMs`, or else `work`'s, kept for a retry. */
  answer(key: string, work: () => Promise<string>): Promise<string> {
    const now = this.now();
    for (const [expired, { at }] of this.answers) {
      if (now - at < this.keepMs) break;
      this.answers.delete(expired);
    }
    const known = this.answers.get(key);
    if (known) return known.answer;
    const answer = work();
    // Kept whatever it settles to; a rejection is the caller's to handle, not unhandled here.
    answer.catch(() => undefined);
    this.answers.set(key, { at: now, answer });
    return answer;
  }

  /** Forgets every answer (a new tenure: what a former one answered is not its to repeat). */
  clear(): void {
    this.answers.clear();
  }

  get size(): number {
    return this.answers.size;
  }
}
