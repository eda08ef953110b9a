import { inspect } from 'node:util';
import {
  describeConfig,
  describeUfmConfig,
  parseConfig,
  parseUfmConfig,
  type Config,
  type Env,
  type UfmConfig,
} from '../../domain/config';
import { ConfigError } from '../../domain/errors';
import { REDACTED, Secret } from '../../domain/secret';

const BASE: Env = { DAEMON_SM_PLUGIN: 'ufm' };
const PASSWORD = 'S3cr3t-UFM-Pa55word!';
const API_KEY = 'tmprl-api-key-0123456789abcdef';
const UFM: Env = { UFM_USERNAME: 'admin', UFM_PASSWORD: PASSWORD, UFM_ADDRESS: 'ufm.example.com' };
const PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBszCCAVmgAwIBAgIUQ2hlY2tpbmdPbmx5U3ludGF4MAoGCCqGSM49BAMCMBQx',
  '-----END CERTIFICATE-----',
].join('\n');

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig defaults', () => {
  const config = parseConfig(BASE);

  it.each<[string, (c: Config) => unknown, unknown]>([
    ['DAEMON_SM_PLUGIN_PATH', (c) => c.smPluginPath, '/plugins'],
    ['DAEMON_PERIODIC_UPDATE', (c) => c.periodicUpdateMs, 5000],
    ['GUID_POOL_RANGE_START', (c) => c.guidPool.start, '02:00:00:00:00:00:00:00'],
    ['GUID_POOL_RANGE_END', (c) => c.guidPool.end, '02:ff:ff:ff:ff:ff:ff:ff'],
    ['TEMPORAL_ADDRESS', (c) => c.temporal.address, '127.0.0.1:7233'],
    ['TEMPORAL_NAMESPACE', (c) => c.temporal.namespace, 'default'],
    ['TEMPORAL_TASK_QUEUE', (c) => c.temporal.taskQueue, 'ib-kubernetes'],
    ['TEMPORAL_API_KEY', (c) => c.temporal.apiKey, undefined],
    ['TEMPORAL_TLS', (c) => c.temporal.tls, { enabled: false }],
  ])('%s defaults as upstream', (_name, get, expected) => {
    expect(get(config)).toEqual(expected);
  });

  it('is deeply frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.guidPool)).toBe(true);
    expect(Object.isFrozen(config.temporal.tls)).toBe(true);
  });
});

