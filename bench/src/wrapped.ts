/** The same operations through qi-streaming, on the connector under test. */
import { createStreamingClient, type IStreamingConnector, type ProducerConfig, type StreamingClient } from "@qi/streaming";
import type { Msg, RawConsumer, RawProducer } from "./raw.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A client as the benchmark uses it: telemetry off, a silent logger, `options` for the client library. */
export function client(connector: IStreamingConnector, brokers: string[], options: Record<string, unknown>): StreamingClient {
  return createStreamingClient({ connector, ...(brokers.length > 0 ? { brokers } : {}), clientId: "bench-qi", logger: quiet, telemetry: false, options })._unsafeUnwrap();
}

export interface WrappedProducer extends RawProducer {
  sendOne(topic: string, message: Msg): Promise<void>;
}

export async function wrappedProducer(connector: IStreamingConnector, brokers: string[], options: Record<string, unknown>, producer?: ProducerConfig): Promise<WrappedProducer> {
  const c = client(connector, brokers, options);
  const p = (await c.getProducer(producer))._unsafeUnwrap();
  (await p.connect())._unsafeUnwrap();
  return {
    async sendOne(topic, message) {
      const r = await p.send(topic, message);
      if (r.isErr()) throw new Error(r.error.message);
    },
    async send(topic, messages) {
      const r = messages.length === 1 ? await p.send(topic, messages[0]!) : await p.sendBatch(messages.map((message) => ({ topic, message })));
      if (r.isErr()) throw new Error(r.error.message);
    },
    close: async () => void (await c.disconnect()),
  };
}

export function wrappedConsumer(connector: IStreamingConnector, brokers: string[], groupId: string, options: Record<string, unknown> = {}): RawConsumer {
  const c = client(connector, brokers, options);
  return {
    async start(topic, onMessage) {
      const consumer = (await c.getConsumer({ groupId }))._unsafeUnwrap();
      (await consumer.connect())._unsafeUnwrap();
      (await consumer.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
      (await consumer.run({ eachMessage: (m) => onMessage(Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, v.toString()]))) }))._unsafeUnwrap();
    },
    close: async () => void (await c.disconnect()),
  };
}
