import type { SqlParameter } from './sql-statements.js';

/** What node-postgres takes for a parameterised query; with a name, it is prepared once per connection. */
export interface PgQueryConfig {
  name?: string;
  text: string;
  values: SqlParameter[];
}

/** `?` placeholders as PostgreSQL's `$1 … $n`, leaving quoted literals and identifiers alone. */
export function toPostgresPlaceholders(sql: string): string {
  let out = '';
  let index = 0;
  let quote: string | null = null;
  for (const char of sql) {
    if (quote) {
      // A doubled quote inside a literal closes and reopens it: the same rule works for both.
      if (char === quote) quote = null;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '?') {
      out += `$${++index}`;
      continue;
    }
    out += char;
  }
  return out;
}

/**
 * Each SQL text translated once and named, so every pooled connection prepares it on first use
 * and reuses it after. A connection keeps its prepared statements until it closes, so only the
 * first `maxNamed` texts are named (the hot paths have a few dozen; IN lists of unusual lengths
 * may add more): later ones run unnamed, still with their values as parameters.
 */
export class PostgresTexts {
  private readonly texts = new Map<string, { name?: string; text: string }>();
  private named = 0;

  constructor(private readonly maxNamed = 500) {}

  query(sql: string, values: SqlParameter[]): PgQueryConfig {
    let known = this.texts.get(sql);
    if (!known) {
      const text = toPostgresPlaceholders(sql);
      known = this.named < this.maxNamed ? { name: `presence_rooms_${++this.named}`, text } : { text };
      // Unnamed texts are cheap to translate again; named ones stay, so their names stay unique.
      if (known.name !== undefined || this.texts.size < this.maxNamed * 2) this.texts.set(sql, known);
    }
    return { ...known, values };
  }
}