describe('parseConfig valid values', () => {
  it.each<[string, Env, (c: Config) => unknown, unknown]>([
    ['plugin noop', { DAEMON_SM_PLUGIN: 'noop' }, (c) => c.smPlugin, 'noop'],
    ['user plugin', { DAEMON_SM_PLUGIN: 'my_sm-2' }, (c) => c.smPlugin, 'my_sm-2'],
    [
      'relative plugin path',
      { DAEMON_SM_PLUGIN_PATH: './testdata/plugins' },
      (c) => c.smPluginPath,
      './testdata/plugins',
    ],
    ['periodic 10', { DAEMON_PERIODIC_UPDATE: '10' }, (c) => c.periodicUpdateMs, 10_000],
    ['periodic fraction', { DAEMON_PERIODIC_UPDATE: '0.25' }, (c) => c.periodicUpdateMs, 250],
    ['periodic max', { DAEMON_PERIODIC_UPDATE: '3600' }, (c) => c.periodicUpdateMs, 3_600_000],
    ['pod task slots default', {}, (c) => c.podTaskSlots, 20],
    ['pod task slots', { POD_TASK_SLOTS: '64' }, (c) => c.podTaskSlots, 64],
    ['pod task slots max', { POD_TASK_SLOTS: '1000' }, (c) => c.podTaskSlots, 1000],
    ['pool shards default', {}, (c) => c.guidPoolShards, 16],
    ['pool shards', { GUID_POOL_SHARDS: '32' }, (c) => c.guidPoolShards, 32],
    [
      'range upper case',
      { GUID_POOL_RANGE_START: '02:AA:00:00:00:00:00:01' },
      (c) => c.guidPool.start,
      '02:aa:00:00:00:00:00:01',
    ],
    [
      'range dashes',
      { GUID_POOL_RANGE_END: '02-00-00-00-00-00-00-ff' },
      (c) => c.guidPool.end,
      '02:00:00:00:00:00:00:ff',
    ],
    ['range dotted', { GUID_POOL_RANGE_END: '0200.0000.0000.00ff' }, (c) => c.guidPool.end, '02:00:00:00:00:00:00:ff'],
    [
      'single-GUID range',
      { GUID_POOL_RANGE_START: '02:00:00:00:00:00:00:05', GUID_POOL_RANGE_END: '02:00:00:00:00:00:00:05' },
      (c) => c.guidPool,
      { start: '02:00:00:00:00:00:00:05', end: '02:00:00:00:00:00:00:05' },
    ],
    [
      'temporal host',
      { TEMPORAL_ADDRESS: 'temporal.example.com:7233' },
      (c) => c.temporal.address,
      'temporal.example.com:7233',
    ],
    ['temporal IPv6', { TEMPORAL_ADDRESS: '[fd00::1]:7233' }, (c) => c.temporal.address, '[fd00::1]:7233'],
    ['namespace', { TEMPORAL_NAMESPACE: 'ib' }, (c) => c.temporal.namespace, 'ib'],
    ['task queue', { TEMPORAL_TASK_QUEUE: 'ib-q' }, (c) => c.temporal.taskQueue, 'ib-q'],
    ['TLS true', { TEMPORAL_TLS: 'true' }, (c) => c.temporal.tls, { enabled: true }],
    ['TLS 1', { TEMPORAL_TLS: '1' }, (c) => c.temporal.tls.enabled, true],
    ['TLS FALSE', { TEMPORAL_TLS: 'FALSE' }, (c) => c.temporal.tls.enabled, false],
    ['API key implies TLS', { TEMPORAL_API_KEY: API_KEY }, (c) => c.temporal.tls.enabled, true],
    [
      'API key with TLS off',
      { TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' },
      (c) => c.temporal.tls.enabled,
      false,
    ],
    ['empty API key is unset', { TEMPORAL_API_KEY: '' }, (c) => c.temporal.apiKey, undefined],
    [
      'mTLS paths imply TLS',
      {
        TEMPORAL_TLS_CA: '/tls/ca.pem',
        TEMPORAL_TLS_CERT: '/tls/c.pem',
        TEMPORAL_TLS_KEY: '/tls/k.pem',
        TEMPORAL_TLS_SERVER_NAME: 'temporal',
      },
      (c) => c.temporal.tls,
      { enabled: true, caPath: '/tls/ca.pem', certPath: '/tls/c.pem', keyPath: '/tls/k.pem', serverName: 'temporal' },
    ],
  ])('%s', (_name, env, get, expected) => {
    expect(get(parseConfig({ ...BASE, ...env }))).toEqual(expected);
  });

  it('wraps the API key in a Secret', () => {
    const key = parseConfig({ ...BASE, TEMPORAL_API_KEY: API_KEY }).temporal.apiKey;
    expect(key).toBeInstanceOf(Secret);
    expect(key?.reveal()).toBe(API_KEY);
  });
});

describe("an empty value means the default, as upstream's env library", () => {
  const defaults = parseConfig(BASE);
  it.each([
    'DAEMON_SM_PLUGIN_PATH',
    'DAEMON_PERIODIC_UPDATE',
    'GUID_POOL_RANGE_START',
    'GUID_POOL_RANGE_END',
    'DEFAULT_LIMITED_PARTITION',
    'ENABLE_INDEX0_FOR_PRIMARY_PKEY',
    'TEMPORAL_ADDRESS',
    'TEMPORAL_NAMESPACE',
    'TEMPORAL_TASK_QUEUE',
    'TEMPORAL_TLS',
    'TEMPORAL_API_KEY',
  ])('%s=""', (name) => {
    expect(parseConfig({ ...BASE, [name]: '' })).toEqual(defaults);
  });

  const ufmDefaults = parseUfmConfig(UFM);
  it.each(['UFM_HTTP_SCHEMA', 'UFM_PORT', 'UFM_CERTIFICATE', 'UFM_REQUEST_TIMEOUT'])('%s=""', (name) => {
    expect(parseUfmConfig({ ...UFM, [name]: '' })).toEqual(ufmDefaults);
  });

  it("upstream's own Secret (UFM_PORT and UFM_HTTP_SCHEMA empty) starts", () => {
    expect(parseUfmConfig({ ...UFM, UFM_PORT: '', UFM_HTTP_SCHEMA: '' })).toMatchObject({
      httpSchema: 'https',
      port: 443,
    });
  });

  it.each<[string, number]>([
    ['https', 443],
    ['http', 80],
  ])('UFM_PORT=0 is the %s default port, as upstream', (schema, port) => {
    expect(parseUfmConfig({ ...UFM, UFM_HTTP_SCHEMA: schema, UFM_PORT: '0' }).port).toBe(port);
  });
});

describe('what upstream accepts is accepted', () => {
  it.each<[string, Env, (c: Config) => unknown, unknown]>([
    ['a plugin name with capitals', { DAEMON_SM_PLUGIN: 'MyFabric' }, (c) => c.smPlugin, 'MyFabric'],
    ['a plus sign', { DAEMON_SM_PLUGIN: 'ufm', DAEMON_PERIODIC_UPDATE: '+5' }, (c) => c.periodicUpdateMs, 5000],
    ['index0 off', { ENABLE_INDEX0_FOR_PRIMARY_PKEY: 'false' }, (c) => c.partitions.index0ForPrimary, false],
    ['index0 as Go t', { ENABLE_INDEX0_FOR_PRIMARY_PKEY: 'T' }, (c) => c.partitions.index0ForPrimary, true],
    ['a limited partition', { DEFAULT_LIMITED_PARTITION: '0x07FF' }, (c) => c.partitions.limitedPKey, '0x7ff'],
    [
      'a limited partition with the full-member bit',
      { DEFAULT_LIMITED_PARTITION: '0x8010' },
      (c) => c.partitions.limitedPKey,
      '0x10',
    ],
  ])('%s', (_name, env, get, expected) => {
    expect(get(parseConfig({ ...BASE, ...env }))).toEqual(expected);
  });

  it.each([
    ['spaces inside', 'correct horse battery staple'],
    ['surrounding spaces', ' padded '],
    ['punctuation', `p@ss:w0rd/"'\\;&|$\`<>`],
    ['unicode', 'pässwörd-密码-🔑'],
    ['a tab', 'tab\tinside'],
  ])('a password with %s', (_name, password) => {
    expect(parseUfmConfig({ ...UFM, UFM_PASSWORD: password }).password.reveal()).toBe(password);
  });

  it('a UFM port with a plus sign', () => {
    expect(parseUfmConfig({ ...UFM, UFM_PORT: '+8443' }).port).toBe(8443);
  });

  it('limited partition and index0 default to none and on', () => {
    expect(parseConfig(BASE).partitions).toEqual({ index0ForPrimary: true });
  });
});

describe('parseConfig invalid values', () => {
  it.each<[string, Env, string]>([
    ['plugin unset', { DAEMON_SM_PLUGIN: undefined }, 'DAEMON_SM_PLUGIN'],
    ['plugin empty', { DAEMON_SM_PLUGIN: '' }, 'DAEMON_SM_PLUGIN'],
    ['plugin traversal', { DAEMON_SM_PLUGIN: '../evil' }, 'DAEMON_SM_PLUGIN'],
    ['plugin slash', { DAEMON_SM_PLUGIN: 'a/b' }, 'DAEMON_SM_PLUGIN'],
    ['plugin with .so', { DAEMON_SM_PLUGIN: 'ufm.so' }, 'DAEMON_SM_PLUGIN'],
    ['plugin path newline', { DAEMON_SM_PLUGIN_PATH: '/plugins\n' }, 'DAEMON_SM_PLUGIN_PATH'],
    ['periodic zero', { DAEMON_PERIODIC_UPDATE: '0' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic negative', { DAEMON_PERIODIC_UPDATE: '-5' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic non-numeric', { DAEMON_PERIODIC_UPDATE: 'five' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic with unit', { DAEMON_PERIODIC_UPDATE: '5s' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic exponent', { DAEMON_PERIODIC_UPDATE: '1e3' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic hex', { DAEMON_PERIODIC_UPDATE: '0x5' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic spaces', { DAEMON_PERIODIC_UPDATE: ' 5' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic huge', { DAEMON_PERIODIC_UPDATE: '3601' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic enormous', { DAEMON_PERIODIC_UPDATE: '99999999999999999999' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic below 1 ms', { DAEMON_PERIODIC_UPDATE: '0.0001' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic Infinity', { DAEMON_PERIODIC_UPDATE: 'Infinity' }, 'DAEMON_PERIODIC_UPDATE'],
    ['periodic two signs', { DAEMON_PERIODIC_UPDATE: '++5' }, 'DAEMON_PERIODIC_UPDATE'],
    ['pod task slots zero', { POD_TASK_SLOTS: '0' }, 'POD_TASK_SLOTS'],
    ['pod task slots negative', { POD_TASK_SLOTS: '-4' }, 'POD_TASK_SLOTS'],
    ['pod task slots fraction', { POD_TASK_SLOTS: '2.5' }, 'POD_TASK_SLOTS'],
    ['pod task slots words', { POD_TASK_SLOTS: 'many' }, 'POD_TASK_SLOTS'],
    ['pod task slots above 1000', { POD_TASK_SLOTS: '1001' }, 'POD_TASK_SLOTS'],
    ['pod task slots enormous', { POD_TASK_SLOTS: '99999999999999999999' }, 'POD_TASK_SLOTS'],
    ['pool shards zero', { GUID_POOL_SHARDS: '0' }, 'GUID_POOL_SHARDS'],
    ['pool shards above 256', { GUID_POOL_SHARDS: '257' }, 'GUID_POOL_SHARDS'],
    ['limited partition garbage', { DEFAULT_LIMITED_PARTITION: 'storage' }, 'DEFAULT_LIMITED_PARTITION'],
    ['limited partition 0x7fff', { DEFAULT_LIMITED_PARTITION: '0x7fff' }, 'DEFAULT_LIMITED_PARTITION'],
    ['limited partition 0x0', { DEFAULT_LIMITED_PARTITION: '0x0' }, 'DEFAULT_LIMITED_PARTITION'],
    ['limited partition too big', { DEFAULT_LIMITED_PARTITION: '0x10000' }, 'DEFAULT_LIMITED_PARTITION'],
    ['index0 yes-ish', { ENABLE_INDEX0_FOR_PRIMARY_PKEY: 'yes' }, 'ENABLE_INDEX0_FOR_PRIMARY_PKEY'],
    ['start bad GUID', { GUID_POOL_RANGE_START: '02:00:00:00:00:00:00' }, 'GUID_POOL_RANGE_START'],
    ['start bare hex', { GUID_POOL_RANGE_START: '0200000000000000' }, 'GUID_POOL_RANGE_START'],
    ['start zero', { GUID_POOL_RANGE_START: '00:00:00:00:00:00:00:00' }, 'GUID_POOL_RANGE_START'],
    ['end bad GUID', { GUID_POOL_RANGE_END: 'zz:00:00:00:00:00:00:00' }, 'GUID_POOL_RANGE_END'],
    ['end all ones', { GUID_POOL_RANGE_END: 'ff:ff:ff:ff:ff:ff:ff:ff' }, 'GUID_POOL_RANGE_END'],
    [
      'reversed range',
      { GUID_POOL_RANGE_START: '02:00:00:00:00:00:01:00', GUID_POOL_RANGE_END: '02:00:00:00:00:00:00:ff' },
      'GUID_POOL_RANGE_END',
    ],
    ['temporal address no port', { TEMPORAL_ADDRESS: 'temporal' }, 'TEMPORAL_ADDRESS'],
    ['temporal address port 0', { TEMPORAL_ADDRESS: 'temporal:0' }, 'TEMPORAL_ADDRESS'],
    ['temporal address port 65536', { TEMPORAL_ADDRESS: 'temporal:65536' }, 'TEMPORAL_ADDRESS'],
    ['temporal address URL', { TEMPORAL_ADDRESS: 'http://temporal:7233' }, 'TEMPORAL_ADDRESS'],
    ['temporal address bare IPv6', { TEMPORAL_ADDRESS: 'fd00::1:7233' }, 'TEMPORAL_ADDRESS'],
    ['namespace spaces', { TEMPORAL_NAMESPACE: ' ib ' }, 'TEMPORAL_NAMESPACE'],
    ['namespace huge', { TEMPORAL_NAMESPACE: 'n'.repeat(256) }, 'TEMPORAL_NAMESPACE'],
    ['TLS yes-ish', { TEMPORAL_TLS: 'enabled' }, 'TEMPORAL_TLS'],
    ['TLS off with files', { TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: '/ca.pem' }, 'TEMPORAL_TLS'],
    ['cert without key', { TEMPORAL_TLS_CERT: '/c.pem' }, 'TEMPORAL_TLS_KEY'],
    ['key without cert', { TEMPORAL_TLS_KEY: '/k.pem' }, 'TEMPORAL_TLS_CERT'],
    ['CA is PEM data', { TEMPORAL_TLS_CA: PEM }, 'TEMPORAL_TLS_CA'],
    ['server name with port', { TEMPORAL_TLS_SERVER_NAME: 'temporal:7233' }, 'TEMPORAL_TLS_SERVER_NAME'],
    ['API key with newline', { TEMPORAL_API_KEY: `${API_KEY}\n` }, 'TEMPORAL_API_KEY'],
    ['API key with spaces', { TEMPORAL_API_KEY: ` ${API_KEY}` }, 'TEMPORAL_API_KEY'],
  ])('%s → %s', (_name, env, variable) => {
    const error = configError(() => parseConfig({ ...BASE, ...env }));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain('expected');
    expect(error.message).not.toContain(API_KEY);
  });

  it('clips a huge value in the message', () => {
    const error = configError(() => parseConfig({ ...BASE, GUID_POOL_RANGE_START: 'x'.repeat(10_000) }));
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('parseUfmConfig', () => {
  it('applies upstream defaults', () => {
    const ufm = parseUfmConfig(UFM);
    expect(ufm).toMatchObject({
      username: 'admin',
      address: 'ufm.example.com',
      httpSchema: 'https',
      port: 443,
      requestTimeoutMs: 10_000,
    });
    expect(ufm.certificate).toBeUndefined();
    expect(ufm.password.reveal()).toBe(PASSWORD);
    expect(Object.isFrozen(ufm)).toBe(true);
  });

  it.each<[string, Env, (u: UfmConfig) => unknown, unknown]>([
    ['http defaults to port 80', { UFM_HTTP_SCHEMA: 'http' }, (u) => [u.httpSchema, u.port], ['http', 80]],
    ['schema case-insensitive', { UFM_HTTP_SCHEMA: 'HTTPS' }, (u) => u.httpSchema, 'https'],
    ['empty schema is https (upstream)', { UFM_HTTP_SCHEMA: '' }, (u) => u.httpSchema, 'https'],
    ['explicit port', { UFM_PORT: '8443' }, (u) => u.port, 8443],
    ['port 1', { UFM_PORT: '1' }, (u) => u.port, 1],
    ['port 65535', { UFM_PORT: '65535' }, (u) => u.port, 65535],
    ['IPv4', { UFM_ADDRESS: '10.0.0.7' }, (u) => u.address, '10.0.0.7'],
    ['IPv6', { UFM_ADDRESS: 'fd00::7' }, (u) => u.address, 'fd00::7'],
    ['bracketed IPv6', { UFM_ADDRESS: '[fd00::7]' }, (u) => u.address, 'fd00::7'],
    ['IPv4-mapped IPv6', { UFM_ADDRESS: '::ffff:10.0.0.7' }, (u) => u.address, '::ffff:10.0.0.7'],
    ['full IPv6', { UFM_ADDRESS: '2001:db8:0:0:0:0:0:1' }, (u) => u.address, '2001:db8:0:0:0:0:0:1'],
    ['certificate', { UFM_CERTIFICATE: PEM }, (u) => u.certificate, `${PEM}\n`],
    [
      'certificate with literal \\n',
      { UFM_CERTIFICATE: PEM.replaceAll('\n', '\\n') },
      (u) => u.certificate,
      `${PEM}\n`,
    ],
    ['empty certificate is unset', { UFM_CERTIFICATE: '' }, (u) => u.certificate, undefined],
    ['timeout', { UFM_REQUEST_TIMEOUT: '2.5' }, (u) => u.requestTimeoutMs, 2500],
  ])('%s', (_name, env, get, expected) => {
    expect(get(parseUfmConfig({ ...UFM, ...env }))).toEqual(expected);
  });

  it.each<[string, Env, string]>([
    ['username missing', { UFM_USERNAME: undefined }, 'UFM_USERNAME'],
    ['username empty', { UFM_USERNAME: '' }, 'UFM_USERNAME'],
    ['username with colon', { UFM_USERNAME: 'ad:min' }, 'UFM_USERNAME'],
    ['password missing', { UFM_PASSWORD: undefined }, 'UFM_PASSWORD'],
    ['password empty', { UFM_PASSWORD: '' }, 'UFM_PASSWORD'],
    ['password trailing newline', { UFM_PASSWORD: `${PASSWORD}\n` }, 'UFM_PASSWORD'],
    ['address missing', { UFM_ADDRESS: undefined }, 'UFM_ADDRESS'],
    ['address with scheme', { UFM_ADDRESS: 'https://ufm' }, 'UFM_ADDRESS'],
    ['address with port', { UFM_ADDRESS: 'ufm:443' }, 'UFM_ADDRESS'],
    ['address with path', { UFM_ADDRESS: 'ufm/ufmRest' }, 'UFM_ADDRESS'],
    ['address with user', { UFM_ADDRESS: 'admin@ufm' }, 'UFM_ADDRESS'],
    ['address with space', { UFM_ADDRESS: 'ufm host' }, 'UFM_ADDRESS'],
    ['address bad IPv4', { UFM_ADDRESS: '10.0.0.256' }, 'UFM_ADDRESS'],
    ['address bad IPv6', { UFM_ADDRESS: 'fd00:::1' }, 'UFM_ADDRESS'],
    ['address IPv6 zone', { UFM_ADDRESS: 'fe80::1%eth0' }, 'UFM_ADDRESS'],
    ['address label too long', { UFM_ADDRESS: `${'a'.repeat(64)}.example` }, 'UFM_ADDRESS'],
    ['schema ftp', { UFM_HTTP_SCHEMA: 'ftp' }, 'UFM_HTTP_SCHEMA'],
    ['port 65536', { UFM_PORT: '65536' }, 'UFM_PORT'],
    ['port 80x', { UFM_PORT: '80x' }, 'UFM_PORT'],
    ['port negative', { UFM_PORT: '-443' }, 'UFM_PORT'],
    ['port huge', { UFM_PORT: '4430000000' }, 'UFM_PORT'],
    ['certificate garbage', { UFM_CERTIFICATE: 'not a pem' }, 'UFM_CERTIFICATE'],
    [
      'certificate is a key',
      { UFM_CERTIFICATE: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' },
      'UFM_CERTIFICATE',
    ],
    ['timeout zero', { UFM_REQUEST_TIMEOUT: '0' }, 'UFM_REQUEST_TIMEOUT'],
    ['timeout huge', { UFM_REQUEST_TIMEOUT: '601' }, 'UFM_REQUEST_TIMEOUT'],
  ])('%s → %s', (_name, env, variable) => {
    const error = configError(() => parseUfmConfig({ ...UFM, ...env }));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain(PASSWORD);
    expect(JSON.stringify(error)).not.toContain(PASSWORD);
    expect(inspect(error)).not.toContain(PASSWORD);
  });

  it('never echoes a private key pasted as certificate', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END RSA PRIVATE KEY-----';
    expect(configError(() => parseUfmConfig({ ...UFM, UFM_CERTIFICATE: key })).message).not.toContain('TOPSECRET');
  });
});

describe('secrets stay hidden', () => {
  const config = parseConfig({ ...BASE, TEMPORAL_API_KEY: API_KEY });
  const ufm = parseUfmConfig(UFM);

  it.each<[string, () => string]>([
    ['JSON.stringify(config)', () => JSON.stringify(config)],
    ['JSON.stringify(ufm)', () => JSON.stringify(ufm)],
    ['util.inspect(config)', () => inspect(config, { depth: 10, showHidden: true })],
    ['util.inspect(ufm)', () => inspect(ufm, { depth: 10, showHidden: true })],
    ['String(secret)', () => String(ufm.password)],
    ['template string', () => `${ufm.password}`],
    ['describeConfig', () => JSON.stringify(describeConfig(config))],
    ['describeUfmConfig', () => JSON.stringify(describeUfmConfig(ufm))],
    ['structuredClone', () => JSON.stringify(structuredClone(ufm.password))],
    ['Object.keys', () => JSON.stringify(Object.entries(ufm.password))],
  ])('%s', (_name, render) => {
    const text = render();
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(API_KEY);
  });

  it('describe* are JSON-plain and say what is set', () => {
    const described = describeConfig(config);
    expect(JSON.parse(JSON.stringify(described))).toEqual(described);
    expect(described).toMatchObject({ smPlugin: 'ufm', temporal: { apiKey: REDACTED } });
    expect(describeConfig(parseConfig(BASE))).toMatchObject({ temporal: { apiKey: 'unset' } });
    expect(describeUfmConfig(ufm)).toMatchObject({ password: REDACTED, certificate: 'unset', port: 443 });
  });

  it('Secret reveals only on request', () => {
    const secret = new Secret('x');
    expect(secret.reveal()).toBe('x');
    expect(secret.toJSON()).toBe(REDACTED);
    expect(inspect({ secret })).toContain(REDACTED);
    expect(secret.isEmpty()).toBe(false);
  });
});
