/**
 * Loading the client and what every driver needs from it: a `Kafka` instance per connection
 * (the client's objects cannot connect twice, ours can), a connect that honours our timeout
 * (the client's waits about 30 s for an unreachable broker whatever it is told), and a session
 * that fails calls on what the client only logs (authentication failures, lost brokers).
 */
import { createRequire } from "node:module";
import type { QiError, TopicPartitionOffset } from "@qi/streaming";
import { promiseOf, withTimeout, type ResolvedConfig } from "@qi/streaming/connector";
import { authFailure, commitNotConfirmed, connectTimedOut, transportFailure } from "./errors.js";
import type { LogLevel } from "./logs.js";
import { kafkaJsCommon, librdkafkaProperties } from "./options.js";

/** The KafkaJS-style API of @confluentinc/kafka-javascript, loosely typed: only what we call. */
export interface KafkaJsApi {
  Kafka: new (config: Record<string, unknown>) => { producer(c: object): NativeClient; consumer(c: object): NativeClient; admin(c?: object): NativeClient };
}

/** A native producer, consumer or admin: `connect` and `disconnect`, plus what each role calls. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NativeClient = { connect(): Promise<void>; disconnect(): Promise<void> } & Record<string, any>;

let api: KafkaJsApi | undefined;

export function kafkaJsApi(): KafkaJsApi {
  api ??= (createRequire(import.meta.url)("@confluentinc/kafka-javascript") as { KafkaJS: KafkaJsApi }).KafkaJS;
  return api;
}

export function newKafka(config: ResolvedConfig, retries?: number, session?: Session) {
  return new (kafkaJsApi().Kafka)({
    kafkaJS: kafkaJsCommon(config, retries, session && ((level, m) => session.observe(level, m))),
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

/**
 * Connects within `connectionTimeout` (plus the authentication round trip). On time-out the
 * native client is disconnected in the background, so no handle keeps the process alive.
 */
export async function connectWithin(client: NativeClient, config: ResolvedConfig): Promise<void> {
  const limit = config.connectionTimeout + Math.min(config.requestTimeout, 5000);
  const connecting = client.connect();
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

/** Connects an admin client, lists the topics (a broker answers) and closes it. */
export async function probe(config: ResolvedConfig, session: Session, retries?: number): Promise<void> {
  const admin = newKafka(config, retries, session).admin();
  try {
    await session.call(async () => {
      await connectWithin(admin, config);
      await admin.listTopics();
    });
  } finally {
    await admin.disconnect().catch(() => {});
  }
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
