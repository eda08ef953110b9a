/**
 * The test hooks over HTTP under `/__sim`, for a simulator running in another process. They
 * need no credentials, which is why the simulator listens only on the host it is given
 * (loopback by default). They bypass faults, counters and the request log.
 *
 *   GET    /__sim/state          snapshot of user partitions
 *   POST   /__sim/reset          back to the initial state
 *   GET    /__sim/faults         active rules; POST a FaultRule -> {id}; DELETE all; DELETE /__sim/faults/<id>
 *   GET    /__sim/counters       per-route counters
 *   GET    /__sim/log            request log
 *   POST   /__sim/seed           {pkey, guids, membership?, index0?} and/or {ports: [...]}
 *   GET    /__sim/knobs          knob values; PATCH (or PUT) a partial object to change some
 *   POST   /__sim/password       {password}
 *   POST   /__sim/tokens         issue a token -> {access_token}; DELETE revokes every token
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatorCore } from './core';
import { readBody, sendJson } from './http-io';
import { field, requireObject } from './requests';

/** Where a hook request went wrong; answered as JSON `{error}` with `status`. */
class HookError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Hook = (core: SimulatorCore, body: unknown, arg: string) => unknown;

const HOOKS: Record<string, Hook> = {
  'GET state': (core) => core.snapshot(),
  'POST reset': (core) => core.queue.run(() => core.reset()).then(() => ({})),
  'GET faults': (core) => core.faults.list(),
  'POST faults': (core, body) => ({ id: core.faults.add(body) }),
  'DELETE faults': (core, _body, id) => {
    if (id === '') core.faults.clear();
    else if (!core.faults.remove(id)) throw new HookError(404, `no fault rule ${id}`);
    return {};
  },
  'GET counters': (core) => core.recorder.counters(),
  'GET log': (core) => core.recorder.requestLog(),
  'POST seed': (core, body) => core.queue.run(() => seed(core, body)).then(() => ({})),
  'GET knobs': (core) => core.knobs,
  'PATCH knobs': (core, body) => (core.setKnobs(body), core.knobs),
  'PUT knobs': (core, body) => (core.setKnobs(body), core.knobs),
  'POST password': (core, body) => {
    const password = field(requireObject(body), 'password');
    if (typeof password !== 'string' || password === '')
      throw new HookError(400, 'password must be a non-empty string');
    core.auth.setPassword(password);
    return {};
  },
  'POST tokens': (core) => ({ access_token: core.auth.issueToken().access_token }),
  'DELETE tokens': (core) => (core.auth.revokeTokens(), {}),
};

function seed(core: SimulatorCore, raw: unknown): void {
  const body = requireObject(raw);
  const ports = field(body, 'ports');
  const pkey = field(body, 'pkey');
  if (ports === undefined && pkey === undefined) throw new HookError(400, 'seed needs pkey and guids, or ports');
  if (ports !== undefined) core.seedPorts(ports as string[]);
  if (pkey !== undefined) {
    const membership = field(body, 'membership');
    const index0 = field(body, 'index0');
    core.seed(pkey as string, (field(body, 'guids') ?? []) as string[], {
      membership: membership as 'full' | 'limited' | undefined,
      index0: index0 as boolean | undefined,
    });
  }
}

/**
 * Serves one `/__sim/...` request. Errors, including invalid input, are answered as JSON
 * `{error}` with 400 (404 for unknown hooks), never thrown.
 */
export async function handleHookRequest(
  core: SimulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const [, , name = '', arg = '', ...extra] = url.pathname.replace(/\/$/, '').split('/');
  const key = `${req.method ?? ''} ${name}`;
  // Only DELETE /__sim/faults/<id> takes a path argument.
  const takesArg = key === 'DELETE faults';
  const hook = Object.hasOwn(HOOKS, key) && extra.length === 0 && (takesArg || arg === '') ? HOOKS[key] : undefined;
  try {
    const read = await readBody(req, core.knobs.maxBodyBytes);
    if (!hook) throw new HookError(404, `no hook ${req.method ?? ''} ${url.pathname}`);
    if (read.tooLarge) throw new HookError(413, 'body too large');
    let body: unknown;
    if (read.bytes > 0) {
      try {
        body = JSON.parse(read.data.toString('utf8'));
      } catch {
        throw new HookError(400, 'body is not valid JSON');
      }
    }
    sendJson(res, 200, await hook(core, body, decodeURIComponent(arg)));
  } catch (err) {
    const status = err instanceof HookError ? err.status : 400;
    sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
  }
}
