/**
 * The UFM resource tree shared by every `/ufmRest*` prefix: route table, path matching and the
 * handlers. Handlers are synchronous and either return a JSON answer or throw SimHttpError.
 */
import type { Authenticator } from './auth';
import { formatPkey, parseGuid, parsePkey, SimHttpError } from './identifiers';
import { parseCreateBody, parseMembersBody, parseQosBody, parseRemoveBody } from './requests';
import type { PKeyStore, ReadQuery } from './state';
import type { SimulatorKnobs } from './types';

/** What a handler sees of one request. */
export interface RouteContext {
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Parsed JSON body; undefined for routes that take none. */
  body: unknown;
  store: PKeyStore;
  auth: Authenticator;
  knobs: Readonly<SimulatorKnobs>;
}

/** A JSON answer. */
export interface RouteResult {
  status: number;
  body: unknown;
}

/** One method on one path pattern. */
export interface Route {
  method: string;
  /** Pattern with `:name` segments; also the route's name in counters and the log. */
  pattern: string;
  /** Whether the route reads a JSON body. */
  takesBody: boolean;
  /** Whether the route changes the PKey state, so it runs in the serial queue. */
  mutates: boolean;
  handle(ctx: RouteContext): RouteResult;
}

/** Result of matching a path: a route, or the methods the path would allow. */
export type RouteMatch =
  | { route: Route; params: Record<string, string>; pattern: string }
  | { route?: undefined; pattern: string; allowed: string[] }
  | undefined;

const OK: RouteResult = { status: 200, body: {} };

// Version strings of a UFM release of each shape; only `ufm_release_version` is stable to rely on.
const VERSION_PRE_618 = { ufm_release_version: '6.17.0-5' };
const VERSION_618 = {
  ufm_release_version: '6.19.0-8',
  opensm: '5.20.0.MLNX20240709.4e9d1bf2',
  sharp: '3.8.0.MLNX20240530.7c8e8ea3',
  ibdiagnet: '2.13.0.7a9d5d7',
  telemetry: '1.18.0-3',
  mft: '4.29.0-131',
  ufm_webui: '6.19.0-8',
  plugins: {},
};

function readQuery(query: URLSearchParams): ReadQuery {
  const on = (name: string): boolean => query.get(name)?.toLowerCase() === 'true';
  return { guids: on('guids_data'), qos: on('qos_conf') };
}

function listPkeys(ctx: RouteContext): RouteResult {
  const query = readQuery(ctx.query);
  // Without either flag UFM answers a different, not pkey-keyed shape; its exact form is unknown (U).
  if (!query.guids && !query.qos) return { status: 200, body: ctx.store.pkeys().map(formatPkey) };
  // NVIDIA bug 5409095: both flags on the list endpoint return unexpected data; we drop `guids`.
  if (query.guids && query.qos && ctx.knobs.listBothQueryBug) query.guids = false;
  return { status: 200, body: ctx.store.list(query) };
}

function getPkey(ctx: RouteContext): RouteResult {
  const pkey = parsePkey(ctx.params['pkey'], false);
  const body = ctx.store.describe(pkey, readQuery(ctx.query));
  if (body) return { status: 200, body };
  return { status: ctx.knobs.unknownPkeyGet === '404' ? 404 : 200, body: {} };
}

function addGuids(ctx: RouteContext, membershipField: 'membership' | 'default_membership'): RouteResult {
  const honourMemberships = membershipField === 'membership' && ctx.knobs.postMemberships === 'honour';
  const { pkey, members, attrs } = parseMembersBody(ctx.body, { membershipField, honourMemberships });
  ctx.store.addMembers(pkey, members, attrs);
  return OK;
}

function setGuids(ctx: RouteContext): RouteResult {
  const { pkey, members, attrs } = parseMembersBody(ctx.body, {
    membershipField: 'membership',
    honourMemberships: true,
  });
  ctx.store.setMembers(pkey, members, attrs);
  return OK;
}

function removeGuidsInPath(ctx: RouteContext): RouteResult {
  if (ctx.knobs.deleteGuidsRoute === '405') throw new SimHttpError(405, 'method not allowed');
  const pkey = parsePkey(ctx.params['pkey'], true);
  const guids = [...new Set((ctx.params['guids'] ?? '').split(',').map(parseGuid))];
  ctx.store.removeMembers(pkey, guids);
  return OK;
}

