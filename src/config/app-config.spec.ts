import { AppConfig, ConfigError, loadAppConfig } from './app-config.js';

describe(AppConfig.name, () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadAppConfig({});
    expect(config.PORT).toBe(8008);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.SERVER_NAME).toBe('localhost');
    expect(config.DATABASE_PATH).toBe('./data/presence-rooms.sqlite');
    expect(config.REGISTRATION).toBe('open');
    expect(config.MSC_IDENTIFIERS).toBe('stable');
    expect(config.PROFILE_DEFAULT_VISIBILITY).toBe('restricted');
    expect(config.ADMIN_USERS).toEqual([]);
  });

  it('reads numbers, enums and lists from strings', () => {
    const config = loadAppConfig({
      PORT: '9000',
      MSC_IDENTIFIERS: 'unstable',
      ADMIN_USERS: '@a:localhost, @b:localhost',
      SERVER_NAME: 'example.org:8448',
    });
    expect(config.PORT).toBe(9000);
    expect(config.MSC_IDENTIFIERS).toBe('unstable');
    expect(config.ADMIN_USERS).toEqual(['@a:localhost', '@b:localhost']);
    expect(config.SERVER_NAME).toBe('example.org:8448');
  });

  it('treats an empty value as unset', () => {
    expect(loadAppConfig({ PORT: '' }).PORT).toBe(8008);
  });

  it('names every bad value in one error', () => {
    let error: unknown;
    try {
      loadAppConfig({ PORT: 'eighty', REGISTRATION: 'maybe', SERVER_NAME: 'bad name!' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT="eighty"');
    expect(problems).toContain('REGISTRATION="maybe"');
    expect(problems).toContain('SERVER_NAME="bad name!"');
  });

  it('rejects a port out of range', () => {
    expect(() => loadAppConfig({ PORT: '70000' })).toThrow(ConfigError);
  });
});
