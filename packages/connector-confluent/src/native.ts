/**
 * Loading the client and what every driver needs from it: a `Kafka` instance per connection
 * (the client's objects cannot connect twice, ours can), a connect that honours our timeout
 * and leaves nothing running when it fails (the client's waits about 30 s for an unreachable
 * broker whatever it is told, and holds the process that long), and a session that fails calls
 * on what the client only logs (authentication failures, lost brokers).
 */
import { createRequire } from "node:module";
import type { QiError, TopicPartitionOffset } from "@qi/streaming";
import { promiseOf, withTimeout, type ResolvedConfig } from "@qi/streaming/connector";
import { authFailure, commitNotConfirmed, connectTimedOut, transportFailure } from "./errors.js";
import { routeLogs, type LogLevel } from "./logs.js";
import { kafkaJsCommon, librdkafkaProperties, lowLevelProperties } from "./options.js";

/** The KafkaJS-style API of @confluentinc/kafka-javascript, loosely typed: only what we call. */
export interface KafkaJsApi {
  Kafka: new (config: Record<string, unknown>) => { producer(c: object): NativeClient; consumer(c: object): NativeClient; admin(c?: object): NativeClient };
  /** librdkafka's group states by name (`PREPARING_REBALANCE: 1`, ...), as the admin reports them (numbers). */
  ConsumerGroupStates: Readonly<Record<string, number>>;
}

/** A native producer, consumer or admin: `connect` and `disconnect`, plus what each role calls. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NativeClient = { connect(): Promise<void>; disconnect(): Promise<void> } & Record<string, any>;

/** A librdkafka log line as the lower-level API emits it (`event.log`). */
export interface LowLevelLog {
  severity: number;
  fac: string;
  message: string;
}

/** Metadata as the lower-level API answers it: only what is read. */
export interface LowLevelMetadata {
  brokers: { id: number; host: string; port: number }[];
}

/** The lower-level (node-rdkafka style) admin client of the same package: only what is called. */
export interface LowLevelAdmin {
  getMetadata(options: { timeout: number; allTopics?: boolean }, cb: (error: unknown, metadata?: LowLevelMetadata) => void): void;
  createPartitions(topic: string, totalPartitions: number, timeout: number, cb: (error?: unknown) => void): void;
  disconnect(): void;
  on(event: "event.log", listener: (log: LowLevelLog) => void): LowLevelAdmin;
  on(event: "event.error" | "error", listener: (error: unknown) => void): LowLevelAdmin;
  removeAllListeners(): LowLevelAdmin;
}

interface Library {
  KafkaJS: KafkaJsApi;
  AdminClient: { create(config: Record<string, unknown>): LowLevelAdmin };
}

let library: Library | undefined;

function loaded(): Library {
  library ??= createRequire(import.meta.url)("@confluentinc/kafka-javascript") as Library;
  return library;
}

export function kafkaJsApi(): KafkaJsApi {
  return loaded().KafkaJS;
}

/**
 * A client of the library's lower-level API, made with the librdkafka properties the KafkaJS
 * layer would make of our config, then `extra`. Its constructor connects (it sends nothing yet);
 * it throws when librdkafka refuses a property (`VALIDATION`, by errors.ts).
 */
export function lowLevelAdmin(config: ResolvedConfig, extra: Record<string, unknown> = {}): LowLevelAdmin {
  return loaded().AdminClient.create({ ...lowLevelProperties(config), ...extra });
}

export function newKafka(config: ResolvedConfig, session?: Session) {
  return new (kafkaJsApi().Kafka)({
    kafkaJS: kafkaJsCommon(config, session && ((level, m) => session.observe(level, m))),
    ...librdkafkaProperties(config, "other"),
  });
}

/**
 * Turns librdkafka's authentication failures into errors. The client only logs them and its
 * calls later fail with a transport error or a time-out; a session watches the log and fails
 * the calls in progress (and later ones) with `AUTHENTICATION` at once.
 */
