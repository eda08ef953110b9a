/**
 * Starting and stopping a simulator: the HTTP(S) listener, socket tracking (so close() also
 * ends hanging requests), and the split between `/__sim` hooks and UFM requests.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { SimulatorCore } from './core';
import { sendErrorPage } from './http-io';
import { handleHookRequest } from './hooks';
import { handleUfmRequest } from './pipeline';
import type { FaultRule, SimulatorKnobs, UfmSimulator, UfmSimulatorOptions } from './types';

const HOOK_PREFIX = /^\/__sim(?:\/|$)/;

/**
 * Starts a UFM REST simulator listening on `opts.host` only (default 127.0.0.1), on a free
 * port unless `opts.port` is given, over HTTPS when `opts.tls` holds a certificate.
 * @throws Error when a knob is invalid or the address cannot be bound (e.g. EADDRINUSE).
 */
export async function startUfmSimulator(opts: UfmSimulatorOptions = {}): Promise<UfmSimulator> {
  const core = new SimulatorCore({
    username: opts.username ?? 'admin',
    password: opts.password ?? '123456',
    knobs: opts.knobs ?? {},
    faultSeed: opts.faultSeed ?? 1,
  });
  const lifetime = new AbortController();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    dispatch(core, req, res, lifetime.signal).catch(() => {
      // A bug answers 500 instead of crashing the process; after close() or a vanished client
      // there is nobody left to answer.
      if (!res.headersSent && !res.destroyed) sendErrorPage(res, 500);
    });
  };
  const server: Server = opts.tls
    ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest)
    : createHttpServer(onRequest);
  const sockets = trackSockets(server);
  const host = opts.host ?? '127.0.0.1';
  const port = await listen(server, host, opts.port ?? 0);
  const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        lifetime.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
    reset: () => core.reset(),
    snapshot: () => core.snapshot(),
    members: (pkey: string) => core.members(pkey),
    seed: (pkey, guids, seedOpts) => core.seed(pkey, guids, seedOpts),
    seedPorts: (guids: string[]) => core.seedPorts(guids),
    addFault: (rule: FaultRule) => core.faults.add(rule),
    removeFault: (id: string) => core.faults.remove(id),
    clearFaults: () => core.faults.clear(),
    counters: () => core.recorder.counters(),
    requestLog: () => core.recorder.requestLog(),
    knobs: () => ({ ...core.knobs }),
    setKnobs: (knobs: Partial<SimulatorKnobs>) => core.setKnobs(knobs),
    setPassword: (password: string) => core.auth.setPassword(password),
    issueToken: () => core.auth.issueToken().access_token,
    revokeTokens: () => core.auth.revokeTokens(),
  };
}

async function dispatch(core: SimulatorCore, req: IncomingMessage, res: ServerResponse, signal: AbortSignal) {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://simulator');
  } catch {
    return sendErrorPage(res, 400);
  }
  if (HOOK_PREFIX.test(url.pathname)) return handleHookRequest(core, req, res, url);
  return handleUfmRequest(core, req, res, url, signal);
}

// Every raw TCP socket is kept so close() can destroy them, hanging requests included. A `down`
// fault is applied per request, not here at accept time, so the /__sim hooks stay reachable
// to lift it.
function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
