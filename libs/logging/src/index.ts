export { createLogger, resolveLogFormat, resolveLogLevel, LOG_LEVELS } from './logger';
export type { Logger, LoggerOptions, LogFormat, LogLevel } from './logger';
