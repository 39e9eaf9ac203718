// Jest runs in native ESM mode (node --experimental-vm-modules) because NestJS 12 and
// matrix-js-sdk are ESM-only; @swc/jest transpiles TypeScript with decorator metadata.
import { readFileSync } from 'node:fs';

const swcConfig = JSON.parse(readFileSync(new URL('./.swcrc', import.meta.url), 'utf8'));

export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // matrix-bot-sdk loads this native addon at import; it has no binary here (see the stub).
    '^@matrix-org/matrix-sdk-crypto-nodejs$': '<rootDir>/test/support/matrix-sdk-crypto-stub.cjs',
  },
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcConfig, swcrc: false }] },
  testTimeout: 30000,
};
