import { listenError, StartupError } from './startup-error.js';

const failure = (code: string) => Object.assign(new Error(code), { code });

describe(listenError.name, () => {
  it('names the setting at fault for each failure it knows', () => {
    expect(listenError(failure('ENOTFOUND'), 'nowhere.invalid', 8008)?.message).toMatch(/HOST=nowhere\.invalid does not resolve/);
    expect(listenError(failure('EADDRNOTAVAIL'), '10.9.9.9', 8008)?.message).toMatch(/HOST=10\.9\.9\.9 is not an address of this machine/);
    expect(listenError(failure('EADDRINUSE'), '127.0.0.1', 8008)?.message).toMatch(/PORT=8008 is already in use/);
    expect(listenError(failure('EACCES'), '0.0.0.0', 80)?.message).toMatch(/PORT=80 .* needs privileges/);
  });

  it('is one line, and keeps the original error as its cause', () => {
    const original = failure('EADDRINUSE');
    const error = listenError(original, '127.0.0.1', 8008);
    expect(error).toBeInstanceOf(StartupError);
    expect(error?.message).not.toContain('\n');
    expect(error?.cause).toBe(original);
  });

  it('leaves failures it cannot name to be reported as they are', () => {
    expect(listenError(failure('EMFILE'), '127.0.0.1', 8008)).toBeUndefined();
    expect(listenError('not an error', '127.0.0.1', 8008)).toBeUndefined();
  });
});
