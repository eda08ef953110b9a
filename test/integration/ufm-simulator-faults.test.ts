/**
 * Conformance of fault injection: each kind, method/path matching, `times` expiry, seeded
 * probability, apply-then-fail really applying, hangs ended by the client's timeout or by
 * close(), and dropped connections surfacing as socket errors.
 */
import { performance } from 'node:perf_hooks';
import { startUfmSimulator, type FaultRule } from '../../ufm-simulator';
import { ADMIN, createSimClient, DROPPED, socketErrorOf, useHttpsFixture } from './ufm-simulator-client';

const G1 = '0200000000000001';
const PKEYS = '/ufmRest/resources/pkeys';
const VERSION = '/ufmRest/app/ufm_version';
// libuv timers count whole milliseconds from the loop's cached clock, so allow that much slack.
const TIMER_SLACK_MS = 2;

const fixture = useHttpsFixture();

const addG1 = (timeoutMs?: number) =>
  fixture.client.call('POST', PKEYS, { body: { pkey: '0x5', guids: [G1] }, timeoutMs });
const version = () => fixture.client.call('GET', VERSION);

describe('answers injected before handling (nothing applied)', () => {
  it.each([
    [500, 'Internal Server Error'],
    [502, 'Proxy Error'],
    [503, 'Service Temporarily Unavailable'],
  ])('status %i answers an Apache HTML page', async (code, title) => {
    fixture.sim.addFault({ kind: 'status', status: code });
    const res = await addG1();
    expect(res.status).toBe(code);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain(`<title>${code} ${title}</title>`);
    expect(fixture.sim.snapshot()).toEqual({});
  });

  it('unauthorized answers an HTML 401 despite good credentials', async () => {
    fixture.sim.addFault({ kind: 'unauthorized' });
    const res = await addG1();
    expect([res.status, res.text.includes('401 Unauthorized')]).toEqual([401, true]);
    expect(fixture.sim.snapshot()).toEqual({});
  });

  it('html-200 answers a login page with status 200', async () => {
    fixture.sim.addFault({ kind: 'html-200' });
    const res = await addG1();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('httpd_password');
    expect(() => res.json()).toThrow();
    expect(fixture.sim.snapshot()).toEqual({});
  });
});

