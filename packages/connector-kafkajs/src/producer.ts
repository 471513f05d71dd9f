/**
 * The kafkajs producer driver. Core routes every record; kafkajs writes each to the partition
 * core chose (it would silently drop a record for a partition that does not exist, so the
 * partition count comes from a metadata client first).
 */
import type { ProduceResult } from "@qi/streaming";
import { offsetsFromBase, type ProducerDriver, type ResolvedConfig, type ResolvedProducerConfig, type RoutedRecord } from "@qi/streaming/connector";
import { Kafka, type Admin, type Message, type Producer, type TopicMessages } from "kafkajs";
import { isUnknownTopic } from "./errors.js";
import { kafkaConfig, producerOptions, sendOptions, type SendOptions } from "./options.js";

export class KafkajsProducerDriver implements ProducerDriver {
  private readonly producer: Producer;
  /** Metadata only, with one retry: a missing topic is reported at once. */
  private readonly metadata: Admin;
  private readonly options: SendOptions;

  constructor(config: ResolvedConfig, producerConfig: ResolvedProducerConfig) {
    this.producer = new Kafka(kafkaConfig(config)).producer(producerOptions(config, producerConfig));
    this.metadata = new Kafka(kafkaConfig(config, { retries: 1 })).admin();
    this.options = sendOptions(producerConfig);
  }

  async connect(): Promise<void> {
    await Promise.all([this.producer.connect(), this.metadata.connect()]);
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    try {
      const meta = await this.metadata.fetchTopicMetadata({ topics: [topic] });
      return meta.topics[0]?.partitions.length;
    } catch (error) {
      if (isUnknownTopic(error)) return undefined;
      throw error;
    }
  }

  async send(records: readonly RoutedRecord[]): Promise<readonly ProduceResult[]> {
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      let messages = byTopic.get(r.topic);
      if (!messages) byTopic.set(r.topic, (messages = []));
      messages.push({
        key: r.key,
        value: r.value,
        headers: r.headers,
        partition: r.partition,
        ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
      });
    }
    const topicMessages: TopicMessages[] = [];
    for (const [topic, messages] of byTopic) topicMessages.push({ topic, messages });
    const written = await this.producer.sendBatch({ topicMessages, ...this.options });
    return offsetsFromBase(records, written.map((m) => ({ topic: m.topicName, partition: m.partition, baseOffset: m.baseOffset })));
  }

  /** kafkajs buffers nothing: every send is one request (core waits for its own sends in flight). */
  async flush(): Promise<void> {}

  async disconnect(): Promise<void> {
    await Promise.all([this.producer.disconnect(), this.metadata.disconnect()]);
  }

  native(): unknown {
    return this.producer;
  }
}
