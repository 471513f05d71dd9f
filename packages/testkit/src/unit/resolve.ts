/**
 * For a connector's unit tests (no broker): what core hands the connector's factories for a
 * given user config. A spy around the real connector captures the context and the resolved
 * role configs; nothing connects.
 *
 * ```ts
 * const { context, producer } = await resolvedFor(myConnector, { clientId: "x" }, { acks: 1 });
 * expect(myOptions(context.config, producer)).toMatchObject({ ... });
 * ```
 */
import { createStreamingClient, silentLogger, type ConsumerConfig, type IStreamingConnector, type ProducerConfig, type StreamingConfig } from "@qi/streaming";
import type { ConnectorContext, ResolvedConsumerConfig, ResolvedProducerConfig } from "@qi/streaming/connector";

/** What the factories received. */
export interface ResolvedForConnector {
  /** The context every factory gets (the resolved client config and its logger). */
  readonly context: ConnectorContext;
  /** The producer config `createProducer` got. */
  readonly producer: ResolvedProducerConfig;
  /** The consumer config `createConsumer` got. */
  readonly consumer: ResolvedConsumerConfig;
}

/** Resolves `config` (plus a producer and a consumer config) the way a client does, for `connector`. */
export async function resolvedFor(
  connector: IStreamingConnector,
  config: Omit<StreamingConfig, "connector"> = {},
  producer?: ProducerConfig,
  consumer: ConsumerConfig = { groupId: "g" },
): Promise<ResolvedForConnector> {
  const seen: Partial<{ -readonly [K in keyof ResolvedForConnector]: ResolvedForConnector[K] }> = {};
  const spy: IStreamingConnector = {
    ...connector,
    createProducer(context, resolved) {
      seen.context = context;
      seen.producer = resolved;
      return connector.createProducer(context, resolved);
    },
    createConsumer(context, resolved) {
      seen.consumer = resolved;
      return connector.createConsumer(context, resolved);
    },
  };
  const client = createStreamingClient({ brokers: ["127.0.0.1:1"], logger: silentLogger, ...config, connector: spy })._unsafeUnwrap();
  (await client.getProducer(producer))._unsafeUnwrap();
  (await client.getConsumer(consumer))._unsafeUnwrap();
  (await client.disconnect())._unsafeUnwrap();
  return seen as ResolvedForConnector;
}
