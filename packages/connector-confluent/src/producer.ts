/**
 * The confluent producer driver. Partitions come from core's router (librdkafka's default is
 * CRC32); acks, compression and the timeout are producer settings (its `send` rejects them per
 * call); `linger.ms` defaults to 0 so that an awaited send is not held back (librdkafka still
 * batches what queues up while a request is in flight).
 */
import { offsetsFromBase, PartitionRouter, type OutgoingRecord, type ProduceResult, type ProducerConfig, type ProducerDriver, type ResolvedConfig } from "@qi/streaming";
import { connectWithin, newKafka, Session, type NativeClient } from "./native.js";
import { librdkafkaProperties } from "./options.js";

/** A message as the client's `send` takes it. */
interface NativeMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  partition: number;
  timestamp?: string;
}

/** What the client's `send` answers: the first offset written per topic and partition. */
interface DeliveryReport {
  topicName: string;
  partition: number;
  baseOffset?: string;
}

/** A fresh object per send: the client rewrites the messages it is given. */
function nativeMessage(r: OutgoingRecord, partition: number): NativeMessage {
  const message: NativeMessage = { key: r.key, value: r.value, headers: { ...r.headers }, partition };
  if (r.timestamp !== undefined) message.timestamp = String(r.timestamp);
  return message;
}

export class ConfluentProducerDriver implements ProducerDriver {
  private producer: NativeClient | undefined;
  private admin: NativeClient | undefined;
  private readonly router: PartitionRouter;
  private readonly session = new Session();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly producerConfig: ProducerConfig,
  ) {
    this.router = new PartitionRouter(async (topic) => {
      try {
        const meta = (await this.session.call(() => this.admin!.fetchTopicMetadata({ topics: [topic] }))) as { partitions: unknown[] }[];
        return meta[0]?.partitions.length;
      } catch (error) {
        const e = error as { type?: string; code?: number };
        if (e.type === "UNKNOWN_TOPIC_OR_PARTITION" || e.code === 3) return undefined;
        throw error;
      }
    });
  }

  async connect(): Promise<void> {
    const kafka = newKafka(this.config, undefined, this.session);
    const { acks = "all", compression = "none", idempotent = false, timeout } = this.producerConfig;
    const producer = kafka.producer({
      kafkaJS: {
        acks: acks === "all" ? -1 : acks,
        idempotent,
        compression,
        timeout: timeout ?? this.config.requestTimeout,
      },
      "linger.ms": 0,
      // The Java client's max.request.size: a record of up to 1 MiB (the broker's default limit).
      "message.max.bytes": 1_048_576,
      ...librdkafkaProperties(this.config, "other"),
    });
    const admin = kafka.admin();
    await this.session.call(() => connectWithin(producer, this.config));
    try {
      await this.session.call(() => connectWithin(admin, this.config));
    } catch (error) {
      await producer.disconnect().catch(() => {});
      throw error;
    }
    this.producer = producer;
    this.admin = admin;
  }

  send(records: readonly OutgoingRecord[]): Promise<readonly ProduceResult[]> {
    const partitions = this.router.route(records);
    // No promise and no async frame per send when the partition counts are cached.
    return Array.isArray(partitions) ? this.produce(records, partitions) : partitions.then((p) => this.produce(records, p));
  }

  private produce(records: readonly OutgoingRecord[], partitions: readonly number[]): Promise<readonly ProduceResult[]> {
    const producer = this.producer!;
    const byTopic = new Map<string, NativeMessage[]>();
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push(nativeMessage(r, partitions[i]!));
    }
    return this.session.call(
      () => {
        if (byTopic.size === 1) {
          const [topic, messages] = byTopic.entries().next().value!;
          return producer.send({ topic, messages }) as Promise<DeliveryReport[]>;
        }
        return Promise.all([...byTopic].map(([topic, messages]) => producer.send({ topic, messages }) as Promise<DeliveryReport[]>)).then((r) => r.flat());
      },
      (reports): ProduceResult[] => {
        // One partition written (every single send): its report is the base, no lookup table.
        if (reports.length === 1) return offsetsFromBase(records, partitions, () => reports[0]!.baseOffset ?? "0");
        const base = new Map(reports.map((m) => [`${m.partition}:${m.topicName}`, m.baseOffset ?? "0"]));
        return offsetsFromBase(records, partitions, (topic, partition) => base.get(`${partition}:${topic}`) ?? "0");
      },
    );
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
