/**
 * Reading user input defensively, in one place. Whatever an application hands the library (a
 * config, a message, a handler's result) may be hostile: a getter that throws, a revoked
 * `Proxy`, a `has` trap that throws, an object with no prototype (`String()` of it throws), a
 * BigInt or a symbol (`JSON.stringify` and template strings throw on them), a cyclic or frozen
 * object. The guards read each user-supplied object once, inside a `try`, into a plain copy,
 * and validate that copy; nothing here throws out of `readInput` or `describeValue`.
 */
import { err, ok, type Result } from "neverthrow";
import { Secret } from "../config/secrets.js";
import { validationError, type ErrorContext, type QiError } from "../errors/qi-error.js";

const UNREADABLE = "an unreadable value (a revoked Proxy or a throwing getter or trap)";

/** The name of an object's class, or undefined; never throws. */
function className(value: object): string | undefined {
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === null) return undefined;
    const ctor: unknown = (proto as { constructor?: unknown }).constructor;
    const name: unknown = typeof ctor === "function" ? (ctor as { name?: unknown }).name : undefined;
    return typeof name === "string" && name.length > 0 ? name.slice(0, 60) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A short, safe description of any value, for error messages: `"abc"`, `10n`, `Symbol(x)`,
 * `an object with no prototype (keys: a, b)`, `a Map`, `an array of 3`, or
 * `an unreadable value (...)`. Never throws, never calls user code other than property reads
 * and traps inside a `try`.
 */
export function describeValue(value: unknown, max = 60): string {
  try {
    switch (typeof value) {
      case "string":
        return JSON.stringify(value.length > max ? `${value.slice(0, max)}...` : value);
      case "bigint":
        return `${value.toString()}n (a BigInt)`;
      case "symbol":
        return `${value.toString().slice(0, max)} (a symbol)`;
      case "function": {
        const name: unknown = (value as { name?: unknown }).name;
        return typeof name === "string" && name.length > 0 ? `a function (${name.slice(0, max)})` : "a function";
      }
      case "number":
      case "boolean":
      case "undefined":
        return String(value);
      default: {
        if (value === null) return "null";
        const obj = value as object;
        if (Array.isArray(obj)) return `an array of ${obj.length}`;
        const proto: unknown = Object.getPrototypeOf(obj);
        if (proto === null) {
          const keys = Object.keys(obj).slice(0, 5);
          return keys.length > 0 ? `an object with no prototype (keys: ${keys.join(", ").slice(0, max)})` : "an object with no prototype";
        }
        const name = className(obj);
        if (name === undefined || name === "Object") {
          const keys = Object.keys(obj).slice(0, 5);
          return keys.length > 0 ? `an object (keys: ${keys.join(", ").slice(0, max)})` : "an empty object";
        }
        return `a ${name}`;
      }
    }
  } catch {
    return UNREADABLE;
  }
}

/**
 * What a thrown or rejected value says, as text: a string as it is, an `Error`'s (or any
 * object's) string `message`, else a description of the value (`a non-Error value was thrown:
 * an object with no prototype`). Never throws.
 */
export function describeThrown(thrown: unknown): string {
  if (typeof thrown === "string") return thrown;
  try {
    if (typeof thrown === "object" && thrown !== null) {
      const message: unknown = (thrown as { message?: unknown }).message;
      if (typeof message === "string" && message.length > 0) return message;
    }
  } catch {
    return `a non-Error value was thrown: ${UNREADABLE}`;
  }
  return `a non-Error value was thrown: ${describeValue(thrown)}`;
}

/** A user object that cannot be copied: a cycle, or nested too deep. */
class UncopyableInput extends Error {}
/** Ours, recognised without `instanceof` (which runs a thrown Proxy's `getPrototypeOf` trap). */
const uncopyable = new WeakSet<object>();
function uncopyableInput(reason: string): UncopyableInput {
  const error = new UncopyableInput(reason);
  uncopyable.add(error);
  return error;
}

/** A value kept as it is: bytes, a `Secret` (brand checks: internal slots, not prototypes, so a Proxy is not one). */
function isValueObject(value: object): boolean {
  if (ArrayBuffer.isView(value) || Secret.holds(value)) return true;
  try {
    Date.prototype.getTime.call(value);
    return true; // a real Date
  } catch {
    return false;
  }
}

/** Whether an object is plain data (an array, a plain or prototype-less object). Reads its prototype (a trap may throw). */
function isPlainData(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

const MAX_DEPTH = 32;
const MAX_LENGTH = 1_000_000;

function copy(value: unknown, depth: number, ancestors: Set<object>, lenient: boolean): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (isValueObject(value)) return value;
  // Strict: any other object is read as plain data (own enumerable keys). Lenient (a client's
  // own options): a class instance (an Agent, a SecureContext) is kept as it is.
  if (lenient && !isPlainData(value)) return value;
  if (ancestors.has(value)) throw uncopyableInput("is a cyclic object");
  if (depth >= MAX_DEPTH) throw uncopyableInput(`is nested deeper than ${MAX_DEPTH} levels`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const length = value.length;
      if (length > MAX_LENGTH) throw uncopyableInput(`has more than ${MAX_LENGTH} items`);
      const out: unknown[] = new Array<unknown>(length);
      for (let i = 0; i < length; i++) out[i] = copy(value[i], depth + 1, ancestors, lenient);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = copy((value as Record<string, unknown>)[key], depth + 1, ancestors, lenient);
      // `out.__proto__ = v` would set the copy's prototype: define it as a plain property instead.
      if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * A plain copy of user data: every object is copied as plain data (arrays item by item, other
 * objects by their own enumerable string keys, each read once) except bytes, Dates and
 * `Secret`s, kept as they are, as are primitives and functions. `lenient` (for a client's own
 * options) also keeps class instances as they are. Throws what a getter or trap throws, or for
 * a cycle: call it inside `readInput`.
 */
export function plainCopy(value: unknown, lenient = false): unknown {
  return copy(value, 0, new Set(), lenient);
}

/**
 * A plain copy of an object of a client library's options: the object itself is read as plain
 * data (its own keys, each once), its values leniently (a class instance kept as it is).
 */
export function optionsCopy(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value) || isValueObject(value)) return plainCopy(value, true);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, { value: plainCopy((value as Record<string, unknown>)[key], true), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Runs `read` (which reads user input) and turns anything it throws into a `VALIDATION` error
 * naming `field` and saying what went wrong. The one `try` around every read of user input.
 */
export function readInput<T>(field: string, read: () => T, context: ErrorContext = {}): Result<T, QiError> {
  try {
    return ok(read());
  } catch (error) {
    if (typeof error === "object" && error !== null && uncopyable.has(error)) return err(validationError(field, (error as Error).message, context));
    return err(validationError(field, `could not be read (${describeThrown(error).slice(0, 200)})`, context));
  }
}

/** True for a non-null, non-array object (call on a plain copy, or inside `readInput`). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
