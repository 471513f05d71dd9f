/**
 * The connector registry. Built-ins are found by name and loaded lazily (a dynamic import of
 * the connector package, so an app installs only the backends it uses); third parties register
 * theirs, or pass the object in the config.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from "neverthrow";
import { DEFAULT_CAPABILITIES, type IStreamingConnector } from "./connector.js";
import { qiError, validationError, type QiError } from "./errors/qi-error.js";
import { plainCopy, readInput } from "./input/read.js";
import { MEMORY_OPTION_KEYS, MEMORY_OPTIONS_SCHEMA } from "./memory/options.js";
import { processWide } from "./process-wide.js";

/** A built-in connector: where its module is, and whether it needs brokers (known before loading). */
interface Builtin {
  /** What the error names when the module cannot be loaded. */
  readonly module: string;
  /** Loads the module that exports `connector`. */
  readonly load: () => Promise<unknown>;
  /** `capabilities.network` of the connector. */
  readonly network: boolean;
  /** The client library the connector package needs (a peer dependency the app installs). */
  readonly client?: string;
}

/** Every built-in connector, memory included, loaded the same way: lazily, on first use. (Exported for core's tests only.) */
export const BUILTINS: Record<string, Builtin> = {
  memory: { module: "@qi/streaming (memory)", load: () => import("./memory/connector.js").then((m) => ({ connector: m.memoryConnector })), network: false },
  kafkajs: { module: "@qi/streaming-kafkajs", load: () => importConnectorPackage("@qi/streaming-kafkajs"), network: true, client: "kafkajs" },
  confluent: { module: "@qi/streaming-confluent", load: () => importConnectorPackage("@qi/streaming-confluent"), network: true, client: "@confluentinc/kafka-javascript" },
  platformatic: { module: "@qi/streaming-platformatic", load: () => importConnectorPackage("@qi/streaming-platformatic"), network: true, client: "@platformatic/kafka" },
};

/** The built-in connectors' names. */
export const BUILTIN_CONNECTORS: readonly string[] = Object.keys(BUILTINS);

/**
 * Third-party connectors registered by `registerConnector`, by name: one map per process, shared
 * by every copy of this package (the ESM and CJS builds loaded side by side), so a connector
 * registered through `require("@qi/streaming")` is found through `import`. It holds only objects
 * that passed `checkConnector` (the public connector interface), hence layout 1 for as long as
 * `IStreamingConnector` stays compatible.
 */
const registered = processWide("connectors", 1, () => new Map<string, IStreamingConnector>(), (v): v is Map<string, IStreamingConnector> => v instanceof Map);

/** Built-ins once loaded: this copy's own (each copy's memory connector is its own code; the clusters it serves are shared). */
const loaded = new Map<string, IStreamingConnector>();
const NAME = /^[a-z][a-z0-9-]{0,63}$/;

const METHODS = ["createProducer", "createConsumer", "createAdmin", "healthCheck", "acceptsOption", "classifyError"] as const;

/** A Standard Schema read once: its `validate` bound to it; anything else is kept to be refused. */
function readOptionsSchema(schema: unknown): unknown {
  if (schema === undefined || (typeof schema !== "object" && typeof schema !== "function") || schema === null) return schema;
  const std = (schema as Record<string, unknown>)["~standard"];
  if (typeof std !== "object" || std === null) return { invalid: true };
  const validate = (std as Record<string, unknown>).validate;
  if (typeof validate !== "function") return { invalid: true };
  const vendor = (std as Record<string, unknown>).vendor;
  return { "~standard": { version: 1, vendor: typeof vendor === "string" ? vendor : "unknown", validate: (value: unknown): unknown => Reflect.apply(validate, std, [value]) } };
}

/**
 * A connector object read once, defensively: its name, a copy of its capabilities and option
 * keys, and its methods read once and bound to it (`acceptsOption` answers false where it throws).
 */
