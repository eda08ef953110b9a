/**
 * The life of one UFM request: count it, apply injected faults, authenticate, route, parse the
 * body, run the handler (mutations serialised), answer and log. The order mirrors UFM's stack:
 * Apache checks the request line and credentials before the REST service sees anything.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { UfmPrefix } from './auth';
import type { SimulatorCore } from './core';
import type { FaultDecision } from './faults';
import { type BodyRead, isJsonContentType, readBody, sendErrorPage, sendJson, sendRaw } from './http-io';
import { SimHttpError } from './identifiers';
import { handleLogin } from './login';
import { loginPage } from './pages';
import { matchRoute, type RouteMatch, type RouteResult } from './routes';
import type { RequestLogEntry } from './types';

const PREFIX = /^\/ufmRest(?:V2|V3)?(?=\/|$)/;
const LOGIN_PATH = '/dologin';
const UNMATCHED = '(unmatched)';

/** Where a request is headed, decided from its path alone. */
type Target =
  | { kind: 'ufm'; prefix: UfmPrefix; match: RouteMatch; badPath?: SimHttpError }
  | { kind: 'login' }
  | { kind: 'nowhere' };

/** A request on its way through the pipeline. */
interface Exchange {
  core: SimulatorCore;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  entry: RequestLogEntry;
  bodyBytes: number;
}

/**
 * Serves one request outside `/__sim`: a UFM route under a `/ufmRest*` prefix, or `/dologin`.
 * @param signal aborted when the simulator closes, to cut injected delays short.
 * @throws AbortError when the simulator closes during an injected delay.
 */
export async function handleUfmRequest(
  core: SimulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  signal: AbortSignal,
): Promise<void> {
  const method = req.method ?? 'GET';
  const prefix = PREFIX.exec(url.pathname)?.[0] as UfmPrefix | undefined;
  const path = trimSlash(prefix === undefined ? url.pathname : url.pathname.slice(prefix.length));
  const target = resolveTarget(method, prefix, path);
  const route =
    target.kind === 'login' ? LOGIN_PATH : target.kind === 'ufm' ? (target.match?.pattern ?? UNMATCHED) : UNMATCHED;
  const entry: RequestLogEntry = { method, path: req.url ?? '', route, authVariant: 'none', status: 0 };
  const ex: Exchange = { core, req, res, url, entry, bodyBytes: 0 };
  core.recorder.count(method, route);
  if (target.kind === 'nowhere') return answerPage(ex, 404);
  if (`${method} ${req.url ?? ''} HTTP/${req.httpVersion}`.length > core.knobs.maxRequestLine) {
    return answerPage(ex, 414);
  }

  const faults = core.faults.decide(method, path);
  if (faults.outcome?.kind === 'down') return dropConnection(ex);
  const latency = faults.latencyMs + core.knobs.baseLatencyMs;
  if (latency > 0) await delay(latency, undefined, { signal });
  const body = await readBody(req, core.knobs.maxBodyBytes);
  ex.bodyBytes = body.bytes;
  if (faults.outcome?.kind === 'reset') return dropConnection(ex);
  if (target.kind === 'ufm' && !authenticate(ex, target.prefix)) return;
  if (answerFaultBefore(ex, faults)) return;

  if (target.kind === 'login') return finish(ex, handleLogin(core, req, res, body));
  const result = await runRoute(ex, target, body);
  if (result) answerAfter(ex, faults, result);
}

function resolveTarget(method: string, prefix: UfmPrefix | undefined, path: string): Target {
  if (prefix === undefined) return path === LOGIN_PATH ? { kind: 'login' } : { kind: 'nowhere' };
  try {
    return { kind: 'ufm', prefix, match: matchRoute(method, path) };
  } catch (err) {
    return { kind: 'ufm', prefix, match: undefined, badPath: err as SimHttpError };
  }
}

/** Checks credentials, answering 401 when they fail. @returns whether the request may go on. */
function authenticate(ex: Exchange, prefix: UfmPrefix): boolean {
  const auth = ex.core.auth.authenticate(prefix, ex.req.headers.authorization, ex.req.headers.cookie);
  ex.entry.authVariant = auth.variant;
  if (auth.ok) return true;
  // Apache challenges for basic credentials on the basic prefix only.
  answerPage(ex, 401, prefix === '/ufmRest' ? { 'www-authenticate': 'Basic realm="UFM"' } : {});
  return false;
}

