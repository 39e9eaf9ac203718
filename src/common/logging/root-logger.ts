import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../../config/app-config.js';

/** Nest's level names as pino's. */
const PINO_LEVELS: Record<LogLevel, string> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

const CENSOR = '[REDACTED]';

/**
 * Where secrets may sit in a logged object: request headers, bodies and whatever an error
 * carries. Paths and messages are scrubbed separately (scrubSecrets).
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'password',
  'new_password',
  'access_token',
  'refresh_token',
  'token',
  '*.password',
  '*.new_password',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.auth.password',
];

/** `access_token=…` in a query string and `Bearer …` in a header quoted in a message. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/([?&;]access_token=)[^&#\s"']*/gi, `$1${CENSOR}`],
  [/(Bearer\s+)[^\s"',]+/gi, `$1${CENSOR}`],
  [/("(?:password|new_password|access_token|refresh_token)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, `$1"${CENSOR}"`],
];

/** A text with the secrets the server knows of replaced. */
export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text);
}

/** A pretty line's message: `[reqId] [context] message`, an access line as `GET /path → 200 (3.1 ms)`. */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const request = log.req as { method?: string; url?: string } | undefined;
  const reply = log.res as { statusCode?: number } | undefined;
  const message = request && reply ? `${request.method} ${request.url} → ${reply.statusCode} (${log.responseTime} ms)` : String(log[messageKey] ?? '');
  return [log.reqId && `[${log.reqId}]`, log.context && `[${log.context}]`, message].filter(Boolean).join(' ');
}

/** The request logger of the request being served, for lines logged by code that has no request at hand. */
export const requestLoggers = new AsyncLocalStorage<LineLogger>();

/** What a line is written through: the root logger or a request's child. */
export type LineLogger = Pick<Logger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>;

/**
 * The process's one pino logger: Fastify's (each request gets a child carrying its `reqId`) and,
 * through AppLogger, Nest's. Written synchronously, so nothing is lost when the process exits.
 */
export function createRootLogger(options: { level: LogLevel; format: LogFormat }, destination?: NodeJS.WritableStream): Logger {
  const config: LoggerOptions = {
    level: PINO_LEVELS[options.level],
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    serializers: {
      req: (request: { method: string; url: string; routeOptions?: { url?: string }; ip?: string }) => ({
        method: request.method,
        url: scrubSecrets(request.url),
        route: request.routeOptions?.url,
        remoteAddress: request.ip,
      }),
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
      err: pino.stdSerializers.err,
    },
    hooks: {
      // Any text logged is scrubbed: a message may quote a URL or a header.
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<typeof method>,
        );
      },
    },
  };
  if (options.format === 'pretty') {
    const stream = pretty({
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      // One line each: the request ID and component first, an access line as method, path, status and time.
      messageFormat: prettyMessage,
      ignore: 'pid,hostname,context,reqId,req,res,responseTime',
      destination: destination ?? 1,
    });
    return pino(config, stream);
  }
  return pino(config, destination ?? pino.destination({ dest: 1, sync: true }));
}
