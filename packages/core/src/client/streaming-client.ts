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
import { CONFIG_DEFAULTS, checkConfig, checkConsumerConfig, checkProducerConfig, resolveConfig } from "../config/validate.js";
import { stateError, unsupportedError, validationError, type QiError } from "../errors/qi-error.js";
import type { IStreamingAdmin, IStreamingConsumer, IStreamingProducer } from "../interfaces.js";
import { checkConnector, connectorNeedsNetwork, resolveConnector } from "../registry.js";
import { attempt, withTimeout } from "../runtime/attempt.js";
import { GuardedAdmin } from "../runtime/admin.js";
import { GuardedConsumer } from "../runtime/consumer.js";
import { GuardedProducer } from "../runtime/producer.js";
import { Telemetry } from "../telemetry/telemetry.js";

function checkOptions(connector: IStreamingConnector, options: Readonly<Record<string, unknown>>): Result<void, QiError> {
  const allowed = new Set(connector.optionKeys ?? []);
  for (const key of Object.keys(options)) {
    if (!allowed.has(key) && connector.acceptsOption?.(key) !== true) {
      const known = allowed.size > 0 ? ` (known: ${[...allowed].join(", ")})` : "";
      return err(validationError(`options.${key}`, `is not an option of the ${connector.name} connector${known}`, { connector: connector.name }));
    }
  }
  return ok(undefined);
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
  return undefined;
}

/**
 * The entry point: hands out the producer (cached), consumers (tracked) and the admin (cached)
 * of one connector, and `disconnect()` closes them all. Create it with `createStreamingClient`.
 * No method throws; each returns a `ResultAsync`.
 */
export class StreamingClient {
  /** The connector's name, known before it is loaded. */
  readonly connectorName: string;
  #connector: ResultAsync<IStreamingConnector, QiError> | undefined;
  #producer: { key: string; value: IStreamingProducer } | undefined;
  #admin: IStreamingAdmin | undefined;
  readonly #consumers = new Set<IStreamingConsumer>();
  private closed = false;
  #telemetry: Telemetry | undefined;

  // An ES #private field: util.inspect, JSON and structuredClone do not reach it, and what it
  // holds has its secrets in `Secret`s anyway.
  readonly #config: StreamingConfig;

