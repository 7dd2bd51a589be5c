/** LOG_LEVEL, read alike by every process: pino's levels. */
import { oneOf } from './kinds.js';
import type { Variable } from './variable.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type LogLevel = (typeof LOG_LEVELS)[number];

export const logLevel: Variable<LogLevel> = oneOf('LOG_LEVEL', LOG_LEVELS, {
  default: 'info',
  doc: 'Lowest level written to the log (lower case).',
});
