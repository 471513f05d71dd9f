/**
 * The test bed every conformance test starts from: unique names, clients that are closed after
 * the test, topics created fresh, consumers that collect what they receive, and waiting with
 * scaled timeouts. No test depends on another.
 */
import {
  createStreamingClient,
  type ConsumedMessage,
  type ConsumerConfig,
  type IStreamingAdmin,
  type IStreamingConsumer,
  type IStreamingProducer,
  type Logger,
  type ProducerConfig,
  type QiError,
  type Result,
  type RunConfig,
  type StreamingClient,
  type StreamingConfig,
} from "@qi/streaming";
import type { ConformanceOptions } from "./options.js";

let counter = 0;

/** Unwraps a Result in a test, failing with the error's code and message. */
export function must<T>(result: Result<T, QiError>): T {
  if (result.isErr()) throw new Error(`expected ok, got ${result.error.category}/${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** The error of a Result that must have failed. */
export function mustFail(result: Result<unknown, QiError>): QiError {
  if (result.isOk()) throw new Error(`expected an error, got ok: ${JSON.stringify(result.value)?.slice(0, 200)}`);
  return result.error;
}

/** A consumer a test started, with everything it received so far. */
export interface RunningConsumer {
  /** The consumer, connected, subscribed and running. */
  readonly consumer: IStreamingConsumer;
  /** Messages handled so far, in the order the handler saw them. */
  readonly received: ConsumedMessage[];
}

/**
 * What each conformance test gets: a fresh set of clients for the connector under test, unique
 * names, topic creation, collecting consumers and scaled waits. `cleanup()` runs after each test.
 */
export class TestBed {
  private readonly clients: StreamingClient[] = [];
  /** The suite's `timeoutMultiplier`. @default 1 */
  readonly multiplier: number;
  /** Every log line of the test's clients (printed too when QI_TEST_LOGS=1). */
  readonly logs: string[] = [];
  /** Figures measured by the test (durations, counts), for docs/reliability.md. */
  readonly figures: string[] = [];
  private readonly logger: Logger;

  /** @param options the suite's options, as the caller gave them */
  constructor(readonly options: ConformanceOptions) {
    this.multiplier = options.timeoutMultiplier ?? 1;
    const record =
      (level: string) =>
      (message: string, meta?: Record<string, unknown>): void => {
        const line = `${level} ${message} ${meta ? JSON.stringify(meta) : ""}`;
        this.logs.push(line);
        if (process.env.QI_TEST_LOGS === "1") console.error(line);
      };
    this.logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
  }

  /** A timeout scaled by the suite's multiplier. */
  t(ms: number): number {
    return Math.round(ms * this.multiplier);
  }

  /** A name no other test (or run) uses. */
  name(prefix: string): string {
    return `qi-${prefix}-${Date.now().toString(36)}-${process.pid.toString(36)}-${(counter++).toString(36)}`;
  }

  /** The config of a client for the connector under test: the caller's base config, a unique client id, `extra` on top. */
  baseConfig(extra: Partial<StreamingConfig> = {}): StreamingConfig {
    return { logger: this.logger, ...this.options.config?.(), clientId: this.name("client"), ...extra, connector: this.options.connector };
  }

  /** A client, disconnected after the test. */
  client(extra: Partial<StreamingConfig> = {}): StreamingClient {
    const client = must(createStreamingClient(this.baseConfig(extra)));
    this.clients.push(client);
    return client;
  }

  /** A connected admin on a fresh client. */
  async admin(): Promise<IStreamingAdmin> {
    const admin = must(await this.client().getAdmin());
    must(await admin.connect());
    return admin;
  }

  /** A fresh topic with `partitions` partitions. */
  async topic(partitions = 1): Promise<string> {
    const topic = this.name("topic");
    must(await (await this.admin()).createTopics([{ topic, numPartitions: partitions }]));
    return topic;
  }

  /** A connected producer on a fresh client. */
  async producer(config?: ProducerConfig): Promise<IStreamingProducer> {
    const producer = must(await this.client().getProducer(config));
    must(await producer.connect());
    return producer;
  }

  /** Produces `count` messages `prefix-i` (keyed when `key` is given) and returns their results. */
  async produce(topic: string, count: number, make: (i: number) => { key?: string; value: string; partition?: number } = (i) => ({ value: `m-${i}` })) {
    const producer = await this.producer();
    return must(await producer.sendBatch(Array.from({ length: count }, (_, i) => ({ topic, message: make(i) }))));
  }

  /** A consumer that has joined and owns its assignment, collecting into `received`. */
  async consumer(
    topics: readonly string[],
    config: Partial<ConsumerConfig> & { groupId: string },
    options: { fromBeginning?: boolean; run?: (received: ConsumedMessage[]) => RunConfig; client?: StreamingClient } = {},
  ): Promise<RunningConsumer> {
    const consumer = must(await (options.client ?? this.client()).getConsumer(config));
    const received: ConsumedMessage[] = [];
    must(await consumer.connect());
    must(await consumer.subscribe({ topics, fromBeginning: options.fromBeginning ?? true }));
    must(await consumer.run(options.run?.(received) ?? { eachMessage: (m) => void received.push(m) }));
    return { consumer, received };
  }

  /** Waits until `predicate` holds; fails with `what` after `ms` (scaled). */
  async waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + this.t(ms);
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${this.t(ms)} ms waiting for ${what}`);
      await sleep(25);
    }
  }

  /** Records a measured figure for the run's report (printed, and kept in `figures`). */
  report(line: string): void {
    this.figures.push(line);
    console.log(`[figure] ${line}`);
  }

  /** Disconnects every client the test created. */
  async cleanup(): Promise<void> {
    const clients = this.clients.splice(0);
    await Promise.all(clients.map((c) => c.disconnect()));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Offsets of the received messages of one partition, in arrival order. */
export function offsetsOf(messages: readonly ConsumedMessage[], partition = 0): string[] {
  return messages.filter((m) => m.partition === partition).map((m) => m.offset);
}

/** Values as UTF-8 strings. */
export function valuesOf(messages: readonly ConsumedMessage[]): string[] {
  return messages.map((m) => m.value?.toString("utf8") ?? "<null>");
}

/**
 * How busy this thread's event loop is over `ms` (0 to 1, Node's event-loop utilisation): a
 * consumer that has nothing to do must leave it idle, whatever its client does in the background.
 */
export async function eventLoopBusy(ms: number): Promise<number> {
  const { performance } = await import("node:perf_hooks");
  const start = performance.eventLoopUtilization();
  await sleep(ms);
  return performance.eventLoopUtilization(start).utilization;
}
