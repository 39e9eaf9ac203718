import { PostgresTexts, toPostgresPlaceholders } from './postgres-sql.js';

describe(toPostgresPlaceholders.name, () => {
  it('numbers the placeholders in order', () => {
    expect(toPostgresPlaceholders('SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?')).toBe(
      'SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4',
    );
  });

  it('leaves question marks in literals and quoted identifiers alone', () => {
    expect(toPostgresPlaceholders(`SELECT "a?" FROM t WHERE b = 'why?' AND c = 'it''s ?' AND d = ?`)).toBe(
      `SELECT "a?" FROM t WHERE b = 'why?' AND c = 'it''s ?' AND d = $1`,
    );
  });
});

describe(PostgresTexts.name, () => {
  it('translates and names each text once, with the values apart', () => {
    const texts = new PostgresTexts();
    const first = texts.query('SELECT ? AS x', [1]);
    const again = texts.query('SELECT ? AS x', ['two']);
    const other = texts.query('SELECT ? AS y', [3]);
    expect(first).toEqual({ name: expect.any(String), text: 'SELECT $1 AS x', values: [1] });
    expect(again).toEqual({ name: first.name, text: 'SELECT $1 AS x', values: ['two'] });
    expect(other.name).not.toBe(first.name);
  });

  it('runs texts beyond the named ones unnamed, still with parameters', () => {
    const texts = new PostgresTexts(2);
    texts.query('SELECT 1', []);
    const second = texts.query('SELECT 2', []);
    const third = texts.query('SELECT ?', [3]);
    expect(second.name).toBeDefined();
    expect(third).toEqual({ text: 'SELECT $1', values: [3] });
    expect(texts.query('SELECT 2', []).name).toBe(second.name);
  });
});
