import { isValidLocalpart, newAccessToken, newDeviceId, newEventId, parseId, parseUserId } from './matrix-ids.js';

describe('matrix ids', () => {
  it('parses a user ID into localpart and server name', () => {
    expect(parseUserId('@alice:example.org')).toEqual({
      sigil: '@',
      localpart: 'alice',
      serverName: 'example.org',
    });
  });

  it('keeps a port in the server name', () => {
    expect(parseUserId('@a:localhost:8008')?.serverName).toBe('localhost:8008');
  });

  it.each(['alice', '@alice', '@:example.org', '@alice:', '@Alice:example.org', '!room:x'])(
    'rejects the malformed user ID %s',
    (id) => {
      expect(parseUserId(id)).toBeNull();
    },
  );

  it('rejects IDs over 255 characters', () => {
    expect(parseId(`!${'a'.repeat(260)}:x`, '!')).toBeNull();
  });

  it('accepts only the localpart characters the spec allows', () => {
    expect(isValidLocalpart('alice.b-c_d=e/f+g', 'localhost')).toBe(true);
    expect(isValidLocalpart('Alice', 'localhost')).toBe(false);
    expect(isValidLocalpart('al ice', 'localhost')).toBe(false);
    expect(isValidLocalpart('', 'localhost')).toBe(false);
  });

  it('makes device IDs of ten uppercase letters', () => {
    expect(newDeviceId()).toMatch(/^[A-Z]{10}$/);
  });

  it('never hands out the same random bytes twice, across pool refills', () => {
    // 5,000 event IDs draw 160,000 bytes: the 4 KiB pool is refilled about 40 times.
    const ids = Array.from({ length: 5000 }, () => newEventId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^\$[A-Za-z0-9_-]{43}$/);
    expect(newAccessToken()).toMatch(/^pr_[A-Za-z0-9_-]{43}$/);
  });
});