function readConnectorObject(value: object): Record<string, unknown> {
  const c = value as Record<string, unknown>;
  const out: Record<string, unknown> = { name: c.name, capabilities: plainCopy(c.capabilities), optionKeys: plainCopy(c.optionKeys), optionsSchema: readOptionsSchema(c.optionsSchema) };
  for (const m of METHODS) {
    const fn = c[m];
    if (typeof fn !== "function") out[m] = fn;
    else if (m === "acceptsOption") {
      out[m] = (key: string): boolean => {
        try {
          return Reflect.apply(fn, value, [key]) === true;
        } catch {
          return false;
        }
      };
    } else out[m] = (...args: unknown[]): unknown => Reflect.apply(fn, value, args);
  }
  return out;
}

/**
 * Checks that a value has the connector shape, so a third-party mistake is a clear error, and
 * returns the connector read once (see `readConnectorObject`): what core uses from then on.
 */
export function checkConnector(value: unknown): Result<IStreamingConnector, QiError> {
  if (typeof value !== "object" || value === null) return err(validationError("connector", "must be a connector object"));
  const read = readInput("connector", () => readConnectorObject(value));
  if (read.isErr()) return err(read.error);
  const c = read.value as Partial<IStreamingConnector>;
  if (typeof c.name !== "string" || !NAME.test(c.name)) return err(validationError("connector.name", "must be lower case [a-z0-9-], starting with a letter"));
  for (const f of ["createProducer", "createConsumer", "createAdmin", "healthCheck"] as const) {
    if (typeof c[f] !== "function") return err(validationError(`connector.${f}`, "must be a function"));
  }
  for (const f of ["acceptsOption", "classifyError"] as const) {
    if (c[f] !== undefined && typeof c[f] !== "function") return err(validationError(`connector.${f}`, "must be a function when present"));
  }
  if (c.optionKeys !== undefined && (!Array.isArray(c.optionKeys) || c.optionKeys.some((k) => typeof k !== "string"))) {
    return err(validationError("connector.optionKeys", "must be an array of strings when present"));
  }
  if (c.optionsSchema !== undefined && typeof (c.optionsSchema as { "~standard"?: unknown })["~standard"] !== "object") {
    return err(validationError("connector.optionsSchema", "must be a Standard Schema (an object with ~standard.validate) when present"));
  }
  const caps = c.capabilities as unknown as Record<string, unknown> | null | undefined;
  if (typeof caps !== "object" || caps === null) return err(validationError("connector.capabilities", "must be an object"));
  // Absent flags take their defaults; a present one must have the default's type.
  for (const [flag, fallback] of Object.entries(DEFAULT_CAPABILITIES)) {
    const value = caps[flag];
    if (value === undefined) continue;
    if (Array.isArray(fallback) ? !Array.isArray(value) : typeof value !== typeof fallback) {
      return err(validationError(`connector.capabilities.${flag}`, Array.isArray(fallback) ? "must be an array of codec names" : "must be a boolean"));
    }
  }
  if (c.optionKeys === undefined) delete (c as { optionKeys?: unknown }).optionKeys;
  if (c.optionsSchema === undefined) delete (c as { optionsSchema?: unknown }).optionsSchema;
  for (const f of ["acceptsOption", "classifyError"] as const) if (c[f] === undefined) delete c[f];
  return ok(Object.freeze(c) as IStreamingConnector);
}

/** Registers a third-party connector under its name; a built-in name cannot be taken. */
export function registerConnector(connector: IStreamingConnector): Result<void, QiError> {
  const checked = checkConnector(connector);
  if (checked.isErr()) return err(checked.error);
  const { name } = checked.value;
  if (Object.hasOwn(BUILTINS, name)) {
    return err(qiError("CONFLICT", "CONNECTOR_NAME_TAKEN", `"${name}" is a built-in connector name`, { context: { field: "connector.name" } }));
  }
  registered.set(name, checked.value);
  return ok(undefined);
}

