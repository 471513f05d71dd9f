/**
 * `createStreamingClient` and the `StreamingClient` it returns: the one entry point. It
 * validates the config, finds the connector (built-ins load lazily), caches the producer and
 * admin, tracks every consumer, and `disconnect()` closes them all.
 */
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from "neverthrow";
import { capabilitiesOf, type ConnectorContext, type IStreamingConnector } from "../connector.js";
import { resolveConsumerConfig, resolveProducerConfig } from "../config/roles.js";
import type { ConsumerConfig, ProducerConfig, StreamingConfig } from "../config/types.js";
import { holdSecrets } from "../config/secrets.js";
import { CONFIG_DEFAULTS, readConfig, readConsumerConfig, readProducerConfig, resolveConfig } from "../config/validate.js";
import type { ResolvedConfig } from "../config/types.js";
import { closableLogger, type ClosableLogger } from "../logger.js";
import { toQiError } from "../errors/classify.js";
import { isQiError, qiError, stateError, unsupportedError, validationError, type QiError } from "../errors/qi-error.js";
import { readInput } from "../input/read.js";
import type { ClientHealth, IStreamingAdmin, IStreamingConsumer, IStreamingProducer } from "../interfaces.js";
import { checkOptionsSchema } from "../config/options.js";
import { nearestName } from "../config/schema.js";
import { checkConnector, connectorNeedsNetwork, connectorNow, resolveConnector } from "../registry.js";
import { attempt, withTimeout } from "../runtime/attempt.js";
import { GuardedAdmin } from "../runtime/admin.js";
import { GuardedConsumer } from "../runtime/consumer.js";
import { GuardedProducer } from "../runtime/producer.js";
import { Telemetry } from "../telemetry/telemetry.js";

function checkOptions(connector: Pick<IStreamingConnector, "name" | "optionKeys" | "acceptsOption" | "optionsSchema">, options: Readonly<Record<string, unknown>>): Result<void, QiError> {
  const allowed = new Set(connector.optionKeys ?? []);
  for (const key of Object.keys(options)) {
    if (!allowed.has(key) && connector.acceptsOption?.(key) !== true) {
      const near = nearestName(key, allowed);
      const known = near !== undefined ? ` (did you mean ${near}?)` : allowed.size > 0 ? ` (known: ${[...allowed].join(", ")})` : "";
      return err(validationError(`options.${key}`, `is not an option of the ${connector.name} connector${known}`, { connector: connector.name }));
    }
  }
  return checkOptionsSchema(connector.name, connector.optionsSchema, options);
}

/** A producer option the connector declares it cannot honour: `UNSUPPORTED`, never ignored. */
function unsupportedProducerOption(connector: IStreamingConnector, config: ProducerConfig): QiError | undefined {
  const context = { connector: connector.name, operation: "client.getProducer" };
  const { compression, idempotent } = config;
  const capabilities = capabilitiesOf(connector);
  if (compression !== undefined && compression !== "none" && !capabilities.compression.includes(compression)) {
    return unsupportedError(`compression "${compression}"`, { ...context, field: "producer.compression" });
  }
  if (idempotent === true && !capabilities.idempotentProducer) {
    return unsupportedError("idempotent produce", { ...context, field: "producer.idempotent" });
  }
  if (config.transactionalId !== undefined && !capabilities.transactions) {
    return unsupportedError("transactions", { ...context, field: "producer.transactionalId" });
  }
  return undefined;
}

/** Clients whose constructor refused the config, and why. */
const refused = new WeakMap<StreamingClient, QiError>();

/**
 * The entry point: hands out the producer (cached), consumers (tracked) and the admin (cached)
 * of one connector, and `disconnect()` closes them all. Create it with `createStreamingClient`.
 * No method throws; each returns a `ResultAsync`.
 */
export class StreamingClient {
  /** The connector's name, known before it is loaded. */
  readonly connectorName: string;
  #connector: ResultAsync<IStreamingConnector, QiError> | undefined;
  /** The plain producer (id "") and one per transactionalId, each with the config it was made with. */
  readonly #producers = new Map<string, { key: string; value: IStreamingProducer }>();
  #admin: IStreamingAdmin | undefined;
  readonly #consumers = new Set<GuardedConsumer>();
  private closed = false;
  #telemetry: Telemetry | undefined;

