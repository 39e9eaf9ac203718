import { extractAccessToken, hashAccessToken } from './access-token.js';

describe('access tokens', () => {
  it('takes the token from a Bearer header', () => {
    expect(extractAccessToken('Bearer abc', {})).toBe('abc');
    expect(extractAccessToken('bearer abc', {})).toBe('abc');
  });

  it('falls back to the access_token query parameter', () => {
    expect(extractAccessToken(undefined, { access_token: 'q' })).toBe('q');
  });

  it('prefers the header over the query parameter', () => {
    expect(extractAccessToken('Bearer h', { access_token: 'q' })).toBe('h');
  });

  it('finds no token in a malformed header or an empty parameter', () => {
    expect(extractAccessToken('Basic abc', {})).toBeUndefined();
    expect(extractAccessToken(undefined, { access_token: '' })).toBeUndefined();
    expect(extractAccessToken(undefined, undefined)).toBeUndefined();
  });

  it('hashes to 64 hex characters, the same for the same token', () => {
    expect(hashAccessToken('t')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashAccessToken('t')).toBe(hashAccessToken('t'));
    expect(hashAccessToken('t')).not.toBe(hashAccessToken('u'));
  });
});