/**
 * Validates the request against its route and runs the handler, mutations in the serial queue.
 * @returns the handler's answer, or undefined when an error was already answered.
 */
async function runRoute(ex: Exchange, target: Extract<Target, { kind: 'ufm' }>, body: BodyRead) {
  const { match, badPath } = target;
  if (badPath) return answerError(ex, badPath);
  if (!match) return answerPage(ex, 404);
  if (!match.route) return answerPage(ex, 405, { allow: match.allowed.join(', ') });
  if (body.tooLarge) return answerPage(ex, 413);
  const chosen = match.route;
  let parsed: unknown;
  if (chosen.takesBody) {
    if (!isJsonContentType(ex.req.headers['content-type'])) return answerPage(ex, 415);
    try {
      parsed = JSON.parse(body.data.toString('utf8'));
    } catch {
      return answerError(ex, new SimHttpError(400, 'request body is not valid JSON'));
    }
    ex.entry.body = cloneForLog(parsed);
  }
  const { store, auth } = ex.core;
  const ctx = { params: match.params, query: ex.url.searchParams, body: parsed, store, auth, knobs: ex.core.knobs };
  const run = (): RouteResult | SimHttpError => {
    try {
      return chosen.handle(ctx);
    } catch (err) {
      if (err instanceof SimHttpError) return err;
      throw err;
    }
  };
  const result = chosen.mutates ? await ex.core.queue.run(run) : run();
  if (result instanceof SimHttpError) return answerError(ex, result);
  return result;
}

/** Answers the faults that stop a request before it is handled. @returns whether one did. */
function answerFaultBefore(ex: Exchange, faults: FaultDecision): boolean {
  const outcome = faults.outcome;
  switch (outcome?.kind) {
    case 'status':
      answerPage(ex, outcome.status ?? 503);
      return true;
    case 'unauthorized':
      answerPage(ex, 401);
      return true;
    case 'html-200':
      sendRaw(ex.res, 200, 'text/html; charset=utf-8', loginPage());
      finish(ex, 200);
      return true;
    case 'hang':
      // Leave the response open; the client's timeout ends it, or close() destroys the socket.
      finish(ex, 0);
      return true;
    default:
      return false;
  }
}

/** Answers a handled request, applying the faults that act after handling. */
function answerAfter(ex: Exchange, faults: FaultDecision, result: RouteResult): void {
  const outcome = faults.outcome;
  if (outcome?.kind === 'apply-then-fail') {
    // The change is committed; only the answer is lost, to exercise idempotent retries.
    if (outcome.status === undefined) return finish(ex, 0);
    return answerPage(ex, outcome.status);
  }
  if (outcome?.kind === 'malformed-json' && result.status === 200) {
    // As if the body were cut in transit: the change is applied, the JSON does not parse.
    const text = JSON.stringify(result.body);
    sendRaw(ex.res, 200, 'application/json', text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    return finish(ex, 200);
  }
  sendJson(ex.res, result.status, result.body);
  finish(ex, result.status);
}

function answerPage(ex: Exchange, status: number, headers: Record<string, string> = {}): void {
  sendErrorPage(ex.res, status, headers);
  finish(ex, status);
}

function answerError(ex: Exchange, err: SimHttpError): void {
  sendRaw(ex.res, err.status, 'text/plain; charset=utf-8', `${err.message}\n`);
  finish(ex, err.status);
}

function dropConnection(ex: Exchange): void {
  ex.req.socket.destroy();
  finish(ex, 0);
}

function finish(ex: Exchange, status: number): void {
  ex.entry.status = status;
  ex.core.recorder.log(ex.entry, ex.bodyBytes);
}

// A detached copy, so later changes cannot alter the log; bodies JSON cannot re-encode are left out.
function cloneForLog(body: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(body)) as unknown;
  } catch {
    return undefined;
  }
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path || '/';
}
