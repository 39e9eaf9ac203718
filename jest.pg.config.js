// `npm run test:pg`: the end-to-end suite against PostgreSQL (test/support/test-database.ts).
// Each run makes its own databases on TEST_DATABASE_URL's server and drops them at the end.
import config from './jest.config.js';

export default {
  ...config,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/support/postgres-setup.mjs',
  globalTeardown: '<rootDir>/test/support/postgres-teardown.mjs',
};