  // An ES #private field: util.inspect, JSON and structuredClone do not reach it, and what it
  // holds has its secrets in `Secret`s anyway.
  // The validated snapshot taken at creation: the caller's object is never read again.
  readonly #config: StreamingConfig;
  /** Why the config given to the constructor was refused (`createStreamingClient` returns it instead). */
  readonly #invalid: QiError | undefined;
  #resolved: ResolvedConfig | undefined;
  /** Closed when disconnect() resolves: a client library's late log lines are dropped. */
  #logs: ClosableLogger | undefined;

  /** Use `createStreamingClient`. Never throws: with a bad config, every method returns its error. */
  constructor(config: StreamingConfig) {
    let prepared: Result<StreamingConfig, QiError>;
    try {
      prepared = prepareConfig(config);
    } catch (error) {
      // Unreachable by design (every read of the input is guarded); the constructor never throws.
      prepared = err(toQiError(error, { operation: "createStreamingClient" }));
    }
    this.#invalid = prepared.isErr() ? prepared.error : undefined;
    if (this.#invalid) refused.set(this, this.#invalid);
    this.#config = prepared.isOk() ? prepared.value : Object.freeze({});
    const spec = this.#config.connector;
    this.connectorName = prepared.isErr() ? "invalid" : typeof spec === "object" ? spec.name : (spec ?? "memory");
  }

  /** The client's config (frozen), its secrets held as `Secret`s: it prints `[hidden]` for them. */
  get config(): StreamingConfig {
    return this.#config;
  }

  /** What the client is, for logs and `JSON.stringify`: no secret, no internals. */
  toJSON(): {
    /** The connector's name. */
    connector: string;
    /** The client id sent to the broker. */
    clientId: string;
    /** The bootstrap addresses. */
    brokers: readonly string[];
  } {
    return { connector: this.connectorName, clientId: this.#config.clientId ?? CONFIG_DEFAULTS.clientId, brokers: this.#config.brokers ?? [] };
  }

  /** The same summary, for `util.inspect` and `console.log`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const { connector, clientId, brokers } = this.toJSON();
    return `StreamingClient { connector: ${JSON.stringify(connector)}, clientId: ${JSON.stringify(clientId)}, brokers: ${JSON.stringify(brokers)} }`;
  }

  /** The connector, loaded once; its options are checked here (it may come from a lazy import). */
  private context(): ResultAsync<{ connector: IStreamingConnector; context: ConnectorContext; telemetry: Telemetry | undefined }, QiError> {
    if (this.#invalid) return errAsync(this.#invalid);
    if (this.closed) return errAsync(stateError("CLIENT_DISCONNECTED", "the client was disconnected; create a new one", { connector: this.connectorName }));
    this.#connector ??= resolveConnector(this.config.connector ?? "memory").andThen((c) => checkOptions(c, this.config.options ?? {}).map(() => c));
    return this.#connector.map((connector) => {
      const resolved = (this.#resolved ??= this.gateLogs(resolveConfig(this.config, connector.name)));
      this.#telemetry ??= Telemetry.create({ connector: connector.name, clientId: resolved.clientId, brokers: resolved.brokers }, resolved.telemetry);
      return { connector, context: { config: resolved, logger: resolved.logger }, telemetry: this.#telemetry };
    });
  }

  /** The producer, created once and cached (connect it before sending). */
  getProducer(userConfig?: ProducerConfig): ResultAsync<IStreamingProducer, QiError> {
    const checked = readProducerConfig(userConfig);
    if (checked.isErr()) return errAsync(checked.error);
    // A plain copy of validated primitives: it serialises.
    const config = checked.value;
    const key = JSON.stringify(config ?? {});
    return this.context().andThen(({ connector, context, telemetry }) => {
      const id = config?.transactionalId ?? "";
      const existing = this.#producers.get(id);
      if (existing) {
        return existing.key === key
          ? okAsync(existing.value)
          : errAsync(validationError("producer config", id === "" ? "the client's producer already exists with another config; use a second client for a second producer" : `the client's producer of transactionalId "${id}" already exists with another config`, { connector: connector.name }));
      }
      const unsupported = unsupportedProducerOption(connector, config ?? {});
      if (unsupported) return errAsync(unsupported);
      if (config?.idempotent === true && context.config.retry.retries === 0) {
        return errAsync(validationError("producer.idempotent", "idempotent writes need client retries (retry.retries above 0)", { connector: connector.name }));
      }
      if (config?.transactionalId !== undefined && context.config.retry.retries === 0) {
        return errAsync(validationError("producer.transactionalId", "a transactional producer writes idempotently, which needs client retries (retry.retries above 0)", { connector: connector.name }));
      }
      return attempt(() => {
        const resolved = resolveProducerConfig(config, {
          requestTimeout: context.config.requestTimeout,
          retries: context.config.retry.retries,
          idempotentCapable: capabilitiesOf(connector).idempotentProducer,
        });
        const value = new GuardedProducer(connector, connector.createProducer(context, resolved), context, resolved, telemetry);
        this.#producers.set(id, { key, value });
        return value;
      }, { connector: connector.name, operation: "client.getProducer" });
    });
  }

  /** A new consumer for a group (connect, subscribe, then run it); tracked for `disconnect()`. */
  getConsumer(userConfig: ConsumerConfig): ResultAsync<IStreamingConsumer, QiError> {
    const checked = readConsumerConfig(userConfig);
    if (checked.isErr()) return errAsync(checked.error);
    const config = checked.value;
    return this.context().andThen(({ connector, context, telemetry }) => {
      if (config.isolationLevel === "read_committed" && !capabilitiesOf(connector).transactions) {
        return errAsync(unsupportedError("isolationLevel read_committed (transactions)", { connector: connector.name, operation: "client.getConsumer", field: "consumer.isolationLevel" }));
      }
      const protocols = capabilitiesOf(connector).groupProtocols;
      const protocol = config.groupProtocol ?? "classic";
      if (!protocols.includes(protocol)) {
        return errAsync(
          qiError("UNSUPPORTED", "UNSUPPORTED_OPERATION", `groupProtocol "${protocol}" is not supported by the ${connector.name} connector (it speaks ${protocols.map((p) => `"${p}"`).join(", ")})`, {
            context: { connector: connector.name, operation: "client.getConsumer", field: "consumer.groupProtocol" },
          }),
        );
      }
      return attempt(() => {
        const resolved = resolveConsumerConfig(config, context.config.requestTimeout);
        const consumer = new GuardedConsumer(connector, connector.createConsumer(context, resolved), context, resolved, telemetry);
        this.#consumers.add(consumer);
        return consumer as IStreamingConsumer;
      }, { connector: connector.name, operation: "client.getConsumer" });
    });
  }

  /** The admin, created once and cached (connect it before use). */
  getAdmin(): ResultAsync<IStreamingAdmin, QiError> {
    return this.context().andThen(({ connector, context }) => {
      if (this.#admin) return okAsync(this.#admin);
      return attempt(() => {
        this.#admin = new GuardedAdmin(connector, connector.createAdmin(context), context.config.requestTimeout);
        return this.#admin;
      }, { connector: connector.name, operation: "client.getAdmin" });
    });
  }

  /**
   * True when the backend answers within the connection timeout and no consumer of this client
   * has stopped consuming (the `"stop"` failure policy, a crash) or stalled (`stallDetection`:
   * `HANDLER_STALLED`, `FETCH_STALLED`, `MEMBERSHIP_LOST`, while the stall lasts); false after `disconnect()`.
   * `health()` says why.
   */
  isHealthy(): ResultAsync<boolean, QiError> {
    return this.health().map((h) => h.healthy);
  }

  /** Whether the client is healthy, and why not: the backend's reachability, each stopped consumer's error and each stall in progress. */
  health(): ResultAsync<ClientHealth, QiError> {
    if (this.closed || this.#invalid) return okAsync({ healthy: false, reachable: false, problems: [] });
    const problems: QiError[] = [];
    for (const c of this.#consumers) problems.push(...c.healthProblems());
    return this.reachable().map((reachable) => ({ healthy: reachable && problems.length === 0, reachable, problems }));
  }

  private reachable(): ResultAsync<boolean, QiError> {
    return this.context().andThen(({ connector, context }) =>
      attempt(async () => {
        try {
          const timeout = context.config.connectionTimeout;
          return await withTimeout(connector.healthCheck(context), timeout, () => qiError("TIMEOUT", "TIMEOUT", "health check timed out", { retriable: true }));
        } catch {
          return false;
        }
      }, { connector: connector.name, operation: "client.isHealthy" }),
    );
  }

  /** The resolved config with its logger closable (see `disconnect`). */
  private gateLogs(resolved: ResolvedConfig): ResolvedConfig {
    this.#logs = closableLogger(resolved.logger);
    return { ...resolved, logger: this.#logs.logger };
  }

  /** Disconnects every consumer, the producer and the admin; idempotent. The first error is returned. */
  disconnect(): ResultAsync<void, QiError> {
    if (this.closed) return okAsync(undefined);
    this.closed = true;
    const closing: ResultAsync<void, QiError>[] = [
      ...[...this.#consumers].map((c) => c.disconnect()),
      ...[...this.#producers.values()].map((p) => p.value.disconnect()),
      ...(this.#admin ? [this.#admin.disconnect()] : []),
    ];
    this.#consumers.clear();
    return new ResultAsync(
      Promise.all(closing).then((results) => {
        // Nothing is logged once disconnect() resolved (kafkajs logs a retry it had scheduled).
        this.#logs?.close();
        const failed = results.find((r) => r.isErr());
        return failed ?? ok(undefined);
      }),
    );
  }
}

/**
 * Reads a config once, defensively, checks it, finds the connector (a connector object is read
 * once too) and holds its secrets: the frozen snapshot a client keeps.
 */
function prepareConfig(config: unknown): Result<StreamingConfig, QiError> {
  const read = readConfig(config);
  if (read.isErr()) return err(read.error);
  const c = read.value;
  const spec = c.connector ?? "memory";
  let connector: IStreamingConnector | undefined;
  if (typeof spec === "string") {
    if (connectorNeedsNetwork(spec) === undefined) return err(validationError("connector", `unknown connector "${spec.slice(0, 60)}" (built-ins: memory, kafkajs, confluent, platformatic; or registerConnector() your own)`));
  } else {
    const valid = checkConnector(spec);
    if (valid.isErr()) return err(valid.error);
    connector = valid.value;
  }
  // A registered connector says whether it needs brokers; a built-in not loaded yet is a network one.
  const needsBrokers = connector === undefined ? connectorNeedsNetwork(spec as string) : capabilitiesOf(connector).network;
  if (needsBrokers && (c.brokers ?? []).length === 0) return err(validationError("brokers", `the ${connector?.name ?? (spec as string)} connector needs at least one "host:port"`));
  // The options, now, where the connector's declaration can be had synchronously (see `connectorNow`).
  const declared = connector ?? connectorNow(spec as string);
  if (declared !== undefined && c.options !== undefined) {
    const options = checkOptions(declared, c.options);
    if (options.isErr()) return err(options.error);
  }
  return ok(holdSecrets(connector === undefined ? c : { ...c, connector }));
}

/** The config a caller passed, or the value of the `Result` it passed; read defensively. */
function unwrapConfig(config: unknown): Result<unknown, QiError> {
  const read = readInput("config", (): { error: unknown } | { value: unknown } => {
    if (typeof config !== "object" || config === null || !("isErr" in config)) return { value: config };
    const r = config as { isErr: unknown; error?: unknown; value?: unknown };
    if (typeof r.isErr !== "function") return { value: config };
    return (r.isErr as () => unknown).call(r) === true ? { error: r.error } : { value: r.value };
  });
  if (read.isErr()) return err(read.error);
  if ("error" in read.value) {
    const e = read.value.error;
    return err(isQiError(e) ? e : toQiError(e, { operation: "createStreamingClient" }));
  }
  return ok(read.value.value);
}

/**
 * Creates a client. Accepts a config or the `Result` of `configFromEnv()`. A bad config is a
 * `VALIDATION` error that names the field; nothing connects until a role object is connected.
 * The config is read once, into a snapshot the client keeps: changing the object afterwards
 * changes nothing. Never throws, whatever it is given.
 */
export function createStreamingClient(config: StreamingConfig | Result<StreamingConfig, QiError> = {}): Result<StreamingClient, QiError> {
  try {
    const plain = unwrapConfig(config);
    if (plain.isErr()) return err(plain.error);
    const client = new StreamingClient(plain.value as StreamingConfig);
    const invalid = refused.get(client);
    return invalid ? err(invalid) : ok(client);
  } catch (error) {
    // Unreachable by design (every read of the input is guarded); this function never throws.
    return err(toQiError(error, { operation: "createStreamingClient" }));
  }
}
