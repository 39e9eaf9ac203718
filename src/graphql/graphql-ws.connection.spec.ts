import { closeReason } from './graphql-ws.connection.js';

describe('closeReason', () => {
  it('keeps a reason that fits a close frame', () => {
    expect(closeReason('Subscriber for 1 already exists')).toBe('Subscriber for 1 already exists');
  });

  it('cuts a long reason to 123 bytes', () => {
    expect(closeReason('x'.repeat(500))).toBe('x'.repeat(123));
  });

  it('never splits a character', () => {
    // 'é' is two bytes and '😀' four: 61 × 2 = 122, and one more of either would pass 123.
    expect(closeReason('é'.repeat(100))).toBe('é'.repeat(61));
    expect(Buffer.byteLength(closeReason(`x${'😀'.repeat(40)}`))).toBe(121);
  });
});
