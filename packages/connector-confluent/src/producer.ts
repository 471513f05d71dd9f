/**
 * The confluent producer driver. Core routes every record (librdkafka's default partitioner is
 * CRC32); the count comes from the admin API. acks, compression and the timeout are producer
 * settings (the client's `send` rejects them per call); `linger.ms` is 0 so that an awaited
 * send is not held back (librdkafka still batches what queues up while a request is in flight).
 * Core hands it one partition per `send`; librdkafka batches concurrent sends itself. With a
 * `transactionalId` the client's producer is transactional (see transactions.ts) and the driver
 * has `transactions`; without one, nothing of it is set.
 */
import type { ProduceResult } from "@qi/streaming";
import { offsetsFromBase, type BaseOffsetReport, type ProducerDriver, type ResolvedConfig, type ResolvedProducerConfig, type RoutedRecord, type TransactionDriver } from "@qi/streaming/connector";
import { codeOf, isUnknownTopic, TIMED_OUT } from "./errors.js";
import { connectLimit, connectWithin, newKafka, Session, type NativeClient } from "./native.js";
import { librdkafkaProperties } from "./options.js";
import { ConfluentTransactions, transactionCause } from "./transactions.js";

/** A message as the client's `send` takes it. */
interface NativeMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** A repeated name is an array: the client sends one header per element, in order. */
  headers: Record<string, Buffer | Buffer[]>;
  partition: number;
  timestamp?: string;
}

/** What the client's `send` answers: the first offset written per topic and partition. */
export interface DeliveryReport {
  topicName: string;
  partition: number;
  /** A decimal string; negative (librdkafka's invalid offset, -1001) when the broker answers nothing (acks 0). */
  baseOffset?: string | null;
}

/**
 * A fresh object per record: the client rewrites the messages it is given (the headers object
 * is core's fresh copy, which the client only reads).
 */
function nativeMessage(r: RoutedRecord): NativeMessage {
  const message: NativeMessage = { key: r.key, value: r.value, headers: r.headers, partition: r.partition };
  if (r.timestamp !== undefined) message.timestamp = String(r.timestamp);
  return message;
}

function baseReport(report: DeliveryReport): BaseOffsetReport {
  const offset = report.baseOffset;
  return { topic: report.topicName, partition: report.partition, baseOffset: offset == null || offset.startsWith("-") ? undefined : offset };
}

/** One result per record, in input order, from the client's per-partition delivery reports. */
export function produceResults(records: readonly RoutedRecord[], reports: readonly DeliveryReport[]): ProduceResult[] {
  return offsetsFromBase(records, reports.map(baseReport));
}

/** One `send` per topic (the client's `send` takes one); one call when there is one topic. */
function sendByTopic(producer: NativeClient, records: readonly RoutedRecord[]): Promise<DeliveryReport[]> {
  const topic = records[0]!.topic;
  let i = 1;
  while (i < records.length && records[i]!.topic === topic) i++;
  if (i === records.length) return producer.send({ topic, messages: records.map(nativeMessage) }) as Promise<DeliveryReport[]>;
  const byTopic = new Map<string, NativeMessage[]>();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, (list = []));
    list.push(nativeMessage(r));
  }
  const sends = [...byTopic].map(([t, messages]) => producer.send({ topic: t, messages }) as Promise<DeliveryReport[]>);
  return Promise.all(sends).then((reports) => reports.flat());
}

/**
 * What the client's `producer()` is given. A transactional producer's `kafkaJS` block also has
 * the id and its timeout (the client's `transactionalId` and `transactionTimeout`: librdkafka's
 * `transactional.id`, which turns idempotence on, and `transaction.timeout.ms`); core has made
 * it idempotent with acks all, which librdkafka requires of it.
 */
export function producerSettings(config: ResolvedConfig, producerConfig: ResolvedProducerConfig): Record<string, unknown> {
  const { acks, compression, idempotent, timeout, transactionalId, transactionTimeoutMs } = producerConfig;
  const transactional = transactionalId === undefined ? {} : { transactionalId, transactionTimeout: transactionTimeoutMs };
  return {
    kafkaJS: { acks, idempotent, compression, timeout, ...transactional },
    "linger.ms": 0,
    // The Java client's max.request.size: a record of up to 1 MiB (the broker's default limit).
    "message.max.bytes": 1_048_576,
    ...librdkafkaProperties(config, "other"),
  };
}

export class ConfluentProducerDriver implements ProducerDriver {
  /** librdkafka gathers concurrent sends into batches itself (linger.ms, batch.size). */
  readonly batchesAcrossCalls = true;
  /** Set only for a producer made with a `transactionalId`. */
  readonly transactions: TransactionDriver | undefined;

  private producer: NativeClient | undefined;
  private admin: NativeClient | undefined;
  private readonly session = new Session();
  private readonly transactional: boolean;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly producerConfig: ResolvedProducerConfig,
  ) {
    this.transactional = producerConfig.transactionalId !== undefined;
    this.transactions = this.transactional ? new ConfluentTransactions({ producer: () => this.producer!, session: this.session, timeoutMs: producerConfig.timeout }) : undefined;
  }

  async connect(): Promise<void> {
    const kafka = newKafka(this.config, this.session);
    const deadline = Date.now() + connectLimit(this.config);
    for (;;) {
      const producer = kafka.producer(producerSettings(this.config, this.producerConfig));
      const admin = kafka.admin();
      try {
        await connectWithin([producer, admin], this.config, this.session);
        this.producer = producer;
        this.admin = admin;
        return;
      } catch (error) {
        if (!this.transactional) throw error;
        // The client's connect registers the transactional id (librdkafka init_transactions)
        // with a fixed 5 s and, when that fails, leaves its client running and unable to
        // connect again: it is closed, and a registration that ran out of time (a coordinator
        // still loading, the first use of __transaction_state) is tried again with a new one.
        // (A numeric code is the client's own answer, so its connect has settled; a connect
        // that ran past our limit is closed by connectWithin once it settles.)
        const code = codeOf(error);
        if (code !== undefined) await producer.disconnect().catch(() => {});
        if (code !== TIMED_OUT || Date.now() >= deadline) throw error;
      }
    }
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    const admin = this.admin!;
    try {
      const meta = (await this.session.call(() => admin.fetchTopicMetadata({ topics: [topic] }))) as { partitions: unknown[] }[];
      return meta[0]?.partitions.length;
    } catch (error) {
      if (isUnknownTopic(error)) return undefined;
      throw error;
    }
  }

  /** One plain promise per call, no async frame: every send goes through here. */
  send(records: readonly RoutedRecord[]): Promise<readonly ProduceResult[]> {
    const producer = this.producer!;
    const sent = this.session.call(
      () => sendByTopic(producer, records),
      (reports) => produceResults(records, reports),
    );
    if (!this.transactional) return sent;
    return sent.catch(async (error: unknown) => {
      throw await transactionCause(error, producer);
    });
  }

  async flush(): Promise<void> {
    await this.producer?.flush({ timeout: this.config.requestTimeout });
  }

  async disconnect(): Promise<void> {
    const [producer, admin] = [this.producer, this.admin];
    this.producer = this.admin = undefined;
    await Promise.all([producer?.disconnect(), admin?.disconnect()]);
  }

  native(): unknown {
    return this.producer;
  }
}
