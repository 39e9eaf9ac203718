// `node --import ./test/support/swc-register.mjs src/main.ts` runs the server from its sources.
import { register } from 'node:module';

register('./swc-hooks.mjs', import.meta.url);
