/** Helpers for connectors' pass-through options (`config.options`), shared by every connector. */
import { err, ok, type Result } from "neverthrow";
import type { OptionsSchema } from "../connector.js";
import { validationError, type QiError } from "../errors/qi-error.js";
import { isSecretKey } from "../logger.js";
import { revealSecret } from "./secrets.js";

/** The options among `keys` that are set, for the client object they belong to (a secret-looking one revealed: it goes to the client). */
export function pickOptions(options: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (options[k] !== undefined) out[k] = revealSecret(options[k]);
  return out;
}

/** Every key of a connector's pass-through option groups (its `optionKeys`). */
export function allOptionKeys(groups: Readonly<Record<string, readonly string[]>>): readonly string[] {
  return [...new Set(Object.values(groups).flat())];
}

/**
 * Validates `options` against a connector's Standard Schema: the first issue is a `VALIDATION`
 * error naming `options.<path>`. Never throws; a schema that throws or answers asynchronously
 * is reported as a connector mistake (`connector.optionsSchema`).
 */
export function checkOptionsSchema(connectorName: string, schema: OptionsSchema | undefined, options: Readonly<Record<string, unknown>>): Result<void, QiError> {
  if (schema === undefined) return ok(undefined);
  const context = { connector: connectorName, operation: "config" };
  let result: unknown;
  try {
    result = schema["~standard"].validate(options);
  } catch {
    return err(validationError("connector.optionsSchema", "threw while validating options", context));
  }
  if (result instanceof Promise) {
    result.catch(() => {});
    return err(validationError("connector.optionsSchema", "must validate synchronously", context));
  }
  const issues = (result as { issues?: ReadonlyArray<{ message?: unknown; path?: ReadonlyArray<unknown> }> } | null)?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return ok(undefined);
  const issue = issues[0] as { message?: unknown; path?: ReadonlyArray<unknown> };
  const path = (issue.path ?? []).map((p) => (typeof p === "object" && p !== null && "key" in p ? (p as { key: unknown }).key : p));
  const field = ["options", ...path.map((p) => String(p))].join(".");
  // A secret-looking option's value may be in a schema's message: it is never shown.
  const message = isSecretKey(String(path[0] ?? "")) ? "is not valid" : typeof issue.message === "string" ? issue.message.slice(0, 300) : "is not valid";
  return err(validationError(field, message, context));
}
