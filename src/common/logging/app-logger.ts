import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';
import { StartupError } from '../startup-error.js';
import { requestLoggers } from './root-logger.js';

/** Nest's start-up chatter: a line per module and per route, which the start-up summary replaces. */
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'GraphQLModule', 'NestFactory', 'NestApplication']);

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's logger as pino lines: `context` names the component, and a line logged while a request
 * is served goes through that request's logger, so it carries the request's `reqId`. Without
 * Nest's per-module and per-route start-up lines, and without its report of a start-up failure
 * the server reports itself, in one line (main.ts).
 */
export class AppLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    if (QUIET_CONTEXTS.has(params.at(-1) as string)) return;
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    if (message instanceof StartupError) return;
    // Nest's convention is error(message, detail?, context?), the detail usually a stack.
    const [detail, context] = params.length >= 2 ? [params[0], params.at(-1)] : looksLikeStack(params[0]) ? [params[0], undefined] : [undefined, params[0]];
    this.emit('error', message, typeof context === 'string' ? context : undefined, typeof detail === 'string' ? { stack: detail } : {});
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const context = params.at(-1);
    this.emit(level, message, typeof context === 'string' ? context : undefined, {});
  }

  private emit(level: Level, message: unknown, context: string | undefined, extra: Record<string, unknown>): void {
    const logger = requestLoggers.getStore() ?? this.root;
    const fields = context ? { context, ...extra } : extra;
    if (message instanceof Error) logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'string') logger[level](fields, message);
    else logger[level]({ ...fields, data: message });
  }
}

function looksLikeStack(value: unknown): boolean {
  return typeof value === 'string' && /\n\s+at /.test(value);
}
