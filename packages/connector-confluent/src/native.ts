/**
 * Loading the client and the two things every driver needs from it: a `Kafka` instance per
 * connection (the client's objects cannot connect twice, ours can) and a connect that honours
 * our timeout (the client's waits about 30 s for an unreachable broker whatever it is told).
 */
import { createRequire } from "node:module";
import { promiseOf, qiError, withTimeout, type ResolvedConfig } from "@qi/streaming";
import { kafkaJsCommon, librdkafkaProperties, type LogLevel } from "./options.js";

/** The KafkaJS-style API of @confluentinc/kafka-javascript, loosely typed: only what we call. */
export interface KafkaJsApi {
  Kafka: new (config: Record<string, unknown>) => { producer(c: object): NativeClient; consumer(c: object): NativeClient; admin(c?: object): NativeClient };
  CompressionTypes: Record<string, string>;
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

const AUTH_FAILURE = /SASL authentication error|Authentication failed/i;
const TRANSPORT_FAILURE = /Connection refused|all broker connections are down|Broker transport failure/i;

/**
 * Turns librdkafka's authentication failures into errors. The client only logs them and its
 * calls later fail with a transport error or a time-out; a session watches the log and fails
 * the calls in progress (and later ones) with `AUTHENTICATION` at once.
 */
export class Session {
  private failure: string | undefined;
  private readonly waiting = new Set<(error: unknown) => void>();
  private readonly transport = new Set<(message: string) => void>();

  /**
   * Waits for `promise`, failing with `CONNECTION` as soon as the client logs that it cannot
   * reach the brokers (for waits the client itself would stretch, like a group join).
   */
  async reachable<T>(promise: Promise<T>): Promise<T> {
    let listener!: (message: string) => void;
    const down = new Promise<never>((_, reject) => {
      listener = (message) => reject(qiError("CONNECTION", "BROKER_UNREACHABLE", message.replace(/^.*?\]: /, ""), { retriable: true }));
    });
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
    if (TRANSPORT_FAILURE.test(message)) for (const listener of this.transport) listener(message);
    if (AUTH_FAILURE.test(message)) {
      this.failure = message.replace(/^.*?(SASL authentication error)/i, "$1");
      const error = this.error()!;
      for (const reject of this.waiting) reject(error);
    }
    return this.report?.(level, message) ?? false;
  }

  private error(): unknown {
    return this.failure === undefined ? undefined : qiError("AUTHENTICATION", "SASL_AUTHENTICATION_FAILED", this.failure, { retriable: false });
  }

  /**
   * Runs a client call, failing it with `AUTHENTICATION` as soon as one is seen; `map` turns its
   * answer into the result. One plain promise per call (no async frame, no race, no second
   * promise for `map`): every send goes through here.
   */
  call<T, U = T>(fn: () => Promise<T>, map?: (value: T) => U): Promise<U> {
    const known = this.error();
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
          reject(this.error() ?? error);
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
    await withTimeout(connecting, limit, () =>
      qiError("CONNECTION", "BROKER_UNREACHABLE", `could not connect to ${config.brokers.join(",")} within ${limit} ms`, { retriable: true }),
    );
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
