import { MatrixError } from '../common/matrix-error.js';
import { StreamToken } from './stream-token.js';

describe(StreamToken.name, () => {
  it('round-trips through its string form', () => {
    const token = new StreamToken(42, 7, 3, 1_796_205_063_304);
    expect(StreamToken.parse(token.toString())).toEqual(token);
    expect(token.toString()).toBe('s42_7_3_1796205063304');
  });

  it('reads a token without later streams as zero for them', () => {
    expect(StreamToken.parse('s5')).toEqual(new StreamToken(5, 0, 0, 0));
    expect(StreamToken.parse('s5_2')).toEqual(new StreamToken(5, 2, 0, 0));
    expect(StreamToken.parse('s5_2_1')).toEqual(new StreamToken(5, 2, 1, 0));
  });

  it.each(['', 'abc', 's', 's-1_0', 's1_x', 's1_2_', 's1_2_3_4_5', 's1_2_3_', '12'])('rejects the garbage token %j with M_INVALID_PARAM', (bad) => {
    let error: unknown;
    try {
      StreamToken.parse(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MatrixError);
    expect((error as MatrixError).errcode).toBe('M_INVALID_PARAM');
  });
});