function removeGuidsInBody(ctx: RouteContext): RouteResult {
  const { pkey, guids } = parseRemoveBody(ctx.body);
  ctx.store.removeMembers(pkey, guids);
  return OK;
}

function createPkey(ctx: RouteContext): RouteResult {
  const { pkey, attrs } = parseCreateBody(ctx.body);
  ctx.store.createPartition(pkey, attrs);
  return OK;
}

function deletePkey(ctx: RouteContext): RouteResult {
  ctx.store.deletePartition(parsePkey(ctx.params['pkey'], true));
  return OK;
}

function updateQos(ctx: RouteContext): RouteResult {
  const { pkey, qos } = parseQosBody(ctx.body);
  ctx.store.updateQos(pkey, qos);
  return OK;
}

function route(
  method: string,
  pattern: string,
  handle: Route['handle'],
  opts: { mutates?: boolean; takesBody?: boolean } = {},
): Route {
  const takesBody = opts.takesBody ?? (method === 'POST' || method === 'PUT');
  return { method, pattern, takesBody, mutates: opts.mutates ?? false, handle };
}

const MUTATES = { mutates: true };

/** Every UFM route the simulator serves, below the prefix. */
export const ROUTES: readonly Route[] = [
  route('GET', '/app/ufm_version', (ctx) => ({
    status: 200,
    body: ctx.knobs.versionShape === 'pre-6.18' ? VERSION_PRE_618 : VERSION_618,
  })),
  route('GET', '/app/tokens', (ctx) => ({ status: 200, body: ctx.auth.listTokens() })),
  route('POST', '/app/tokens', (ctx) => ({ status: 200, body: ctx.auth.issueToken() }), { takesBody: false }),
  route('GET', '/resources/pkeys', listPkeys),
  route('POST', '/resources/pkeys', (ctx) => addGuids(ctx, 'membership'), MUTATES),
  route('PUT', '/resources/pkeys', setGuids, MUTATES),
  route('POST', '/resources/pkeys/add', createPkey, MUTATES),
  route('PUT', '/resources/pkeys/qos_conf', updateQos, MUTATES),
  // An older NVIDIA client updates QoS with POST (BMM).
  route('POST', '/resources/pkeys/qos_conf', updateQos, MUTATES),
  route('GET', '/resources/pkeys/:pkey', getPkey),
  route('DELETE', '/resources/pkeys/:pkey', deletePkey, MUTATES),
  route('DELETE', '/resources/pkeys/:pkey/guids/:guids', removeGuidsInPath, MUTATES),
  route('POST', '/actions/remove_guids_from_pkey', removeGuidsInBody, MUTATES),
  route('POST', '/actions/add_guids_to_pkey', (ctx) => addGuids(ctx, 'default_membership'), MUTATES),
  route('GET', '/actions/get_all_pkeys', listPkeys),
];

/**
 * Finds the route for a path below the prefix (trailing slash already removed).
 * Literal segments win over `:params`, so `POST /resources/pkeys/add` creates rather than
 * matching a `:pkey` route.
 * @throws SimHttpError 400 when a path segment is not valid percent-encoding.
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = path.split('/').map(decodeSegment);
  const matches = ROUTES.flatMap((candidate) => {
    const params = matchPattern(candidate.pattern, segments);
    return params ? [{ route: candidate, params, literals: countLiterals(candidate.pattern) }] : [];
  }).sort((a, b) => b.literals - a.literals);
  const hit = matches.find((m) => m.route.method === method);
  if (hit) return { route: hit.route, params: hit.params, pattern: hit.route.pattern };
  const closest = matches[0];
  if (!closest) return undefined;
  return { pattern: closest.route.pattern, allowed: [...new Set(matches.map((m) => m.route.method))] };
}

function countLiterals(pattern: string): number {
  return pattern.split('/').filter((s) => !s.startsWith(':')).length;
}

function matchPattern(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SimHttpError(400, 'malformed percent-encoding in the path');
  }
}