  /** Use `createStreamingClient`. */
  constructor(config: StreamingConfig) {
    this.#config = holdSecrets(config);
    this.connectorName = typeof config.connector === "object" ? config.connector.name : (config.connector ?? "memory");
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
    if (this.closed) return errAsync(stateError("CLIENT_DISCONNECTED", "the client was disconnected; create a new one", { connector: this.connectorName }));
    this.#connector ??= resolveConnector(this.config.connector ?? "memory").andThen((c) => checkOptions(c, this.config.options ?? {}).map(() => c));
    return this.#connector.map((connector) => {
      const resolved = resolveConfig(this.config, connector.name);
      this.#telemetry ??= Telemetry.create({ connector: connector.name, clientId: resolved.clientId }, resolved.telemetry);
      return { connector, context: { config: resolved, logger: resolved.logger }, telemetry: this.#telemetry };
    });
  }

  /** The producer, created once and cached (connect it before sending). */
  getProducer(config?: ProducerConfig): ResultAsync<IStreamingProducer, QiError> {
    const checked = checkProducerConfig(config);
    if (checked.isErr()) return errAsync(checked.error);
    const key = JSON.stringify(config ?? {});
    return this.context().andThen(({ connector, context, telemetry }) => {
      if (this.#producer) {
        return this.#producer.key === key
          ? okAsync(this.#producer.value)
          : errAsync(validationError("producer config", "the client's producer already exists with another config; use a second client for a second producer", { connector: connector.name }));
      }
      const unsupported = unsupportedProducerOption(connector, config ?? {});
      if (unsupported) return errAsync(unsupported);
      if (config?.idempotent === true && context.config.retry.retries === 0) {
        return errAsync(validationError("producer.idempotent", "idempotent writes need client retries (retry.retries above 0)", { connector: connector.name }));
      }
      return attempt(() => {
        const resolved = resolveProducerConfig(config, {
          requestTimeout: context.config.requestTimeout,
          retries: context.config.retry.retries,
          idempotentCapable: capabilitiesOf(connector).idempotentProducer,
        });
        const value = new GuardedProducer(connector, connector.createProducer(context, resolved), context, resolved, telemetry);
        this.#producer = { key, value };
        return value;
      }, { connector: connector.name, operation: "client.getProducer" });
    });
  }

  /** A new consumer for a group (connect, subscribe, then run it); tracked for `disconnect()`. */
  getConsumer(config: ConsumerConfig): ResultAsync<IStreamingConsumer, QiError> {
    const checked = checkConsumerConfig(config);
    if (checked.isErr()) return errAsync(checked.error);
    return this.context().andThen(({ connector, context, telemetry }) =>
      attempt(() => {
        const resolved = resolveConsumerConfig(config, context.config.requestTimeout);
        const consumer = new GuardedConsumer(connector, connector.createConsumer(context, resolved), context, resolved, telemetry);
        this.#consumers.add(consumer);
        return consumer as IStreamingConsumer;
      }, { connector: connector.name, operation: "client.getConsumer" }),
    );
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

  /** True when the backend answers within the connection timeout; false after `disconnect()`. */
  isHealthy(): ResultAsync<boolean, QiError> {
    if (this.closed) return okAsync(false);
    return this.context().andThen(({ connector, context }) =>
      attempt(async () => {
        try {
          const timeout = context.config.connectionTimeout;
          return await withTimeout(connector.healthCheck(context), timeout, () => stateError("TIMEOUT", "health check timed out"));
        } catch {
          return false;
        }
      }, { connector: connector.name, operation: "client.isHealthy" }),
    );
  }

  /** Disconnects every consumer, the producer and the admin; idempotent. The first error is returned. */
  disconnect(): ResultAsync<void, QiError> {
    if (this.closed) return okAsync(undefined);
    this.closed = true;
    const closing: ResultAsync<void, QiError>[] = [
      ...[...this.#consumers].map((c) => c.disconnect()),
      ...(this.#producer ? [this.#producer.value.disconnect()] : []),
      ...(this.#admin ? [this.#admin.disconnect()] : []),
    ];
    this.#consumers.clear();
    return new ResultAsync(
      Promise.all(closing).then((results) => {
        const failed = results.find((r) => r.isErr());
        return failed ?? ok(undefined);
      }),
    );
  }
}

/**
 * Creates a client. Accepts a config or the `Result` of `configFromEnv()`. A bad config is a
 * `VALIDATION` error that names the field; nothing connects until a role object is connected.
 */
export function createStreamingClient(config: StreamingConfig | Result<StreamingConfig, QiError> = {}): Result<StreamingClient, QiError> {
  let plain: unknown = config;
  if (typeof config === "object" && config !== null && "isErr" in config && typeof config.isErr === "function") {
    const r = config as Result<StreamingConfig, QiError>;
    if (r.isErr()) return err(r.error);
    plain = r.value;
  }
  const checked = checkConfig(plain);
  if (checked.isErr()) return err(checked.error);
  const c = plain as StreamingConfig;
  const spec = c.connector ?? "memory";
  if (typeof spec === "string") {
    if (connectorNeedsNetwork(spec) === undefined) return err(validationError("connector", `unknown connector "${spec.slice(0, 60)}" (built-ins: memory, kafkajs, confluent, platformatic; or registerConnector() your own)`));
  } else {
    const valid = checkConnector(spec);
    if (valid.isErr()) return err(valid.error);
  }
  // A registered connector says whether it needs brokers; a built-in not loaded yet is a network one.
  const needsBrokers = typeof spec === "string" ? connectorNeedsNetwork(spec) : capabilitiesOf(spec).network;
  if (needsBrokers && (c.brokers ?? []).length === 0) return err(validationError("brokers", `the ${typeof spec === "string" ? spec : spec.name} connector needs at least one "host:port"`));
  return ok(new StreamingClient(c));
}