export class Session {
  private failure: QiError | undefined;
  private readonly waiting = new Set<(error: unknown) => void>();
  private readonly transport = new Set<(error: QiError) => void>();

  /**
   * Waits for `promise`, failing with `CONNECTION` as soon as the client logs that it cannot
   * reach the brokers (for waits the client itself would stretch, like a group join).
   */
  async reachable<T>(promise: Promise<T>): Promise<T> {
    let listener!: (error: QiError) => void;
    const down = new Promise<never>((_, reject) => (listener = reject));
    this.transport.add(listener);
    try {
      return await this.call(() => Promise.race([promise, down]));
    } finally {
      this.transport.delete(listener);
    }
  }

  /**
   * Where error lines that no call can return go (a consumer's fetch loop); returns whether it
   * took the line, which is then not logged again.
   */
  report: ((level: LogLevel, message: string) => boolean) | undefined;

  /** Called with every log line of the clients made with this session; true: reported, not to log. */
  observe(level: LogLevel, message: string): boolean {
    const down = this.transport.size > 0 ? transportFailure(message) : undefined;
    if (down) for (const listener of this.transport) listener(down);
    const auth = authFailure(message);
    if (auth) {
      this.failure = auth;
      for (const reject of this.waiting) reject(auth);
    }
    return this.report?.(level, message) ?? false;
  }

  /**
   * Runs a client call, failing it with `AUTHENTICATION` as soon as one is seen; `map` turns its
   * answer into the result. One plain promise per call (no async frame, no race, no second
   * promise for `map`): every send goes through here.
   */
  call<T, U = T>(fn: () => Promise<T>, map?: (value: T) => U): Promise<U> {
    const known = this.failure;
    if (known) return Promise.reject(known);
    return new Promise<U>((resolve, reject) => {
      this.waiting.add(reject);
      promiseOf(fn).then(
        (value) => {
          this.waiting.delete(reject);
          try {
            resolve(map ? map(value) : (value as unknown as U));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => {
          this.waiting.delete(reject);
          reject(this.failure ?? error);
        },
      );
    });
  }
}

/** How long a connect may take: `connectionTimeout` plus the authentication round trip. */
export function connectLimit(config: ResolvedConfig): number {
  return config.connectionTimeout + Math.min(config.requestTimeout, 5000);
}

/**
 * Connects the client's KafkaJS-style objects once a broker has answered (`probe`), each within
 * the connect limit; if one fails, those already connected are disconnected. The client's
 * producer and consumer connect with a metadata request of librdkafka's default 30 s, run on a
 * libuv worker thread that nothing cancels and that keeps the process alive (their
 * `disconnect()` waits for it too): so they are only connected once a broker has answered,
 * and a connect that fails (no broker, a wrong password) has none of it in flight.
 */
export async function connectWithin(clients: NativeClient | readonly NativeClient[], config: ResolvedConfig, session: Session): Promise<void> {
  await probe(config, session);
  const limit = connectLimit(config);
  const connected: NativeClient[] = [];
  try {
    for (const client of Array.isArray(clients) ? clients : [clients]) {
      await session.call(() => connectBounded(client, config, limit));
      connected.push(client);
    }
  } catch (error) {
    await Promise.all(connected.map((c) => c.disconnect().catch(() => {})));
    throw error;
  }
}

/** On time-out the client is disconnected in the background, once its connect has settled. */
async function connectBounded(client: NativeClient, config: ResolvedConfig, limit: number): Promise<void> {
  const connecting = promiseOf(() => client.connect());
  try {
    await withTimeout(connecting, limit, () => connectTimedOut(config.brokers, limit));
  } catch (error) {
    void connecting.then(
      () => client.disconnect().catch(() => {}),
      () => client.disconnect().catch(() => {}),
    );
    throw error;
  }
}

/** ms a probe's metadata request may take; a request answered later is made again. */
const PROBE_REQUEST_MS = 500;
/** The least time between the starts of two probe requests (one that fails at once is not repeated in a loop). */
const PROBE_SPACING_MS = 100;

/** The logger method of a librdkafka severity, as the client's KafkaJS layer maps it (0: not logged). */
export function severityLevel(severity: number): LogLevel | undefined {
  if (severity <= 0) return undefined;
  return severity <= 3 ? "error" : severity <= 5 ? "warn" : severity === 6 ? "info" : "debug";
}

/**
 * Resolves once a broker has answered a metadata request, within `limit` (by default the
 * connect limit): a client of the library's lower-level API (no KafkaJS layer) asks in short
 * requests (500 ms each, made again until the limit), so that when it fails no request is left
 * in flight for long, and the process can exit. An authentication failure fails it at once with
 * `AUTHENTICATION` (from librdkafka's log line, which it always produces); its logs go where the
 * client's go. The probe's client is closed when it settles, or once a request still in flight
 * has returned (at most 500 ms later); it logs nothing after it settled.
 */
export function probe(config: ResolvedConfig, session: Session, limit = connectLimit(config)): Promise<void> {
  return session.call(() => answered(config, session, limit));
}

function answered(config: ResolvedConfig, session: Session, limit: number): Promise<void> {
  const deadline = Date.now() + limit;
  const admin = lowLevelAdmin(config);
  const logger = routeLogs(config.logger, (level, m) => session.observe(level, m)) as Record<LogLevel, (message: string, extra?: object) => void>;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let inFlight = false;
    let closed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const close = () => {
      if (closed || inFlight) return;
      closed = true;
      admin.removeAllListeners();
      try {
        admin.disconnect();
      } catch {
        // Nothing is left to close.
      }
    };
    const settle = (error?: QiError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      close();
      if (error) reject(error);
      else resolve();
    };
    admin.on("event.log", (log) => {
      if (settled) return;
      const level = severityLevel(log.severity);
      if (level) logger[level](log.message, { fac: log.fac });
      const auth = authFailure(log.message);
      if (auth) settle(auth);
    });
    // The error events carry only the generic text of librdkafka's code ("authentication
    // failure"), not the detail that tells a wrong password from a SASL exchange cut off by its
    // connection; the log line has it. They are listened to, as an `error` nobody listens to throws.
    admin.on("event.error", () => {}).on("error", () => {});
    const ask = () => {
      const started = Date.now();
      inFlight = true;
      admin.getMetadata({ timeout: Math.max(1, Math.min(PROBE_REQUEST_MS, deadline - started)) }, (error) => {
        inFlight = false;
        if (settled) return close();
        if (!error) return settle();
        const now = Date.now();
        if (now >= deadline) return settle(connectTimedOut(config.brokers, limit));
        timer = setTimeout(ask, Math.min(Math.max(0, started + PROBE_SPACING_MS - now), deadline - now));
      });
    };
    ask();
  });
}

