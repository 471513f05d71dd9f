/** The kafkajs producer driver. Partitions are chosen by core's router, so kafkajs never drops a record. */
import { offsetsFromBase, PartitionRouter, type OutgoingRecord, type ProduceResult, type ProducerConfig, type ProducerDriver, type ResolvedConfig } from "@qi/streaming";
import { CompressionTypes, Kafka, type Admin, type Message, type Producer, type RecordMetadata } from "kafkajs";
import { KAFKAJS_OPTIONS, kafkaConfig, pick } from "./options.js";

const CODECS = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD } as const;

export class KafkajsProducerDriver implements ProducerDriver {
  private readonly kafka: Kafka;
  private producer: Producer;
  /** Metadata only, without retries: a missing topic is reported at once. */
  private readonly metadata: Admin;
  private readonly router: PartitionRouter;
  private readonly acks: number;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly producerConfig: ProducerConfig,
  ) {
    this.kafka = new Kafka(kafkaConfig(config));
    this.producer = this.create();
    this.metadata = new Kafka(kafkaConfig(config, { retries: 1 })).admin();
    this.router = new PartitionRouter(async (topic) => {
      try {
        const meta = await this.metadata.fetchTopicMetadata({ topics: [topic] });
        return meta.topics[0]?.partitions.length;
      } catch (error) {
        if ((error as { type?: string }).type === "UNKNOWN_TOPIC_OR_PARTITION") return undefined;
        throw error;
      }
    });
    const acks = producerConfig.acks ?? "all";
    this.acks = acks === "all" ? -1 : acks;
  }

  private create(): Producer {
    return this.kafka.producer({
      idempotent: this.producerConfig.idempotent ?? false,
      allowAutoTopicCreation: false,
      ...pick(this.config.options, KAFKAJS_OPTIONS.producer),
      // Routing is core's (Java murmur2); this only silences kafkajs's partitioner warning.
      createPartitioner: () => ({ message }) => message.partition ?? 0,
    });
  }

  async connect(): Promise<void> {
    await Promise.all([this.producer.connect(), this.metadata.connect()]);
  }

  async send(records: readonly OutgoingRecord[]): Promise<readonly ProduceResult[]> {
    const partitions = await this.router.route(records);
    const byTopic = new Map<string, Message[]>();
    records.forEach((r, i) => {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({
        key: r.key,
        value: r.value,
        headers: r.headers,
        partition: partitions[i]!,
        ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
      });
    });
    const sending = this.producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      acks: this.acks,
      timeout: this.producerConfig.timeout ?? this.config.requestTimeout,
      compression: CODECS[this.producerConfig.compression ?? "none"],
    });
    const meta: RecordMetadata[] = await sending;
    const base = new Map(meta.map((m) => [`${m.partition}:${m.topicName}`, m.baseOffset ?? "0"]));
    return offsetsFromBase(records, partitions, (topic, partition) => base.get(`${partition}:${topic}`) ?? "0");
  }

  /** kafkajs does not buffer; core waits for the sends in flight. */
  async flush(): Promise<void> {}

  async disconnect(): Promise<void> {
    await Promise.all([this.producer.disconnect(), this.metadata.disconnect()]);
  }

  native(): unknown {
    return this.producer;
  }
}