/** Removes a registered connector (for tests). */
export function unregisterConnector(name: string): void {
  if (typeof name === "string" && !Object.hasOwn(BUILTINS, name)) registered.delete(name);
}

/** Whether the connector named `name` needs brokers, without loading it; undefined when unknown. */
export function connectorNeedsNetwork(name: string): boolean | undefined {
  const found = registered.get(name);
  if (found) return found.capabilities.network ?? DEFAULT_CAPABILITIES.network;
  return Object.hasOwn(BUILTINS, name) ? BUILTINS[name]!.network : undefined;
}

function fromModule(mod: unknown, pkg: string): Result<IStreamingConnector, QiError> {
  const m = mod as { connector?: unknown; default?: unknown };
  const candidate = m.connector ?? (m.default as { connector?: unknown } | undefined)?.connector ?? m.default;
  const checked = checkConnector(candidate);
  return checked.isErr() ? err(qiError("INTERNAL", "CONNECTOR_INVALID", `${pkg} does not export a valid connector: ${checked.error.message}`)) : checked;
}

/**
 * True in the CommonJS build: tsup's shim gives `import.meta.url` there as the URL of the `.cjs`
 * file (and that build turns `import(pkg)` into `require(pkg)`).
 */
const COMMONJS_BUILD = import.meta.url.endsWith(".cjs");

/** The ESM conditions Node matches for `import`, in an `exports` object's key order. */
const ESM_CONDITIONS = new Set(["import", "node", "default"]);

