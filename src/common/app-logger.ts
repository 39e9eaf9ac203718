import { ConsoleLogger } from '@nestjs/common';
import { StartupError } from './startup-error.js';

/** Nest's start-up chatter: a line per module and per route, which the start-up summary replaces. */
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'GraphQLModule']);

/**
 * Nest's console logger without its per-module and per-route start-up lines, and without its
 * report of a start-up failure the server reports itself, in one line (main.ts).
 */
export class AppLogger extends ConsoleLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    if (QUIET_CONTEXTS.has(optionalParams.at(-1) as string)) return;
    super.log(message, ...optionalParams);
  }

  override error(message: unknown, ...optionalParams: unknown[]): void {
    if (message instanceof StartupError) return;
    super.error(message, ...optionalParams);
  }
}