describe('latency', () => {
  it.each([
    ['fixed', { kind: 'latency', latencyMs: 150 }, 0, 150],
    ['with jitter', { kind: 'latency', latencyMs: 60, jitterMs: 40 }, 0, 60],
    ['plus the baseLatencyMs knob', { kind: 'latency', latencyMs: 50 }, 40, 50 + 40],
  ] as const)('%s delays the answer by at least its amount', async (_name, rule, baseLatencyMs, atLeast) => {
    fixture.sim.addFault(rule);
    fixture.sim.setKnobs({ baseLatencyMs });
    const started = performance.now();
    expect((await version()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(atLeast - TIMER_SLACK_MS);
  });

  it('combines with another kind', async () => {
    fixture.sim.addFault({ kind: 'latency', latencyMs: 80 });
    fixture.sim.addFault({ kind: 'status', status: 503 });
    const started = performance.now();
    expect((await version()).status).toBe(503);
    expect(performance.now() - started).toBeGreaterThanOrEqual(80 - TIMER_SLACK_MS);
  });
});

describe('matching and expiry', () => {
  it('times=N fails the next N matching calls, then succeeds', async () => {
    fixture.sim.addFault({ kind: 'status', status: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await addG1()).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(fixture.sim.counters()).toEqual({ 'POST /resources/pkeys': 3 });
    expect(fixture.sim.members('0x5')).toEqual([G1]);
  });

  it.each([
    ['method', { method: 'post' }, [503, 200]],
    ['path glob', { path: '/resources/pkeys*' }, [503, 200]],
    ['path with trailing slash', { path: '/resources/pkeys/' }, [503, 200]],
    ['glob of single pkeys only', { path: '/resources/pkeys/*' }, [200, 200]],
    ['other method', { method: 'DELETE' }, [200, 200]],
  ] as const)('%s selects which requests fail', async (_name, filter, expected) => {
    fixture.sim.addFault({ kind: 'status', status: 503, ...filter });
    expect([(await addG1()).status, (await version()).status]).toEqual(expected);
  });

  it('oldest matching rule wins; removeFault and clearFaults end rules', async () => {
    const first = fixture.sim.addFault({ kind: 'status', status: 502 });
    fixture.sim.addFault({ kind: 'status', status: 500 });
    expect((await version()).status).toBe(502);
    expect(fixture.sim.removeFault(first)).toBe(true);
    expect(fixture.sim.removeFault(first)).toBe(false);
    expect((await version()).status).toBe(500);
    fixture.sim.clearFaults();
    expect((await version()).status).toBe(200);
  });

  it('probability is seeded: clearing re-seeds and repeats the same pattern', async () => {
    const run = async (): Promise<number[]> => {
      fixture.sim.clearFaults();
      fixture.sim.addFault({ kind: 'status', status: 503, probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await version()).status);
      return statuses;
    };
    const first = await run();
    expect(first).toEqual(expect.arrayContaining([200, 503]));
    expect(await run()).toEqual(first);
  });

  it('probability 0 never fires', async () => {
    fixture.sim.addFault({ kind: 'status', status: 503, probability: 0 });
    expect((await version()).status).toBe(200);
  });

  it.each<[string, unknown]>([
    ['an unknown kind', { kind: 'boom' }],
    ['status 99', { kind: 'status', status: 99 }],
    ['times 0', { kind: 'hang', times: 0 }],
    ['probability 2', { kind: 'hang', probability: 2 }],
    ['latency without a delay', { kind: 'latency' }],
    ['an unknown field', { kind: 'hang', when: 'later' }],
    ['a non-object', 'hang'],
  ])('rejects a rule with %s', (_name, rule) => {
    expect(() => fixture.sim.addFault(rule as FaultRule)).toThrow();
  });
});

describe('answers lost after handling (change applied)', () => {
  it('apply-then-fail commits the change, answers 5xx, and a retry is idempotent', async () => {
    fixture.sim.addFault({ kind: 'apply-then-fail', status: 502, times: 1 });
    expect((await addG1()).status).toBe(502);
    expect(fixture.sim.members('0x5')).toEqual([G1]);
    expect((await addG1()).status).toBe(200);
    expect(fixture.sim.snapshot()['0x5']?.guids).toHaveLength(1);
  });

  it('apply-then-fail without a status commits the change and hangs', async () => {
    fixture.sim.addFault({ kind: 'apply-then-fail', times: 1 });
    expect(await socketErrorOf(addG1(300))).toBe('ECONNABORTED');
    expect(fixture.sim.members('0x5')).toEqual([G1]);
  });

  it('malformed-json answers 200 with truncated JSON after applying', async () => {
    fixture.sim.addFault({ kind: 'malformed-json' });
    const added = await addG1();
    expect(added.status).toBe(200);
    expect(fixture.sim.members('0x5')).toEqual([G1]);
    const listed = await fixture.client.call('GET', `${PKEYS}?guids_data=true`);
    expect([listed.status, listed.headers['content-type']]).toEqual([200, 'application/json']);
    expect(listed.text.length).toBeGreaterThan(10);
    expect(() => listed.json()).toThrow(SyntaxError);
  });
});

describe('no answer at all', () => {
  it('hang is ended by the client’s timeout; the next call succeeds once it expires', async () => {
    fixture.sim.addFault({ kind: 'hang', times: 1 });
    expect(await socketErrorOf(fixture.client.call('GET', VERSION, { timeoutMs: 250 }))).toBe('ECONNABORTED');
    expect((await version()).status).toBe(200);
    expect(fixture.sim.requestLog().map((e) => e.status)).toEqual([0, 200]);
  });

  it.each<[string, FaultRule]>([
    ['reset', { kind: 'reset', times: 1 }],
    ['down on one path', { kind: 'down', path: '/resources/*', times: 1 }],
    ['down everywhere', { kind: 'down', times: 1 }],
  ])('%s surfaces as a socket error, then recovers', async (_name, rule) => {
    fixture.sim.addFault(rule);
    // A fresh client, so the failure meets a new connection rather than a pooled one.
    const fresh = createSimClient(fixture.sim.url, fixture.cert.cert, { authorization: ADMIN });
    try {
      expect(DROPPED).toContain(await socketErrorOf(fresh.call('POST', PKEYS, { body: { pkey: '0x5', guids: [G1] } })));
      expect(fixture.sim.snapshot()).toEqual({});
      expect((await fresh.call('GET', VERSION)).status).toBe(200);
    } finally {
      fresh.close();
    }
  });

  it('close() finishes while a request hangs, and the client sees the socket end', async () => {
    const own = await startUfmSimulator();
    const ownClient = createSimClient(own.url, undefined, { authorization: ADMIN });
    own.addFault({ kind: 'hang' });
    const pending = socketErrorOf(ownClient.call('GET', VERSION, { timeoutMs: 30_000 }));
    await waitFor(() => own.requestLog().length === 1);
    await own.close();
    expect(DROPPED).toContain(await pending);
    ownClient.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
