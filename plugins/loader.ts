/**
 * Loads the configured subnet-manager plugin, as upstream's `pkg/sm/plugin_loader.go` opens
 * `<DAEMON_SM_PLUGIN_PATH>/<name>.so` and calls its `Initialize`. `ufm` and `noop` are built in and
 * take precedence over files of the same name; any other name is a CommonJS module
 * `<pluginPath>/<name>.js` exporting `initialize(env, logger)` (or a default function), sync or
 * async, that returns a {@link SubnetManagerPlugin}. The result is checked member by member and
 * wrapped so that whatever it throws or returns reaches callers in the shape the interface promises.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseUfmConfig, type Env, type PartitionConfig } from '../domain/config';
import { NoopPlugin } from './noop';
import { guardPlugin } from './guard';
import type { PluginLogger, SubnetManagerPlugin } from './types';
import { UfmPlugin } from './ufm';
import { describeValue } from '../domain/errors';

/** Options of {@link loadSubnetManagerPlugin}. */
export interface LoadPluginOptions {
  /** `DAEMON_SM_PLUGIN_PATH`; relative paths resolve against the working directory. */
  readonly pluginPath: string;
  /** The environment handed to the plugin (the ufm plugin reads its `UFM_*` settings from it). */
  readonly env: Env;
  readonly logger: PluginLogger;
  /**
   * `DEFAULT_LIMITED_PARTITION` and `ENABLE_INDEX0_FOR_PRIMARY_PKEY`, as upstream hands them to its
   * plugin's `SetConfig`; default: no limited partition, index0 on.
   */
  readonly partitions?: PartitionConfig;
}

/** Base of the errors thrown while loading a plugin; `name` doubles as the failure type. */
export abstract class PluginLoadError extends Error {
  abstract override readonly name: string;
}

/** Thrown when the plugin name could escape the plugin directory or is not `[a-z0-9_-]`. */
export class InvalidPluginNameError extends PluginLoadError {
  override readonly name = 'InvalidPluginNameError';
  constructor(readonly plugin: string) {
    super(`invalid subnet-manager plugin name ${JSON.stringify(plugin.slice(0, 80))}: use letters, digits, - and _`);
  }
}

/** Thrown when `<pluginPath>/<name>.js` does not exist. */
export class PluginNotFoundError extends PluginLoadError {
  override readonly name = 'PluginNotFoundError';
  constructor(
    readonly plugin: string,
    readonly file: string,
  ) {
    super(`subnet-manager plugin ${plugin} not found: ${file} does not exist (built-in plugins: ufm, noop)`);
  }
}

/** Thrown when the plugin module throws while loading or from its `initialize`. */
export class PluginInitError extends PluginLoadError {
  override readonly name = 'PluginInitError';
  constructor(
    readonly plugin: string,
    readonly stage: 'load' | 'initialize',
    reason: string,
  ) {
    super(`subnet-manager plugin ${plugin} failed to ${stage}: ${reason}`);
  }
}

