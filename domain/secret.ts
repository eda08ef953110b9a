/**
 * A credential held in a value that cannot be printed by accident. Upstream logs its UFM basic-auth
 * struct at debug level (`pkg/drivers/http/client.go` `NewClient`); here every way a value is usually
 * turned into text (`JSON.stringify`, template strings, `String()`, `util.inspect`, `console.log`)
 * yields a placeholder, and only an explicit `reveal()` returns the credential.
 */

/** What a {@link Secret} prints instead of its value. */
export const REDACTED = '<redacted>';

// domain/ may not import node:util, so the inspect hook is reached through its registered symbol.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** A string credential whose text forms are all {@link REDACTED}. */
export class Secret {
  // A private field, so neither enumeration, structured clone nor util.inspect can reach it.
  readonly #value: string;

  /** Wraps `value`. Throws nothing; emptiness is the parser's business. */
  constructor(value: string) {
    this.#value = value;
  }

  /** The credential itself; call it only where it is handed to a transport. */
  reveal(): string {
    return this.#value;
  }

  /** True when the wrapped value is the empty string. */
  isEmpty(): boolean {
    return this.#value.length === 0;
  }

  /** JSON form: the placeholder, so a Secret never reaches a payload, memo or log line. */
  toJSON(): string {
    return REDACTED;
  }

  /** Text form: the placeholder. */
  toString(): string {
    return REDACTED;
  }

  /** Template-string and `+` coercion: the placeholder. */
  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  /** `util.inspect` / `console.log` form: the placeholder. */
  [INSPECT](): string {
    return `Secret(${REDACTED})`;
  }
}
