import { randomBytes } from 'node:crypto';

/** Characters the spec allows in a user ID localpart (historical IDs aside). */
const LOCALPART_PATTERN = /^[a-z0-9._=\-/+]+$/;
const MAX_MXID_LENGTH = 255;

export interface ParsedId {
  sigil: string;
  localpart: string;
  serverName: string;
}

/** Splits `@local:server` (or `!`, `#`) into its parts; null when it is not of that shape. */
export function parseId(id: string, sigil: '@' | '!' | '#'): ParsedId | null {
  if (typeof id !== 'string' || !id.startsWith(sigil) || id.length > MAX_MXID_LENGTH) return null;
  const colon = id.indexOf(':');
  if (colon < 2 || colon === id.length - 1) return null;
  return { sigil, localpart: id.slice(1, colon), serverName: id.slice(colon + 1) };
}

export function parseUserId(userId: string): ParsedId | null {
  const parsed = parseId(userId, '@');
  return parsed && LOCALPART_PATTERN.test(parsed.localpart) ? parsed : null;
}

export function isValidLocalpart(localpart: string, serverName: string): boolean {
  return (
    LOCALPART_PATTERN.test(localpart) &&
    `@${localpart}:${serverName}`.length <= MAX_MXID_LENGTH
  );
}

export function userIdOf(localpart: string, serverName: string): string {
  return `@${localpart}:${serverName}`;
}

/**
 * Every new event needs an ID, and one call into the CSPRNG costs about ten times the encoding:
 * IDs take their bytes from a pool refilled 4 KiB at a time (as Node does for randomUUID). Each
 * byte is handed out once, and a refill allocates a new pool.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function takeRandomBytes(count: number): Buffer {
  if (poolOffset + count > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, count));
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + count);
  poolOffset += count;
  return bytes;
}

function randomToken(bytes: number): string {
  return takeRandomBytes(bytes).toString('base64url');
}

export function newRoomId(serverName: string): string {
  return `!${randomToken(18)}:${serverName}`;
}

export function newEventId(): string {
  return `$${randomToken(32)}`;
}

export function newDeviceId(): string {
  // Uppercase letters, as Synapse does: easy to read out in a device list.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const bytes = takeRandomBytes(10);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export function newAccessToken(): string {
  return `pr_${randomToken(32)}`;
}
