/**
 * The raw clients, used the way their own docs show, for the baseline: producer sends with
 * acks all, and a group consumer that counts messages (its default commit behaviour).
 */
import { createRequire } from "node:module";

// Each client is loaded only when its connector entry runs, so a missing or broken package
// (confluent's native addon) skips one entry instead of failing the whole benchmark.
const load = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const kjs = (): typeof import("kafkajs") => load("kafkajs") as typeof import("kafkajs");
const plt = (): typeof import("@platformatic/kafka") => load("@platformatic/kafka") as typeof import("@platformatic/kafka");

export interface Msg {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headers?: Record<string, string>;
}

export interface RawProducer {
  send(topic: string, messages: Msg[]): Promise<void>;
  close(): Promise<void>;
}

export interface RawConsumer {
  /** Starts consuming `topic` from the beginning; `onMessage` gets each message's headers. */
  start(topic: string, onMessage: (headers: Record<string, string>) => void): Promise<void>;
  close(): Promise<void>;
}

export interface RawClient {
  readonly name: string;
  /** Loads the client library; throws when it is missing or broken. */
  check(): void;
  /** `options`: client settings both sides share for a scenario (confluent's `linger.ms`). */
  producer(brokers: string[], options: Record<string, unknown>): Promise<RawProducer>;
  consumer(brokers: string[], groupId: string): RawConsumer;
}

const text = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString() : String(v));

const kafkajs: RawClient = {
  name: "kafkajs",
  check: () => void kjs(),
  async producer(brokers) {
    const { Kafka, logLevel } = kjs();
    const p = new Kafka({ brokers, clientId: "bench-raw", logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
    await p.connect();
    return {
      send: async (topic, messages) => void (await p.send({ topic, acks: -1, messages })),
      close: () => p.disconnect(),
    };
  },
  consumer(brokers, groupId) {
    const { Kafka, logLevel } = kjs();
    const c = new Kafka({ brokers, clientId: "bench-raw", logLevel: logLevel.NOTHING }).consumer({ groupId, maxWaitTimeInMs: 500 });
    return {
      async start(topic, onMessage) {
        await c.connect();
        await c.subscribe({ topic, fromBeginning: true });
        await c.run({ eachMessage: async ({ message }) => onMessage(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, text(v)]))) });
      },
      close: () => c.disconnect(),
    };
  },
};

const platformatic: RawClient = {
  name: "platformatic",
  check: () => void plt(),
  async producer(brokers) {
    const p = new (plt().Producer)({ clientId: "bench-raw", bootstrapBrokers: brokers, acks: -1 });
    return {
      send: async (topic, messages) => void (await p.send({ messages: messages.map((m) => ({ topic, key: m.key, value: m.value, headers: new Map(Object.entries(m.headers ?? {}).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) })) })),
      close: () => p.close(),
    };
  },
  consumer(brokers, groupId) {
    const { Consumer, MessagesStreamModes, stringDeserializers } = plt();
    const c = new Consumer({ clientId: "bench-raw", bootstrapBrokers: brokers, groupId, deserializers: stringDeserializers as never, maxWaitTime: 500 });
    return {
      async start(topic, onMessage) {
        const stream = await c.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
        stream.on("data", (m: { headers: Map<unknown, unknown> }) => onMessage(Object.fromEntries([...m.headers].map(([k, v]) => [text(k), text(v)]))));
      },
      close: () => c.close(true),
    };
  },
};

const ckjs = (): any => (load("@confluentinc/kafka-javascript") as { KafkaJS: unknown }).KafkaJS;

const confluent: RawClient = {
  name: "confluent",
  check: () => void ckjs(),
  async producer(brokers, options) {
    const p = new (ckjs().Kafka)({ kafkaJS: { brokers, clientId: "bench-raw", logLevel: 0 } }).producer({ kafkaJS: { acks: -1 }, "linger.ms": 5, ...options });
    await p.connect();
    return {
      send: async (topic, messages) => void (await p.send({ topic, messages: messages.map((m) => ({ ...m })) })),
      close: () => p.disconnect(),
    };
  },
  consumer(brokers, groupId) {
    const c = new (ckjs().Kafka)({ kafkaJS: { brokers, clientId: "bench-raw", logLevel: 0 } }).consumer({ kafkaJS: { groupId, fromBeginning: true }, "fetch.wait.max.ms": 500 });
    return {
      async start(topic, onMessage) {
        await c.connect();
        await c.subscribe({ topics: [topic] });
        await c.run({ eachMessage: async ({ message }: { message: { headers?: Record<string, unknown> } }) => onMessage(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, text(v)]))) });
      },
      close: () => c.disconnect(),
    };
  },
};

/* eslint-enable @typescript-eslint/no-explicit-any */

export const RAW_CLIENTS: Readonly<Record<string, RawClient>> = { kafkajs, platformatic, confluent };