/**
 * Commits offsets through a consumer and resolves once the broker has them: the client's
 * commit only queues it (librdkafka's commitAsync) and resolves at once, so it is read back.
 */
/**
 * Whether a committed offset read back is `offset`. The client's KafkaJS API reads a committed
 * offset 0 back as null (a truthiness test on the number), as it does "none": a commit of "0"
 * is confirmed by either, or it would wait out the timeout every time.
 */
function committedIs(read: unknown, offset: string): boolean {
  if (read === null || read === undefined) return offset === "0";
  return String(read) === offset;
}

export async function commitConfirmed(consumer: NativeClient, session: Session, offsets: readonly TopicPartitionOffset[], timeout: number): Promise<void> {
  const tps = offsets.map((o) => ({ topic: o.topic, partition: o.partition }));
  await session.call(() => consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }))));
  const deadline = Date.now() + timeout;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    const got = (await session.call(() => consumer.committed(tps, timeout))) as { topic: string; partition: number; offset: string }[];
    if (offsets.every((o) => got.some((g) => g.topic === o.topic && g.partition === o.partition && committedIs(g.offset, o.offset)))) return;
    if (Date.now() > deadline) throw commitNotConfirmed(timeout);
    await new Promise((r) => setTimeout(r, delay));
  }
}
