/**
 * The confluent producer driver. Partitions come from core's router (librdkafka's default is
 * CRC32); acks, compression and the timeout are producer settings (its `send` rejects them per
 * call); `linger.ms` defaults to 0 so that an awaited send is not held back (librdkafka still
 * batches what queues up while a request is in flight).
 */
import { offsetsFromBase, PartitionRouter, type OutgoingRecord, type ProduceResult, type ProducerConfig, type ProducerDriver, type ResolvedConfig } from "@qi/streaming";
import { connectWithin, newKafka, Session, type NativeClient } from "./native.js";
import { librdkafkaProperties } from "./options.js";

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

  async send(records: readonly OutgoingRecord[]): Promise<readonly ProduceResult[]> {
    const partitions = await this.router.route(records);
    const byTopic = new Map<string, object[]>();
    records.forEach((r, i) => {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      // Fresh objects: the client rewrites the messages it is given.
      list.push({ key: r.key, value: r.value, headers: { ...r.headers }, partition: partitions[i], ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }) });
    });
    const reports = await this.session.call(() =>
      Promise.all([...byTopic].map(([topic, messages]) => this.producer!.send({ topic, messages }) as Promise<{ topicName: string; partition: number; baseOffset?: string }[]>)),
    );
    const base = new Map(reports.flat().map((m) => [`${m.partition}:${m.topicName}`, m.baseOffset ?? "0"]));
    return offsetsFromBase(records, partitions, (topic, partition) => base.get(`${partition}:${topic}`) ?? "0");
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
