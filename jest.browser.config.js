// The browser tests (npm run test:browser): the dashboard driven in Chromium by playwright-core.
// Kept apart from `npm test`, which needs no browser.
import base from './jest.config.js';

export default {
  ...base,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.browser-spec.ts'],
  testTimeout: 60000,
};
