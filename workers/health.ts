/**
 * The worker's probe and metrics endpoint, on plain `node:http` (three routes need no framework):
 *
 * - `GET /healthz`: 200 while the process runs (the liveness probe). It stays 200 during startup
 *   retries and the shutdown drain, so the kubelet never kills a worker that is still finishing tasks.
 * - `GET /readyz`: 200 only between {@link HealthServer.setReady}`(true)` (the worker polls and the
 *   plugin validated) and `setReady(false)` (shutdown began); 503 otherwise.
 * - `GET /metrics`: our prom-client registry in Prometheus text format (the SDK's own metrics are on
 *   `METRICS_SDK_PORT`, see `metrics.ts`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigError } from '../domain/errors';
import { parsePort, type Env } from '../domain/config-values';
import type { PluginLogger } from '../plugins/types';

/** Default `HEALTH_PORT`. */
export const DEFAULT_HEALTH_PORT = 8080;
/** Default `HEALTH_ADDRESS`: every IPv4 interface, so the kubelet reaches the pod IP. */
export const DEFAULT_HEALTH_ADDRESS = '0.0.0.0';

/** Where the health server listens. */
export interface HealthSettings {
  /** `HEALTH_ADDRESS`, an IP literal (the SDK's metrics exporter binds the same address). */
  readonly host: string;
  /** `HEALTH_PORT`; 0 picks a free port (tests). */
  readonly port: number;
}

/** A running health server. */
export interface HealthServer {
  /** The port actually bound (differs from the setting when that was 0). */
  readonly port: number;
  /** Switches `/readyz` between 200 and 503. Throws nothing. */
  setReady(ready: boolean): void;
  /** Stops listening and drops open connections. Throws nothing; resolves once closed. */
  close(): Promise<void>;
}

/**
 * Reads `HEALTH_PORT` and `HEALTH_ADDRESS` (unset or empty: the defaults).
 * @throws ConfigError naming the variable for a port outside 0-65535 or an address that is not an IP.
 */
export function parseHealthSettings(env: Env): HealthSettings {
  const rawPort = env.HEALTH_PORT;
  const port = rawPort === undefined || rawPort === '' ? DEFAULT_HEALTH_PORT : parsePort('HEALTH_PORT', rawPort, true);
  const rawHost = env.HEALTH_ADDRESS;
  if (rawHost === undefined || rawHost === '') return { host: DEFAULT_HEALTH_ADDRESS, port };
  const host = rawHost.startsWith('[') && rawHost.endsWith(']') ? rawHost.slice(1, -1) : rawHost;
  if (isIP(host) === 0) {
    throw new ConfigError('HEALTH_ADDRESS', rawHost, 'an IP address to listen on, e.g. 0.0.0.0 or ::');
  }
  return { host, port };
}

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions extends HealthSettings {
  readonly registry: Registry;
  readonly logger: PluginLogger;
}

/**
 * Starts listening; `/readyz` answers 503 until `setReady(true)`.
 * @throws Error from `listen`, e.g. `EADDRINUSE` when the port is taken.
 */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  let ready = false;
  const server = createServer((request, response) => {
    handle(request, response, ready, opts).catch((error: unknown) => {
      opts.logger.error('health server request failed', { path: request.url, error: String(error) });
      if (!response.headersSent) reply(response, 500, 'internal error\n');
      else response.destroy();
    });
  });
  // Probes are one-shot requests; short timeouts keep a stuck client from holding a socket.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  let closed: Promise<void> | undefined;
  return {
    port,
    setReady: (value) => {
      ready = value;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection would otherwise hold close() open until it times out.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  ready: boolean,
  opts: HealthServerOptions,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    reply(response, 405, 'method not allowed\n');
    return;
  }
  // Only the path matters; probes and scrapers may add query strings.
  const path = (request.url ?? '/').split('?', 1)[0];
  switch (path) {
    case '/healthz':
      reply(response, 200, 'ok\n');
      return;
    case '/readyz':
      reply(response, ready ? 200 : 503, ready ? 'ready\n' : 'not ready\n');
      return;
    case '/metrics':
      reply(response, 200, await opts.registry.metrics(), opts.registry.contentType);
      return;
    default:
      reply(response, 404, 'not found\n');
  }
}

function reply(
  response: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
