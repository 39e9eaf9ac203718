// `npm run test:cluster`: several server processes on one fresh PostgreSQL database and one Redis
// (REDIS_URL, default redis://127.0.0.1:6379), each test file under its own Redis key prefix.
import config from './jest.config.js';

export default {
  ...config,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.cluster-spec.ts'],
  globalSetup: '<rootDir>/test/support/postgres-setup.mjs',
  globalTeardown: '<rootDir>/test/support/postgres-teardown.mjs',
  testTimeout: 60000,
  // One file at a time: each starts several server processes, and two cores are shared.
  maxWorkers: 1,
};
