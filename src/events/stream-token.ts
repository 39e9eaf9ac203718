import { MatrixError } from '../common/matrix-error.js';

/**
 * A position in every stream a client follows: `s<events>_<accountData>`. Events carry one
 * global ordering, so a token compares with integer comparisons. New streams are appended, and
 * a missing trailing part reads as 0, so older tokens stay valid.
 */
export class StreamToken {
  constructor(
    readonly events: number,
    readonly accountData: number,
  ) {}

  static readonly ZERO = new StreamToken(0, 0);

  static parse(token: string): StreamToken {
    const match = /^s(\d{1,15})(?:_(\d{1,15}))?$/.exec(token);
    if (!match) throw MatrixError.invalidParam(`Invalid stream token ${JSON.stringify(token)}`);
    return new StreamToken(Number(match[1]), Number(match[2] ?? 0));
  }

  toString(): string {
    return `s${this.events}_${this.accountData}`;
  }

  withEvents(events: number): StreamToken {
    return new StreamToken(events, this.accountData);
  }
}
