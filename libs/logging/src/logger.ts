import type { Logger as WinstonLogger } from 'winston';
import { createLogger as createWinstonLogger, format, transports } from 'winston';
import type Transport from 'winston-transport';

/** npm levels, as winston uses them; `LOG_LEVEL` picks one. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';
export type Logger = WinstonLogger;

export interface LoggerOptions {
  /** Overrides `LOG_LEVEL`. */
  level?: LogLevel;
  /** Overrides `LOG_FORMAT`; otherwise JSON unless stderr is a terminal. */
  format?: LogFormat;
  /** Extra fields on every line (e.g. a node name or task id). */
  defaultMeta?: Record<string, unknown>;
  /** Where lines go; defaults to stderr, so that stdout stays free for a command's output. */
  transports?: Transport[];
}

export function resolveLogLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = (env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got '${env.LOG_LEVEL}'`);
}

export function resolveLogFormat(
  env: NodeJS.ProcessEnv = process.env,
  isTty: boolean = Boolean(process.stderr.isTTY),
): LogFormat {
  const raw = env.LOG_FORMAT?.trim().toLowerCase();
  if (raw === 'json' || raw === 'pretty') return raw;
  if (raw) throw new Error(`LOG_FORMAT must be 'json' or 'pretty'; got '${env.LOG_FORMAT}'`);
  if (env.NODE_ENV === 'production') return 'json';
  return isTty ? 'pretty' : 'json';
}

const pretty = format.printf((info) => {
  const { timestamp, level, message, component, ...rest } = info as Record<string, unknown>;
  const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
  return `${String(timestamp)} ${String(level)} [${String(component)}] ${String(message)}${extra}`;
});

/**
 * One logger per component. Lines are structured: `component`, `level`, `message`,
 * `timestamp` and any metadata given to the call, as JSON in production and as readable
 * text in a terminal.
 */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? resolveLogLevel();
  const fmt = options.format ?? resolveLogFormat();
  const base = [format.errors({ stack: true }), format.timestamp(), format.splat()];
  return createWinstonLogger({
    level,
    defaultMeta: { component, ...options.defaultMeta },
    format:
      fmt === 'json'
        ? format.combine(...base, format.json())
        : format.combine(...base, format.colorize(), pretty),
    transports: options.transports ?? [
      new transports.Console({ stderrLevels: [...LOG_LEVELS], handleExceptions: false }),
    ],
  });
}
