/**
 * The platformatic producer driver. Core chooses every record's partition (platformatic's default
 * partitioner disagrees with Java's, and it wraps a partition that does not exist modulo the
 * count); this driver only writes them.
 *
 * Without idempotence platformatic answers a partition-level "stale metadata" error
 * (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, common right after a topic is created) by
 * sending the whole request again; core hands every driver one partition per `send`, so that
 * repeats only what failed.
 *
 * With a `transactionalId` the producer is transactional (`transactions.ts`): `connect` also
 * registers the id, and every `send` joins the open transaction or fails.
 */
import type { ProduceResult } from "@qi/streaming";
import { offsetsFromBase, type ProducerDriver, type ResolvedConfig, type ResolvedProducerConfig, type RoutedRecord } from "@qi/streaming/connector";
import { Producer, type MessageToProduce } from "@platformatic/kafka";
import { routeLogs } from "./logs.js";
import { partitionCount, probe } from "./metadata.js";
import { producerOptions } from "./options.js";
import { PlatformaticTransactions } from "./transactions.js";

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/** One record as platformatic takes it. */
export function toMessage(r: RoutedRecord): Message {
  return {
    topic: r.topic,
    partition: r.partition,
    key: r.key ?? undefined,
    value: r.value as Buffer,
    // A Map keyed by Buffer objects: each header gets its own key object, so a repeated name is several entries, in order.
    headers: new Map(Object.entries(r.headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((b) => [Buffer.from(k, "utf8"), b] as const))),
    ...(r.timestamp === undefined ? {} : { timestamp: BigInt(r.timestamp) }),
  };
}

export class PlatformaticProducerDriver implements ProducerDriver {
  private producer: Producer<Buffer, Buffer, Buffer, Buffer> | undefined;
  private unroute: (() => void) | undefined;
  /** platformatic's `send` takes leader-only acks unless told otherwise, whatever the producer's options say. */
  private readonly sendOptions: { acks?: number };
  /** Set for a producer made with a `transactionalId`. */
  readonly transactions: PlatformaticTransactions | undefined;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly producerConfig: ResolvedProducerConfig,
  ) {
    this.sendOptions = producerConfig.idempotent ? {} : { acks: producerConfig.acks };
    if (producerConfig.transactionalId !== undefined) {
      this.transactions = new PlatformaticTransactions({
        client: () => this.client(),
        config,
        produceTimeout: producerConfig.timeout,
        transactionTimeoutMs: producerConfig.transactionTimeoutMs,
      });
    }
  }

  /** A closed platformatic client cannot reopen: `connect` after `disconnect` makes a new one. */
  private client(): Producer<Buffer, Buffer, Buffer, Buffer> {
    if (!this.producer) {
      this.producer = new Producer(producerOptions(this.config, this.producerConfig));
      this.unroute = routeLogs(this.producer, this.config.logger, "producer");
    }
    return this.producer;
  }

  async connect(): Promise<void> {
    await probe(this.client(), () => this.disconnect());
    if (!this.transactions) return;
    try {
      await this.transactions.register(this.client());
    } catch (error) {
      await this.disconnect().catch(() => {});
      throw error;
    }
  }

  partitionCount(topic: string): Promise<number | undefined> {
    return partitionCount(this.client(), topic);
  }

  async send(records: readonly RoutedRecord[]): Promise<readonly ProduceResult[]> {
    if (this.transactions) return this.transactions.send(records, records.map(toMessage));
    const result = await this.client().send({ messages: records.map(toMessage), ...this.sendOptions });
    // acks 0: the broker answers nothing, there are no offsets (offsetsFromBase reports "-1").
    return offsetsFromBase(records, (result.offsets ?? []).map((o) => ({ topic: o.topic, partition: o.partition, baseOffset: o.offset })));
  }

  /** platformatic buffers nothing: every send is a request of its own. */
  async flush(): Promise<void> {}

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.unroute?.();
    await this.transactions?.reset();
    await producer?.close();
  }

  native(): unknown {
    return this.client();
  }
}
