/**
 * A strict JSON reader with Go `encoding/json` syntax rules, for annotations and NAD configs.
 *
 * `JSON.parse` is not enough because Go's decoding depends on things it throws away: the
 * document order of duplicate keys (Go applies every occurrence in turn, `JSON.parse` keeps a
 * key at its first position with its last value) and the literal text of numbers (Go refuses
 * `1.0` for an integer field). So objects come back as entry lists in document order and
 * numbers keep their text; {@link toJsonValue} turns a tree into plain JSON data.
 */

/** JSON data as it crosses workflow boundaries: plain objects, arrays and primitives only. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A plain JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A number together with its literal text, e.g. `1e3` (value 1000). */
export class JsonNumber {
  constructor(
    readonly text: string,
    readonly value: number,
  ) {}
}

/** An object as written: every member in document order, duplicates included. */
export class JsonEntries {
  constructor(readonly entries: ReadonlyArray<readonly [string, JsonTree]>) {}
}

/** A parsed document before it is made plain. */
export type JsonTree = null | boolean | string | JsonNumber | JsonEntries | JsonTree[];

/**
 * Deepest nesting accepted. Go allows 10,000 levels, but `JSON.stringify` (which our rewrite
 * and Temporal's payload converter use) overflows V8's stack at about 4,000, so a document
 * we accepted could not be written back or passed to a workflow. Real annotations and NAD
 * configs nest a handful of levels.
 */
export const MAX_JSON_DEPTH = 1_000;

/** Thrown by {@link parseJsonText}; callers wrap it in their own domain error. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
}

type Frame =
  { kind: 'array'; items: JsonTree[] } | { kind: 'object'; entries: Array<readonly [string, JsonTree]>; key: string };

// Characters a string may hold without escaping; skipping runs of them keeps big inputs fast.
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Parses one JSON document (RFC 8259, as Go accepts it: no comments, no trailing commas,
 * no single quotes, nothing after the value) nested at most {@link MAX_JSON_DEPTH} levels.
 * It is iterative, so hostile nesting fails cleanly instead of overflowing the stack.
 * @throws JsonSyntaxError naming the offset of the problem; also for deeper nesting and for
 * numbers beyond the float64 range, which Go refuses wherever it decodes them as numbers.
 */
export function parseJsonText(text: string): JsonTree {
  let pos = 0;
  const stack: Frame[] = [];

  const fail: (what: string) => never = (what) => {
    throw new JsonSyntaxError(pos >= text.length ? `${what} at end of input` : `${what} at offset ${pos}`);
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      pos++;
    }
  };
  const readString = (): string => {
    if (text.charCodeAt(pos) !== 0x22) fail('expected a string');
    pos++;
    let out = '';
    let start = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(start, pos++);
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        PLAIN_RUN.lastIndex = pos + 1;
        PLAIN_RUN.test(text);
        pos = PLAIN_RUN.lastIndex;
        continue;
      }
      out += text.slice(start, pos);
      const esc = text.charAt(pos + 1);
      if (esc === 'u') {
        const hex = text.slice(pos + 2, pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        pos += 6;
      } else {
        const decoded = Object.hasOwn(ESCAPES, esc) ? ESCAPES[esc] : undefined;
        if (decoded === undefined) fail('invalid escape');
        out += decoded;
        pos += 2;
      }
      start = pos;
    }
  };
  const readKey = (): string => {
    skipSpace();
    const key = readString();
    skipSpace();
    if (text.charCodeAt(pos) !== 0x3a) fail("expected ':'");
    pos++;
    return key;
  };
  const expectWord = (word: string): void => {
    if (!text.startsWith(word, pos)) fail('invalid literal');
    pos += word.length;
  };

  for (;;) {
    skipSpace();
    let value: JsonTree;
    const c = text.charAt(pos);
    if (c === '[' || c === '{') {
      if (stack.length >= MAX_JSON_DEPTH) fail('exceeded max depth');
      pos++;
      skipSpace();
      if (c === '[') {
        if (text.charAt(pos) !== ']') {
          stack.push({ kind: 'array', items: [] });
          continue;
        }
        pos++;
        value = [];
      } else {
        if (text.charAt(pos) !== '}') {
          stack.push({ kind: 'object', entries: [], key: readKey() });
          continue;
        }
        pos++;
        value = new JsonEntries([]);
      }
    } else if (c === '"') {
      value = readString();
    } else if (c === 't') {
      expectWord('true');
      value = true;
    } else if (c === 'f') {
      expectWord('false');
      value = false;
    } else if (c === 'n') {
      expectWord('null');
      value = null;
    } else {
      NUMBER.lastIndex = pos;
      const match = NUMBER.exec(text);
      if (match === null) fail('expected a value');
      const literal = (match as RegExpExecArray)[0];
      const number = Number(literal);
      if (!Number.isFinite(number)) fail(`number ${literal.slice(0, 40)} out of float64 range`);
      pos += literal.length;
      value = new JsonNumber(literal, number);
    }

    // Attach the value to its container; close as many containers as the input closes.
    for (;;) {
      const top = stack.at(-1);
      if (top === undefined) {
        skipSpace();
        if (pos !== text.length) fail('unexpected data after the top-level value');
        return value;
      }
      if (top.kind === 'array') top.items.push(value);
      else top.entries.push([top.key, value]);
      skipSpace();
      const d = text.charAt(pos);
      if (d === ',') {
        pos++;
        if (top.kind === 'object') top.key = readKey();
        break;
      }
      if (d !== (top.kind === 'array' ? ']' : '}'))
        fail(top.kind === 'array' ? "expected ',' or ']'" : "expected ',' or '}'");
      pos++;
      stack.pop();
      value = top.kind === 'array' ? top.items : new JsonEntries(top.entries);
    }
  }
}

/**
 * Converts a tree to plain JSON data. A duplicated key keeps its last value at the position
 * of its last occurrence. Objects are built with `Object.fromEntries`, which defines own
 * properties, so keys such as `__proto__` stay ordinary data and never touch a prototype.
 */
export function toJsonValue(tree: JsonTree): JsonValue {
  if (tree instanceof JsonNumber) return tree.value;
  if (tree instanceof JsonEntries) return plainObject(tree.entries.map(([k, v]) => [k, toJsonValue(v)] as const));
  if (Array.isArray(tree)) return tree.map(toJsonValue);
  return tree;
}

/**
 * Builds a plain object from entries; for a repeated key the last occurrence wins, value and
 * position. Safe for any key, `__proto__` included.
 */
export function plainObject(entries: ReadonlyArray<readonly [string, JsonValue]>): JsonObject {
  const seen = new Set<string>();
  const kept: Array<readonly [string, JsonValue]> = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i] as readonly [string, JsonValue];
    if (seen.has(entry[0])) continue;
    seen.add(entry[0]);
    kept.push(entry);
  }
  return Object.fromEntries(kept.reverse()) as JsonObject;
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names a JSON value's type the way Go's decoding errors do. */
export function jsonTypeName(value: JsonTree): string {
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return 'number';
  if (value instanceof JsonEntries) return 'object';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'string' ? 'string' : 'bool';
}

/**
 * Go's case folding for struct field names (`encoding/json` `foldName`): ASCII letters match
 * either case, and the two non-ASCII runes whose simple fold is ASCII, U+017F (ſ, long s) and
 * U+212A (K, Kelvin sign), match `s` and `k`. Compare the results of two calls.
 */
export function foldKey(key: string): string {
  return key.replace(/[A-Z\u017f\u212a]/g, (ch) => (ch === '\u017f' ? 's' : ch === '\u212a' ? 'k' : ch.toLowerCase()));
}
