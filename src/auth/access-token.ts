import { createHash } from 'node:crypto';

/**
 * Tokens are 256 random bits, so a plain SHA-256 is enough to store them safely (no salt or
 * slow hash is needed against guessing), and it lets a request be authenticated by one lookup.
 */
export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token of a request: the Authorization header (Bearer) first, else the query parameter. */
export function extractAccessToken(
  authorization: string | undefined,
  query: Record<string, unknown> | undefined,
): string | undefined {
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : undefined;
  }
  const fromQuery = query?.access_token;
  return typeof fromQuery === 'string' && fromQuery.length > 0 ? fromQuery : undefined;
}
