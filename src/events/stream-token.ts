import { MatrixError } from '../common/matrix-error.js';

/**
 * A position in every stream a client follows: `s<events>_<accountData>_<peeks>_<presence>`.
 * Events carry one global ordering, so a token compares with integer comparisons. New streams are
 * appended, and a missing trailing part reads as 0, so older tokens stay valid. The presence
 * stream carries what changes with no event: a `currently_active` lapse readers derive.
 */
export class StreamToken {
  constructor(
    readonly events: number,
    readonly accountData: number,
    readonly peeks = 0,
    readonly presence = 0,
  ) {}

  static readonly ZERO = new StreamToken(0, 0, 0, 0);

  static parse(token: string): StreamToken {
    const match = /^s(\d{1,15})(?:_(\d{1,15}))?(?:_(\d{1,15}))?(?:_(\d{1,15}))?$/.exec(token);
    if (!match) throw MatrixError.invalidParam(`Invalid stream token ${JSON.stringify(token)}`);
    return new StreamToken(Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0), Number(match[4] ?? 0));
  }

  toString(): string {
    return `s${this.events}_${this.accountData}_${this.peeks}_${this.presence}`;
  }

  withEvents(events: number): StreamToken {
    return new StreamToken(events, this.accountData, this.peeks, this.presence);
  }

  /** The lower of two tokens, stream by stream: a token from the future reads as now. */
  min(other: StreamToken): StreamToken {
    return new StreamToken(
      Math.min(this.events, other.events),
      Math.min(this.accountData, other.accountData),
      Math.min(this.peeks, other.peeks),
      Math.min(this.presence, other.presence),
    );
  }
}
