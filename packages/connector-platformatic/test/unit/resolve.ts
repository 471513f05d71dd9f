// What core hands the platformatic connector's factories for a given user config: a spy connector
// around the real one captures the context and role configs (no I/O: nothing is connected).
import { createStreamingClient, silentLogger, type ConsumerConfig, type ProducerConfig, type StreamingConfig } from "@qi/streaming";
import type { ConnectorContext, IStreamingConnector, ResolvedConsumerConfig, ResolvedProducerConfig } from "@qi/streaming/connector";
import { platformaticConnector } from "../../src/index.js";

export interface Resolved {
  readonly context: ConnectorContext;
  readonly producer: ResolvedProducerConfig;
  readonly consumer: ResolvedConsumerConfig;
}

export async function resolve(config: Omit<StreamingConfig, "connector"> = {}, producer?: ProducerConfig, consumer: ConsumerConfig = { groupId: "g" }): Promise<Resolved> {
  const seen: Partial<{ context: ConnectorContext; producer: ResolvedProducerConfig; consumer: ResolvedConsumerConfig }> = {};
  const spy: IStreamingConnector = {
    ...platformaticConnector,
    createProducer(context, resolved) {
      seen.context = context;
      seen.producer = resolved;
      return platformaticConnector.createProducer(context, resolved);
    },
    createConsumer(context, resolved) {
      seen.consumer = resolved;
      return platformaticConnector.createConsumer(context, resolved);
    },
  };
  const client = createStreamingClient({ brokers: ["127.0.0.1:1"], logger: silentLogger, ...config, connector: spy })._unsafeUnwrap();
  (await client.getProducer(producer))._unsafeUnwrap();
  (await client.getConsumer(consumer))._unsafeUnwrap();
  await client.disconnect();
  return seen as Resolved;
}
