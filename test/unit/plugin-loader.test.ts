import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../domain/errors';
import {
  InvalidPluginNameError,
  loadSubnetManagerPlugin,
  PluginContractError,
  PluginInitError,
  PluginNotFoundError,
} from '../../plugins/loader';
import { NoopPlugin } from '../../plugins/noop';
import { SubnetManagerError, type PluginLogger } from '../../plugins/types';
import { UfmPlugin } from '../../plugins/ufm';

interface Line {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function captureLogger(): PluginLogger & { lines: Line[] } {
  const lines: Line[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

// A user plugin reports what it received through the logger it was given, since it runs in
// Node's own module realm, outside jest's sandbox.
const GOOD = `
exports.initialize = (env, logger) => ({
  name: 'good',
  specVersion: '1.0',
  validate: async () => logger.info('validate', { setting: env.GOOD_SETTING }),
  addGuidsToPKey: async (pkey, guids) => logger.info('add', { pkey, guids }),
  removeGuidsFromPKey: async (pkey, guids) => logger.info('remove', { pkey, guids }),
  listGuidsInUse: async () => ({
    '0x0005': ['02:00:00:00:00:00:00:0B', '0200000000000001', 'junk'],
    '0x7fff': ['02:00:00:00:00:00:00:09'],
  }),
});
`;

const FAILING = `
exports.initialize = () => ({
  name: 'failing',
  specVersion: '1.0',
  validate: async () => { throw new Error('boom at validate'); },
  addGuidsToPKey: async () => { throw Object.assign(new Error('bad creds'), { code: 'unauthorized' }); },
  removeGuidsFromPKey: async () => { throw Object.assign(new Error('permanent'), { retryable: false }); },
  listGuidsInUse: async () => [1, 2, 3],
});
`;

const METHODS = `validate: async () => {}, addGuidsToPKey: async () => {}, removeGuidsFromPKey: async () => {}, listGuidsInUse: async () => ({})`;

const FILES: Record<string, string> = {
  good: GOOD,
  failing: FAILING,
  'default-fn': `module.exports = async () => ({ name: 'd', specVersion: '1.0', ${METHODS} });`,
  'default-export': `exports.default = () => ({ name: 'e', specVersion: '1.0', ${METHODS} });`,
  'default-object': `exports.default = { initialize: () => ({ name: 'o', specVersion: '1.0', ${METHODS} }) };`,
  'throws-on-load': `throw new Error('cannot load: missing dependency');`,
  'syntax-error': `exports.initialize = () => {{;`,
  'init-throws': `exports.initialize = () => { throw new Error('no UFM_FOO set'); };`,
  'init-rejects': `exports.initialize = async () => { throw new Error('async failure'); };`,
  'no-initialize': `exports.something = 1;`,
  'returns-null': `exports.initialize = () => null;`,
  'missing-method': `exports.initialize = () => ({ name: 'm', specVersion: '1.0', validate: async () => {} });`,
  'name-not-string': `exports.initialize = () => ({ name: 42, specVersion: '1.0', ${METHODS} });`,
  'empty-spec': `exports.initialize = () => ({ name: 'x', specVersion: '', ${METHODS} });`,
  'bad-close': `exports.initialize = () => ({ name: 'x', specVersion: '1.0', close: 1, ${METHODS} });`,
  'bad-limited': `exports.initialize = () => ({ name: 'x', specVersion: '1.0', addGuidsToLimitedPKey: 'no', ${METHODS} });`,
  limited: `exports.initialize = (env, logger, settings) => ({ name: 'l', specVersion: '1.0', ${METHODS},
    addGuidsToLimitedPKey: async (pkey, guids) => logger.info('limited', { pkey, guids, settings }) });`,
  MyFabric: `exports.initialize = () => ({ name: 'MyFabric', specVersion: '1.0', ${METHODS} });`,
  ufm: `throw new Error('a file must never shadow the built-in ufm plugin');`,
};

let dir: string;
const opts = (extra: Record<string, string> = {}) => ({ pluginPath: dir, env: { ...extra }, logger: captureLogger() });

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sm-plugins-'));
  for (const [name, source] of Object.entries(FILES)) writeFileSync(path.join(dir, `${name}.js`), source);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('built-in plugins', () => {
  it('loads noop without reading any file', async () => {
    const plugin = await loadSubnetManagerPlugin('noop', { ...opts(), pluginPath: '/nonexistent' });
    expect(plugin).toBeInstanceOf(NoopPlugin);
    expect([plugin.name, plugin.specVersion]).toEqual(['noop', '1.0']);
  });

  it('loads ufm from the UFM_* settings, ahead of a file with the same name', async () => {
    const o = opts({ UFM_USERNAME: 'admin', UFM_PASSWORD: 'pw', UFM_ADDRESS: '127.0.0.1', UFM_HTTP_SCHEMA: 'http' });
    const plugin = await loadSubnetManagerPlugin('ufm', o);
    expect(plugin).toBeInstanceOf(UfmPlugin);
    expect(plugin.name).toBe('ufm');
    await plugin.close?.();
  });

  it('stops on missing UFM settings with a ConfigError', async () => {
    await expect(loadSubnetManagerPlugin('ufm', opts())).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('noop plugin', () => {
  it('succeeds without a fabric, lists nothing as upstream, and validates input', async () => {
    const plugin = new NoopPlugin({ logger: captureLogger() });
    await plugin.validate();
    await plugin.addGuidsToPKey(5, ['02:00:00:00:00:00:00:02', '02:00:00:00:00:00:00:01']);
    await plugin.addGuidsToLimitedPKey(0x7ff, ['02:00:00:00:00:00:00:02']);
    await plugin.removeGuidsFromPKey(7, ['02:00:00:00:00:00:00:03']);
    // A listing kept in one process's memory would show phantom or missing members with two workers.
    expect(await plugin.listGuidsInUse()).toEqual({});
    await expect(plugin.addGuidsToPKey(0x7fff, [])).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(plugin.addGuidsToLimitedPKey(5, ['nope'])).rejects.toMatchObject({ code: 'invalid-input' });
  });
});

describe('limited partition settings', () => {
  const partitions = { limitedPKey: '0x7ff', index0ForPrimary: true };

  it('refuses a user plugin without addGuidsToLimitedPKey when DEFAULT_LIMITED_PARTITION is set', async () => {
    await expect(loadSubnetManagerPlugin('good', { ...opts(), partitions })).rejects.toThrow(
      /DEFAULT_LIMITED_PARTITION is set \(0x7ff\) but the plugin has no addGuidsToLimitedPKey/,
    );
  });

  it('hands the settings to a user plugin and guards its limited join', async () => {
    const o = { ...opts(), partitions };
    const plugin = await loadSubnetManagerPlugin('limited', o);
    await plugin.addGuidsToLimitedPKey?.(0x7ff, ['02:00:00:00:00:00:00:0A']);
    expect(o.logger.lines.find((l) => l.message === 'limited')?.fields).toEqual({
      pkey: 0x7ff,
      guids: ['02:00:00:00:00:00:00:0a'],
      settings: partitions,
    });
    await expect(plugin.addGuidsToLimitedPKey?.(0x7ff, ['junk'])).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('the built-in plugins have the limited join', async () => {
    for (const name of ['noop', 'ufm']) {
      const env = { UFM_USERNAME: 'u', UFM_PASSWORD: 'p', UFM_ADDRESS: '127.0.0.1' };
      const plugin = await loadSubnetManagerPlugin(name, { ...opts(), env, partitions });
      expect(typeof plugin.addGuidsToLimitedPKey).toBe('function');
      await plugin.close?.();
    }
  });
});

describe('user plugins', () => {
  it('loads a conforming plugin and hands it env and logger', async () => {
    const o = opts({ GOOD_SETTING: 'on' });
    const plugin = await loadSubnetManagerPlugin('good', o);
    expect([plugin.name, plugin.specVersion]).toEqual(['good', '1.0']);
    await plugin.validate();
    expect(o.logger.lines).toContainEqual({ level: 'info', message: 'validate', fields: { setting: 'on' } });
  });

  it('normalises GUIDs before the plugin sees them', async () => {
    const o = opts();
    const plugin = await loadSubnetManagerPlugin('good', o);
    await plugin.addGuidsToPKey(5, ['02-00-00-00-00-00-00-0A', '02:00:00:00:00:00:00:0a']);
    expect(o.logger.lines).toContainEqual({
      level: 'info',
      message: 'add',
      fields: { pkey: 5, guids: ['02:00:00:00:00:00:00:0a'] },
    });
    await expect(plugin.removeGuidsFromPKey(0, [])).rejects.toMatchObject({ code: 'invalid-input' });
    expect(o.logger.lines.filter((l) => l.message === 'remove')).toEqual([]);
  });

  it('normalises its listing and reports what it skipped', async () => {
    const o = opts();
    const plugin = await loadSubnetManagerPlugin('good', o);
    expect(await plugin.listGuidsInUse()).toEqual({
      '0x5': ['02:00:00:00:00:00:00:01', '02:00:00:00:00:00:00:0b'],
      '0x7fff': ['02:00:00:00:00:00:00:09'],
    });
    expect(o.logger.lines.some((l) => l.level === 'warn' && l.fields?.count === 1)).toBe(true);
  });

  it('loads a plugin whose name has capitals, as upstream opens any <name>.so', async () => {
    expect((await loadSubnetManagerPlugin('MyFabric', opts())).name).toBe('MyFabric');
  });

  it.each(['default-fn', 'default-export', 'default-object'])('accepts the %s export style', async (name) => {
    const plugin = await loadSubnetManagerPlugin(name, opts());
    await expect(plugin.listGuidsInUse()).resolves.toEqual({});
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['validate', 'plain Error', { code: 'plugin-error', retryable: true }],
    ['add', 'error with a known code', { code: 'unauthorized', retryable: false }],
    ['remove', 'error with retryable: false', { code: 'plugin-error', retryable: false }],
    ['list', 'a non-object listing', { code: 'bad-response', retryable: true }],
  ])('turns %s failure (%s) into a SubnetManagerError', async (method, _what, expected) => {
    const plugin = await loadSubnetManagerPlugin('failing', opts());
    const guids = ['02:00:00:00:00:00:00:01'];
    const call = {
      validate: () => plugin.validate(),
      add: () => plugin.addGuidsToPKey(5, guids),
      remove: () => plugin.removeGuidsFromPKey(5, guids),
      list: () => plugin.listGuidsInUse(),
    }[method];
    const error = await call?.().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SubnetManagerError);
    expect(error).toMatchObject(expected);
  });
});

describe('loader failures', () => {
  it.each<[string, new (...args: never[]) => Error, RegExp]>([
    ['absent', PluginNotFoundError, /absent\.js does not exist/],
    ['throws-on-load', PluginInitError, /failed to load: .*missing dependency/],
    ['syntax-error', PluginInitError, /failed to load: SyntaxError/],
    ['init-throws', PluginInitError, /failed to initialize: .*no UFM_FOO set/],
    ['init-rejects', PluginInitError, /failed to initialize: .*async failure/],
    ['no-initialize', PluginContractError, /exports neither an initialize/],
    ['returns-null', PluginContractError, /returned null/],
    ['missing-method', PluginContractError, /"addGuidsToPKey" must be a function/],
    ['name-not-string', PluginContractError, /"name" must be a non-empty string/],
    ['empty-spec', PluginContractError, /"specVersion" must be a non-empty string/],
    ['bad-close', PluginContractError, /"close" must be a function/],
    ['bad-limited', PluginContractError, /"addGuidsToLimitedPKey" must be a function/],
  ])('%s → %p', async (name, type, message) => {
    const error = await loadSubnetManagerPlugin(name, opts()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  it.each(['../good', 'a/b', '..', '.', '', 'good.js', '/etc/passwd', 'good\0', 'a\\b', '-x', `${'a'.repeat(64)}`])(
    'refuses the name %j',
    async (name) => {
      await expect(loadSubnetManagerPlugin(name, opts())).rejects.toBeInstanceOf(InvalidPluginNameError);
    },
  );

  it('refuses a missing plugin directory as not found', async () => {
    await expect(
      loadSubnetManagerPlugin('good', { ...opts(), pluginPath: path.join(dir, 'nope') }),
    ).rejects.toBeInstanceOf(PluginNotFoundError);
  });
});
