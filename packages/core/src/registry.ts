/**
 * The connector registry. Built-ins are found by name and loaded lazily (a dynamic import of
 * the connector package, so an app installs only the backends it uses); third parties register
 * theirs, or pass the object in the config.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from "neverthrow";
import type { IStreamingConnector } from "./connector.js";
import { qiError, validationError, type QiError } from "./errors/qi-error.js";
import { memoryConnector } from "./memory/connector.js";

/** Built-in connectors living in their own packages. */
export const BUILTIN_PACKAGES: Readonly<Record<string, string>> = {
  kafkajs: "@qi/streaming-kafkajs",
  confluent: "@qi/streaming-confluent",
  platformatic: "@qi/streaming-platformatic",
};

const registered = new Map<string, IStreamingConnector>([[memoryConnector.name, memoryConnector]]);
const NAME = /^[a-z][a-z0-9-]{0,63}$/;

/** Checks that a value has the connector shape, so a third-party mistake is a clear error. */
export function checkConnector(value: unknown): Result<IStreamingConnector, QiError> {
  const c = value as Partial<IStreamingConnector> | null;
  if (typeof c !== "object" || c === null) return err(validationError("connector", "must be a connector object"));
  if (typeof c.name !== "string" || !NAME.test(c.name)) return err(validationError("connector.name", "must be lower case [a-z0-9-], starting with a letter"));
  for (const f of ["createProducer", "createConsumer", "createAdmin", "healthCheck"] as const) {
    if (typeof c[f] !== "function") return err(validationError(`connector.${f}`, "must be a function"));
  }
  const caps = c.capabilities as unknown as Record<string, unknown> | null | undefined;
  if (typeof caps !== "object" || caps === null) return err(validationError("connector.capabilities", "must be an object"));
  for (const flag of ["network", "sasl", "seek", "pauseResume", "eachBatch", "idempotentProducer"]) {
    if (typeof caps[flag] !== "boolean") return err(validationError(`connector.capabilities.${flag}`, "must be a boolean"));
  }
  if (!Array.isArray(caps.compression)) return err(validationError("connector.capabilities.compression", "must be an array of codec names"));
  return ok(c as IStreamingConnector);
}

/** Registers a third-party connector under its name; a built-in name cannot be taken. */
export function registerConnector(connector: IStreamingConnector): Result<void, QiError> {
  const checked = checkConnector(connector);
  if (checked.isErr()) return err(checked.error);
  const { name } = checked.value;
  if (name === memoryConnector.name || name in BUILTIN_PACKAGES) {
    return err(qiError("CONFLICT", "CONNECTOR_NAME_TAKEN", `"${name}" is a built-in connector name`, { context: { field: "connector.name" } }));
  }
  registered.set(name, checked.value);
  return ok(undefined);
}

/** Removes a registered connector (for tests). */
export function unregisterConnector(name: string): void {
  if (name !== memoryConnector.name) registered.delete(name);
}

/** The connector registered under `name` (memory, a third party's, or a built-in already loaded). */
export function registeredConnector(name: string): IStreamingConnector | undefined {
  return registered.get(name);
}

/** True when the name can be resolved (registered or built-in), without loading anything. */
export function isKnownConnector(name: string): boolean {
  return registered.has(name) || name in BUILTIN_PACKAGES;
}

function fromModule(mod: unknown, pkg: string): Result<IStreamingConnector, QiError> {
  const m = mod as { connector?: unknown; default?: unknown };
  const candidate = m.connector ?? (m.default as { connector?: unknown } | undefined)?.connector ?? m.default;
  const checked = checkConnector(candidate);
  return checked.isErr() ? err(qiError("INTERNAL", "CONNECTOR_INVALID", `${pkg} does not export a valid connector: ${checked.error.message}`)) : checked;
}

/**
 * Imports a connector package: from core's own location first, then from the application's
 * (the working directory), since strict installers (pnpm) do not let core see packages that are
 * only the application's dependencies.
 */
async function importConnectorPackage(pkg: string): Promise<unknown> {
  try {
    return await import(pkg);
  } catch (first) {
    try {
      const resolved = createRequire(join(process.cwd(), "package.json")).resolve(pkg);
      return await import(pathToFileURL(resolved).href);
    } catch {
      throw first;
    }
  }
}

/** Finds a connector by name (loading a built-in package on first use) or checks an object. */
export function resolveConnector(spec: string | IStreamingConnector): ResultAsync<IStreamingConnector, QiError> {
  if (typeof spec !== "string") {
    const checked = checkConnector(spec);
    return checked.isErr() ? errAsync(checked.error) : okAsync(checked.value);
  }
  const found = registered.get(spec);
  if (found) return okAsync(found);
  const pkg = BUILTIN_PACKAGES[spec];
  if (pkg === undefined) {
    const known = [...registered.keys(), ...Object.keys(BUILTIN_PACKAGES)].join(", ");
    return errAsync(validationError("connector", `unknown connector "${spec.slice(0, 60)}" (known: ${known}; or registerConnector() your own)`));
  }
  return ResultAsync.fromPromise(importConnectorPackage(pkg), (cause) =>
    qiError("NOT_FOUND", "CONNECTOR_NOT_INSTALLED", `connector "${spec}" needs the package ${pkg} (and its client library): install it`, { cause }),
  ).andThen((mod) => {
    const c = fromModule(mod, pkg);
    if (c.isOk()) registered.set(spec, c.value);
    return c;
  });
}
