/**
 * The stack's stand-alone UFM simulator process (hack/stack.sh runs build/ufm-simulator/main.js):
 * the UFM plugin, configured from environment variables as in production, talks to it over
 * verified TLS, and the simulator's /__sim hooks show the effect.
 */
import axios from 'axios';
import { Agent } from 'node:https';
import { parseUfmConfig } from '../../domain/config';
import { UfmPlugin } from '../../plugins/ufm';
import { stackEnv, ufmSimulatorCa } from '../support/stack';

const url = new URL(stackEnv('UFM_SIM_URL'));
const ca = ufmSimulatorCa();
const hooks = axios.create({ baseURL: `${url.origin}/__sim`, httpsAgent: new Agent({ ca }) });
const logged: string[] = [];
const logger = {
  debug: (msg: string, fields?: object) => logged.push(`${msg} ${JSON.stringify(fields)}`),
  info: (msg: string, fields?: object) => logged.push(`${msg} ${JSON.stringify(fields)}`),
  warn: (msg: string, fields?: object) => logged.push(`${msg} ${JSON.stringify(fields)}`),
  error: (msg: string, fields?: object) => logged.push(`${msg} ${JSON.stringify(fields)}`),
};

function plugin(password = stackEnv('UFM_SIM_PASSWORD')): UfmPlugin {
  const config = parseUfmConfig({
    UFM_ADDRESS: url.hostname,
    UFM_PORT: url.port,
    UFM_HTTP_SCHEMA: 'https',
    UFM_USERNAME: stackEnv('UFM_SIM_USERNAME'),
    UFM_PASSWORD: password,
    UFM_CERTIFICATE: ca,
  });
  return new UfmPlugin(config, { logger });
}

beforeEach(async () => {
  await hooks.post('/reset');
});

it('takes GUIDs into a PKey and out again, as the plugin asks', async () => {
  const ufm = plugin();
  try {
    await ufm.validate();
    await ufm.addGuidsToPKey(0x1a, ['02:00:00:00:00:00:00:01', '02:00:00:00:00:00:00:02']);
    const state = (await hooks.get('/state')).data as Record<string, { guids: { guid: string }[] }>;
    expect(state['0x1a']?.guids.map((g) => g.guid)).toEqual(['0200000000000001', '0200000000000002']);
    expect(await ufm.listGuidsInUse()).toEqual({ '0x1a': ['02:00:00:00:00:00:00:01', '02:00:00:00:00:00:00:02'] });

    await ufm.removeGuidsFromPKey(0x1a, ['02:00:00:00:00:00:00:01', '02:00:00:00:00:00:00:02']);
    expect(await ufm.listGuidsInUse()).toEqual({});
    const counters = (await hooks.get('/counters')).data as Record<string, number>;
    expect(Object.values(counters).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5);
  } finally {
    await ufm.close();
  }
});

it('refuses a wrong password with a non-retryable error that does not leak it', async () => {
  const ufm = plugin('not-the-password');
  try {
    const error = await ufm.validate().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'unauthorized', retryable: false });
    expect(JSON.stringify(error) + String(error) + logged.join('\n')).not.toContain('not-the-password');
  } finally {
    await ufm.close();
  }
});
