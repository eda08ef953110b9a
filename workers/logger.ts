/**
 * The worker's one logger: pino writing one JSON object per line to stdout, and the two adapters
 * that route everything else into it, the plugins' {@link PluginLogger} and the Temporal SDK's
 * runtime {@link Logger} (which also receives workflow and activity `log` calls and, with
 * forwarding on, Core's native logs). One sink means one format, one level and one redaction list.
 */
import type { Logger as TemporalSdkLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import pino from 'pino';
import { ConfigError } from '../domain/errors';
import { REDACTED } from '../domain/secret';
import type { Env } from '../domain/config';
import type { PluginLogger } from '../plugins/types';

/** The pino logger the worker writes with. */
export type IbLogger = pino.Logger;

/** Levels accepted by `LOG_LEVEL` (pino's names; `silent` turns logging off). */
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Default `LOG_LEVEL`. */
export const DEFAULT_LOG_LEVEL: LogLevelName = 'info';

const LEVELS: readonly LogLevelName[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

// Field names that hold credentials wherever they turn up: UFM basic auth, HTTP headers of a
// request config, the Temporal API key, bearer tokens of a kubeconfig. pino's redaction works on
// paths, so each name is covered at the top level and two levels down (an error's `config.headers`).
const SECRET_FIELDS = ['password', 'authorization', 'Authorization', 'apiKey', 'token'] as const;
const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);
const UNSET = 'unset';

// `describeConfig` reports an absent credential as "unset": keep that, it tells an operator
// something and holds no secret. Every other value of a secret-named field is replaced.
function censor(value: unknown): unknown {
  return value === UNSET ? value : REDACTED;
}

/**
 * Reads `LOG_LEVEL` (case-insensitive; unset or empty means {@link DEFAULT_LOG_LEVEL}).
 * @throws ConfigError naming `LOG_LEVEL` for any other value.
 */
export function parseLogLevel(env: Env): LogLevelName {
  const raw = env.LOG_LEVEL;
  if (raw === undefined || raw === '') return DEFAULT_LOG_LEVEL;
  const level = LEVELS.find((name) => name === raw.toLowerCase());
  if (level === undefined) throw new ConfigError('LOG_LEVEL', raw, `one of ${LEVELS.join(', ')}`);
  return level;
}

/**
 * Creates the JSON logger. `destination` defaults to stdout, written synchronously so the line
 * logged just before `process.exit` (a config error, a failed start) is never lost.
 * Throws nothing.
 */
export function createLogger(level: LogLevelName, destination?: pino.DestinationStream): IbLogger {
  return pino(
    {
      level,
      base: { component: 'ib-kubernetes-worker' },
      // ISO time reads better in `kubectl logs` than epoch milliseconds, and sorts the same.
      timestamp: pino.stdTimeFunctions.isoTime,
      // The level as a word: log pipelines filter on `level: "error"` more often than on 50.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor },
      // The Temporal SDK passes failures as `error`; serialise it like pino's own `err`.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Adapts `logger` to the plugins' {@link PluginLogger} (message first, fields second). Throws nothing. */
export function toPluginLogger(logger: IbLogger): PluginLogger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

const PINO_LEVEL: Readonly<Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'>> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's runtime logger, forwarding to pino, for `Runtime.install({ logger })`.
 * Filtering is pino's (the SDK hands over every level), so `LOG_LEVEL` governs SDK, workflow and
 * activity lines alike. Metadata such as `sdkComponent`, `taskQueue` and `workflowId` become fields.
 */
export class TemporalLogger implements TemporalSdkLogger {
  readonly #logger: IbLogger;

  /** Throws nothing. */
  constructor(logger: IbLogger) {
    this.#logger = logger;
  }

  /** Logs `message` at `level` with `meta` as fields. Throws nothing. */
  log(level: TemporalLogLevel, message: string, meta?: LogMetadata): void {
    const method = PINO_LEVEL[level] ?? 'info';
    // Symbol keys (Core's timestamp) do not survive JSON; string keys are copied as they are.
    this.#logger[method](meta === undefined ? {} : { ...meta }, message);
  }

  /** Logs at TRACE. Throws nothing. */
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  /** Logs at DEBUG. Throws nothing. */
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  /** Logs at INFO. Throws nothing. */
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  /** Logs at WARN. Throws nothing. */
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  /** Logs at ERROR. Throws nothing. */
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
