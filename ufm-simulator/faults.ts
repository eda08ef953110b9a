/**
 * Fault injection rules: validation, matching by method and path glob, expiry after `times`
 * and a seeded generator for `probability` and jitter, so a run with the same seed repeats.
 */
import type { FaultKind, FaultRule } from './types';
import { mulberry32 } from './seeded-random';

const KINDS: readonly FaultKind[] = [
  'latency',
  'status',
  'hang',
  'reset',
  'apply-then-fail',
  'malformed-json',
  'html-200',
  'unauthorized',
  'down',
];
const RULE_FIELDS = ['method', 'path', 'kind', 'latencyMs', 'jitterMs', 'status', 'times', 'probability'];
const MAX_DELAY_MS = 10 * 60 * 1000;

/** What the matching rules decide for one request. */
export interface FaultDecision {
  /** Sum of the delays of every matching `latency` rule. */
  latencyMs: number;
  /** The oldest matching non-latency rule, if any. */
  outcome?: { kind: Exclude<FaultKind, 'latency'>; status?: number };
}

interface ActiveRule {
  id: string;
  rule: FaultRule;
  method?: string;
  path?: RegExp;
  remaining: number;
}

/**
 * Checks a rule, e.g. one received as JSON.
 * @returns a copy holding only known fields, with `status` defaulted to 503 for `status` rules.
 * @throws Error naming the offending field.
 */
export function parseFaultRule(input: unknown): FaultRule {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new Error('a fault rule must be an object');
  const raw = input as Record<string, unknown>;
  const get = (name: string): unknown => (Object.hasOwn(raw, name) ? raw[name] : undefined);
  const unknown = Object.keys(raw).find((key) => !RULE_FIELDS.includes(key));
  if (unknown !== undefined) throw new Error(`unknown fault rule field "${unknown}"`);
  const kind = get('kind');
  if (typeof kind !== 'string' || !KINDS.includes(kind as FaultKind)) {
    throw new Error(`fault kind must be one of ${KINDS.join(', ')}`);
  }
  const rule: FaultRule = { kind: kind as FaultKind };
  for (const name of ['method', 'path'] as const) {
    const value = get(name);
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
      throw new Error(`fault ${name} must be a non-empty string`);
    }
    rule[name] = value;
  }
  const latencyMs = integerField(get('latencyMs'), 'latencyMs', 0, MAX_DELAY_MS);
  const jitterMs = integerField(get('jitterMs'), 'jitterMs', 0, MAX_DELAY_MS);
  const status = integerField(get('status'), 'status', 100, 599);
  const times = integerField(get('times'), 'times', 1, Number.MAX_SAFE_INTEGER);
  const probability = get('probability');
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))) {
    throw new Error('fault probability must be a number within 0..1');
  }
  if (rule.kind === 'latency' && latencyMs === undefined && jitterMs === undefined) {
    throw new Error('a latency fault needs latencyMs or jitterMs');
  }
  Object.assign(rule, { latencyMs, jitterMs, times, probability });
  rule.status = status ?? (rule.kind === 'status' ? 503 : undefined);
  for (const key of Object.keys(rule) as (keyof FaultRule)[]) if (rule[key] === undefined) delete rule[key];
  return rule;
}

/** The active fault rules of one simulator. */
export class FaultTable {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  private random: () => number;

  /** @param seed seeds the generator used for `probability` and jitter. */
  constructor(private readonly seed: number) {
    this.random = mulberry32(seed);
  }

  /** Adds a rule, e.g. parsed JSON. @returns its id. @throws Error when the rule is invalid (see {@link parseFaultRule}). */
  add(input: unknown): string {
    const rule = parseFaultRule(input);
    const id = `fault-${this.nextId++}`;
    this.rules.push({
      id,
      rule,
      method: rule.method?.toUpperCase(),
      // Request paths are matched without their trailing slash, so globs are too.
      path: rule.path === undefined ? undefined : globToRegExp(rule.path.replace(/(.)\/$/, '$1')),
      remaining: rule.times ?? Infinity,
    });
    return id;
  }

  /** Removes a rule by id. @returns whether it existed. */
  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  /** Drops every rule and re-seeds the generator, so a reset run repeats the first one. */
  clear(): void {
    this.rules = [];
    this.nextId = 1;
    this.random = mulberry32(this.seed);
  }

  /** Active rules with their ids and remaining uses (`null` = forever). */
  list(): { id: string; rule: FaultRule; remaining: number | null }[] {
    return this.rules.map((r) => ({
      id: r.id,
      rule: { ...r.rule },
      remaining: Number.isFinite(r.remaining) ? r.remaining : null,
    }));
  }

  /**
   * Decides the faults of one request and consumes one use of every rule that fires.
   * @param path the path after the `/ufmRest*` prefix, without query or trailing slash.
   */
  decide(method: string, path: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const active of this.rules) {
      if (active.method !== undefined && active.method !== method.toUpperCase()) continue;
      if (active.path && !active.path.test(path)) continue;
      const { rule } = active;
      if (rule.kind !== 'latency' && decision.outcome) continue;
      if (!this.fires(active)) continue;
      if (rule.kind === 'latency') {
        decision.latencyMs += (rule.latencyMs ?? 0) + Math.floor(this.random() * (rule.jitterMs ?? 0));
      } else {
        decision.outcome = { kind: rule.kind, status: rule.status };
      }
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return decision;
  }

  private fires(active: ActiveRule): boolean {
    const probability = active.rule.probability ?? 1;
    if (probability < 1 && this.random() >= probability) return false;
    active.remaining -= 1;
    return true;
  }
}

/** Converts a glob (`*` any run of characters including `/`, `?` one character) to an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()|[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

function integerField(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`fault ${name} must be an integer within ${min}..${max}`);
  }
  return value;
}