/** Thrown when the module or the object it returns does not meet the plugin contract. */
export class PluginContractError extends PluginLoadError {
  override readonly name = 'PluginContractError';
  constructor(
    readonly plugin: string,
    readonly problem: string,
  ) {
    super(`subnet-manager plugin ${plugin} does not conform: ${problem}`);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const METHODS = ['validate', 'addGuidsToPKey', 'removeGuidsFromPKey', 'listGuidsInUse'] as const;

/**
 * Returns the plugin called `name`, ready to use (not yet validated: call `validate()`).
 * @throws ConfigError from the ufm plugin's settings; InvalidPluginNameError, PluginNotFoundError,
 * PluginInitError or PluginContractError for a user plugin.
 */
export async function loadSubnetManagerPlugin(name: string, opts: LoadPluginOptions): Promise<SubnetManagerPlugin> {
  const partitions = opts.partitions ?? { index0ForPrimary: true };
  if (name === 'ufm') {
    const index0ForPrimary = partitions.index0ForPrimary;
    return new UfmPlugin(parseUfmConfig(opts.env), { logger: opts.logger, index0ForPrimary });
  }
  if (name === 'noop') return new NoopPlugin({ logger: opts.logger });
  const plugin = await loadUserPlugin(name, opts, partitions);
  if (partitions.limitedPKey !== undefined && plugin.addGuidsToLimitedPKey === undefined) {
    throw new PluginContractError(
      name,
      `DEFAULT_LIMITED_PARTITION is set (${partitions.limitedPKey}) but the plugin has no addGuidsToLimitedPKey`,
    );
  }
  return plugin;
}

async function loadUserPlugin(
  name: string,
  opts: LoadPluginOptions,
  partitions: PartitionConfig,
): Promise<SubnetManagerPlugin> {
  if (!NAME.test(name)) throw new InvalidPluginNameError(name);
  const directory = path.resolve(opts.pluginPath);
  const file = path.join(directory, `${name}.js`);
  // Defence in depth: the name check already rules out separators and "..".
  if (path.dirname(file) !== directory) throw new InvalidPluginNameError(name);
  if (!existsSync(file)) throw new PluginNotFoundError(name, file);
  opts.logger.info('loading subnet-manager plugin', { plugin: name, file });

  let exported: unknown;
  try {
    // Node's own loader, as upstream uses Go's `plugin.Open`; the module is cached like any other.
    exported = createRequire(file)(file) as unknown;
  } catch (error) {
    throw new PluginInitError(name, 'load', describe(error));
  }
  const initialize = findInitialize(exported);
  if (!initialize) {
    throw new PluginContractError(
      name,
      'the module exports neither an initialize(env, logger, settings) function nor a default one',
    );
  }
  let plugin: unknown;
  try {
    plugin = await initialize(opts.env, opts.logger, partitions);
  } catch (error) {
    throw new PluginInitError(name, 'initialize', describe(error));
  }
  checkConformance(name, plugin);
  return guardPlugin(plugin, opts.logger);
}

/**
 * Checks `value` against {@link SubnetManagerPlugin}: non-empty string `name` and `specVersion`, the
 * four methods, and `close` a function when present.
 * @throws PluginContractError naming the first missing or mistyped member.
 */
export function checkConformance(plugin: string, value: unknown): asserts value is SubnetManagerPlugin {
  if (typeof value !== 'object' || value === null) {
    throw new PluginContractError(
      plugin,
      `initialize returned ${value === null ? 'null' : typeof value}, not an object`,
    );
  }
  const record = value as Record<string, unknown>;
  for (const field of ['name', 'specVersion'] as const) {
    if (typeof record[field] !== 'string' || record[field] === '') {
      throw new PluginContractError(plugin, `"${field}" must be a non-empty string`);
    }
  }
  for (const method of METHODS) {
    if (typeof record[method] !== 'function') throw new PluginContractError(plugin, `"${method}" must be a function`);
  }
  for (const optional of ['close', 'addGuidsToLimitedPKey'] as const) {
    if (record[optional] !== undefined && typeof record[optional] !== 'function') {
      throw new PluginContractError(plugin, `"${optional}" must be a function when present`);
    }
  }
}

type Initialize = (env: Env, logger: PluginLogger, settings: PartitionConfig) => unknown;

function findInitialize(exported: unknown): Initialize | undefined {
  if (typeof exported === 'function') return exported as Initialize;
  if (typeof exported !== 'object' || exported === null) return undefined;
  const record = exported as Record<string, unknown>;
  const candidate = record.initialize ?? record.default;
  if (typeof candidate === 'function') return candidate as Initialize;
  // A transpiled ES module: `exports.default = { initialize }`.
  const nested = record.default;
  if (typeof nested === 'object' && nested !== null) {
    const inner = (nested as Record<string, unknown>).initialize;
    if (typeof inner === 'function') return inner as Initialize;
  }
  return undefined;
}

function describe(error: unknown): string {
  // Duck-typed: the module runs in Node's own realm, so `instanceof Error` may not hold (e.g. under jest).
  const record = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : undefined;
  const text =
    record && typeof record.message === 'string'
      ? `${typeof record.name === 'string' ? record.name : 'Error'}: ${record.message}`
      : describeValue(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
