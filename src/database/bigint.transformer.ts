import type { ValueTransformer } from 'typeorm';

/**
 * Millisecond timestamps need 64 bits. PostgreSQL drivers return BIGINT as a string, SQLite as
 * a number; entities always see a number (safe up to 2^53, far beyond any timestamp).
 */
export const bigintTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
