import { Writable } from 'node:stream';
import { AppLogger } from './app-logger.js';
import { createRootLogger, requestLoggers, scrubSecrets } from './root-logger.js';

/** A JSON-format root logger whose lines are kept. */
function captured(level: 'log' | 'debug' = 'log') {
  const lines: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, root: createRootLogger({ level, format: 'json' }, sink) };
}

describe('logging', () => {
  it('writes Nest lines as JSON with their context, under the request logger while a request is served', () => {
    const { lines, root } = captured();
    const logger = new AppLogger(root);
    logger.log('outside', 'Somewhere');
    requestLoggers.run(root.child({ reqId: 'req-7' }), () => {
      logger.warn('inside', 'Somewhere');
      logger.error('failed', 'Error: boom\n    at here (x.js:1:1)', 'Somewhere');
    });
    expect(lines.map(({ msg, context, reqId, level }) => ({ msg, context, reqId, level }))).toEqual([
      { msg: 'outside', context: 'Somewhere', reqId: undefined, level: 30 },
      { msg: 'inside', context: 'Somewhere', reqId: 'req-7', level: 40 },
      { msg: 'failed', context: 'Somewhere', reqId: 'req-7', level: 50 },
    ]);
    expect(lines[2].stack).toContain('Error: boom');
  });

  it('keeps LOG_LEVEL: below it nothing is written', () => {
    const { lines, root } = captured('log');
    new AppLogger(root).debug('hidden', 'Somewhere');
    expect(lines).toEqual([]);
    const verbose = captured('debug');
    new AppLogger(verbose.root).debug('shown', 'Somewhere');
    expect(verbose.lines.map((line) => line.msg)).toEqual(['shown']);
  });

  it('drops Nest start-up chatter', () => {
    const { lines, root } = captured();
    new AppLogger(root).log('Mapped {/x, GET} route', 'RouterExplorer');
    expect(lines).toEqual([]);
  });

  it('never writes passwords or tokens, in fields or in text', () => {
    const { lines, root } = captured();
    root.info({ password: 'pw-field', auth: { type: 'm.login.password', password: 'pw-nested' }, access_token: 'tok-field' }, 'login');
    root.info({ req: { method: 'GET', url: '/sync?since=s1&access_token=tok-query', ip: '::1' } }, 'request completed');
    new AppLogger(root).error('request failed: Authorization: Bearer tok-header; body {"password":"pw-text"}', 'Somewhere');
    const text = JSON.stringify(lines);
    for (const secret of ['pw-field', 'pw-nested', 'tok-field', 'tok-query', 'tok-header', 'pw-text']) expect(text).not.toContain(secret);
    expect(lines[1].req.url).toBe('/sync?since=s1&access_token=[REDACTED]');
  });

  it('scrubs a query token wherever it stands, and leaves other text alone', () => {
    expect(scrubSecrets('/x?access_token=abc')).toBe('/x?access_token=[REDACTED]');
    expect(scrubSecrets('/x?a=1&ACCESS_TOKEN=abc&b=2')).toBe('/x?a=1&ACCESS_TOKEN=[REDACTED]&b=2');
    expect(scrubSecrets('/x?my_access_token_count=3')).toBe('/x?my_access_token_count=3');
    expect(scrubSecrets('nothing secret')).toBe('nothing secret');
  });
});
