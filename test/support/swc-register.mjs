// `node --import ./test/support/swc-register.mjs src/main.ts` runs the server from its TypeScript
// sources, compiled by swc as the tests are (.swcrc), so a test can start it as its own process
// without a build. The hooks run in the process's own thread (module.registerHooks, Node ≥ 22.15;
// npm scripts run Node 24): module.register's separate hooks thread once left a server that had
// called process.exit(1) hanging.
import { transformSync } from '@swc/core';
import { existsSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

const swcrc = JSON.parse(readFileSync(new URL('../../.swcrc', import.meta.url), 'utf8'));

registerHooks({
  resolve(specifier, context, next) {
    // Sources import each other as .js, the name the compiled file will have.
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      const source = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
      if (existsSync(source)) return { url: source.href, shortCircuit: true };
    }
    return next(specifier, context);
  },
  load(url, context, next) {
    if (!url.endsWith('.ts')) return next(url, context);
    const filename = fileURLToPath(url);
    const { code } = transformSync(readFileSync(filename, 'utf8'), { ...swcrc, swcrc: false, filename });
    return { format: 'module', source: code, shortCircuit: true };
  },
});
