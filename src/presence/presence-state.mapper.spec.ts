import { EMPTY_INPUTS } from './core/presence-model.js';
import { fromRow, selectPresenceState, upsertStatements } from './presence-state.mapper.js';
import { TrackedPresence } from './tracked-presence.js';

const user = (n: number) => new TrackedPresence(`@u${n}:localhost`, { ...EMPTY_INPUTS, lastActiveTs: n }, null);
const rowsOf = (sql: string) => sql.split('VALUES')[1].split('ON CONFLICT')[0].match(/\(/g)!.length;

describe('presence_state statements', () => {
  it('writes a batch in power-of-two statements, every user once, each with its own values', () => {
    const users = Array.from({ length: 101 }, (_, n) => user(n));
    const statements = upsertStatements(users);
    expect(statements.map(({ sql }) => rowsOf(sql))).toEqual([64, 32, 4, 1]);
    const written = statements.flatMap(({ values }) => values.filter((_, index) => index % 7 === 0));
    expect(written).toEqual(users.map((tracked) => tracked.userId));
    for (const { sql, values } of statements) expect(values).toHaveLength(rowsOf(sql) * 7);
  });

  it('writes a user named twice once, with the inputs of the last naming', () => {
    const first = user(1);
    const again = new TrackedPresence(first.userId, { ...EMPTY_INPUTS, statusMsg: 'later' }, null);
    const [statement, ...rest] = upsertStatements([first, user(2), again]);
    expect(rest).toEqual([]);
    expect(rowsOf(statement.sql)).toBe(2);
    expect(statement.values.slice(0, 7)).toEqual([first.userId, null, null, null, 'later', 0, '[]']);
  });

  it('reads users with an IN list padded to a power of two by repeating the last', () => {
    const { sql, values } = selectPresenceState(['@a:x', '@b:x', '@c:x']);
    expect(sql.endsWith('IN (?, ?, ?, ?)')).toBe(true);
    expect(values).toEqual(['@a:x', '@b:x', '@c:x', '@c:x']);
  });

  it('reads a row as PostgreSQL returns it, bigints as text', () => {
    const tracked = fromRow(
      {
        user_id: '@a:x',
        manual: 'busy',
        appear_offline_since: '10',
        appear_offline_last_active_ts: '5',
        status_msg: 'hi',
        last_active_ts: '7',
        devices: '[{"deviceId":"D","lastSeenTs":3}]',
      },
      null,
    );
    expect(tracked.inputs).toEqual({ manual: 'busy', appearOffline: { since: 10, lastActiveTs: 5 }, statusMsg: 'hi', lastActiveTs: 7, devices: [{ deviceId: 'D', lastSeenTs: 3 }] });
  });
});