function esmTarget(exp: unknown): string | undefined {
  if (typeof exp === "string") return exp;
  if (typeof exp !== "object" || exp === null || Array.isArray(exp)) return undefined;
  for (const [condition, target] of Object.entries(exp as Record<string, unknown>)) {
    if (!ESM_CONDITIONS.has(condition)) continue;
    const found = esmTarget(target);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The file an `import` of `pkg` from the application would load. `require.resolve` alone gives
 * the `require` entry (a connector's `.cjs` build), and importing that from the ESM build would load
 * the CommonJS copy of the connector kit beside the ESM copy of core.
 */
function esmEntryFromApp(appRequire: NodeJS.Require, pkg: string): string {
  try {
    const manifestPath = appRequire.resolve(`${pkg}/package.json`);
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: unknown; module?: unknown };
    const exp = manifest.exports;
    const root = typeof exp === "object" && exp !== null && !Array.isArray(exp) && "." in exp ? (exp as Record<string, unknown>)["."] : exp;
    const target = esmTarget(root) ?? (typeof manifest.module === "string" ? manifest.module : undefined);
    if (target !== undefined) return join(dirname(manifestPath), target);
  } catch {
    // No ./package.json export, or an unreadable manifest: Node's own resolution below.
  }
  return appRequire.resolve(pkg);
}

/**
 * Imports a connector package: from core's own location first, then from the application's
 * (the working directory), since strict installers (pnpm) do not let core see packages that are
 * only the application's dependencies. Either way the connector's build has the format of this
 * one (ESM for ESM, CommonJS for CommonJS), so the connector and core share one copy of the kit.
 */
async function importConnectorPackage(pkg: string): Promise<unknown> {
  try {
    return await import(pkg);
  } catch (first) {
    try {
      const appRequire = createRequire(join(process.cwd(), "package.json"));
      if (COMMONJS_BUILD) return appRequire(pkg) as unknown;
      return await import(pathToFileURL(esmEntryFromApp(appRequire, pkg)).href);
    } catch {
      throw first;
    }
  }
}

/**
 * The connector named `name` when it can be had synchronously, for `createStreamingClient` to
 * check `options` before it returns: a registered or already loaded one; a built-in package
 * through its CommonJS build (`require`, which every connector package ships; only read here,
 * never used to run: the client still loads the build of its own format on first use); the
 * memory connector's option declaration. Undefined when it cannot be had now (not installed:
 * the first role reports that).
 */
export function connectorNow(name: string): Pick<IStreamingConnector, "name" | "optionKeys" | "acceptsOption" | "optionsSchema"> | undefined {
  const found = registered.get(name) ?? loaded.get(name);
  if (found) return found;
  if (name === "memory") return { name, optionKeys: MEMORY_OPTION_KEYS, optionsSchema: MEMORY_OPTIONS_SCHEMA };
  const builtin = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
  if (builtin === undefined || builtin.client === undefined) return undefined;
  for (const from of [import.meta.url, join(process.cwd(), "package.json")]) {
    try {
      const mod: unknown = createRequire(from)(builtin.module);
      const c = fromModule(mod, builtin.module);
      if (c.isOk()) return c.value;
    } catch {
      // Not installed (or its client library is not): the first role reports it.
    }
  }
  return undefined;
}

/** The package a module-not-found error names (`Cannot find package 'kafkajs' imported from ...`). */
function missingPackage(cause: unknown): string | undefined {
  const read = readInput("error", () => {
    const e = cause as { code?: unknown; message?: unknown } | null;
    if (typeof e !== "object" || e === null) return undefined;
    if (e.code !== "ERR_MODULE_NOT_FOUND" && e.code !== "MODULE_NOT_FOUND") return undefined;
    return typeof e.message === "string" ? e.message : undefined;
  });
  const message = read.isOk() ? read.value : undefined;
  if (typeof message !== "string") return undefined;
  const m = /Cannot find (?:package|module) '([^']+)'/.exec(message);
  if (!m) return undefined;
  // A bare specifier's package: `kafkajs`, `kafkajs/lib/x` -> kafkajs; `@scope/name/x` -> @scope/name.
  const parts = m[1]!.split("/");
  return m[1]!.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * Why a built-in could not be loaded, naming what to install: the client library when it is
 * the one missing (`npm install kafkajs`), else the connector package (and its client library).
 */
function notInstalled(spec: string, builtin: Builtin, cause: unknown): QiError {
  const missing = missingPackage(cause);
  const client = builtin.client;
  if (client !== undefined && missing === client) {
    return qiError("NOT_FOUND", "CONNECTOR_NOT_INSTALLED", `connector "${spec}" needs the client library ${client}, which is not installed: npm install ${client}`, {
      cause,
      context: { connector: spec, field: "connector" },
    });
  }
  const install = client === undefined ? builtin.module : `${builtin.module} ${client}`;
  return qiError("NOT_FOUND", "CONNECTOR_NOT_INSTALLED", `connector "${spec}" needs the package ${builtin.module}${client ? ` and its client library ${client}` : ""}: npm install ${install}`, {
    cause,
    context: { connector: spec, field: "connector" },
  });
}

/** Finds a connector by name (loading a built-in package on first use) or checks an object. */
export function resolveConnector(spec: string | IStreamingConnector): ResultAsync<IStreamingConnector, QiError> {
  if (typeof spec !== "string") {
    const checked = checkConnector(spec);
    return checked.isErr() ? errAsync(checked.error) : okAsync(checked.value);
  }
  const found = registered.get(spec) ?? loaded.get(spec);
  if (found) return okAsync(found);
  const builtin = Object.hasOwn(BUILTINS, spec) ? BUILTINS[spec] : undefined;
  if (builtin === undefined) {
    const known = [...new Set([...BUILTIN_CONNECTORS, ...registered.keys()])].join(", ");
    return errAsync(validationError("connector", `unknown connector "${spec.slice(0, 60)}" (known: ${known}; or registerConnector() your own)`));
  }
  const pkg = builtin.module;
  let loading: Promise<unknown>;
  try {
    loading = builtin.load();
  } catch (cause) {
    loading = Promise.reject(cause);
  }
  return ResultAsync.fromPromise(loading, (cause) => notInstalled(spec, builtin, cause)).andThen((mod) => {
    const c = fromModule(mod, pkg);
    if (c.isOk()) loaded.set(spec, c.value);
    return c;
  });
}
