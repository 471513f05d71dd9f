/** The kafkajs admin driver. */
import { alreadyExistsError, kafkaJsTopicSpecs, type AdminDriver, type ResolvedConfig, type ResolvedTopicConfig, type TopicMetadata, type TopicPartitionOffset } from "@qi/streaming";
import { Kafka, type Admin } from "kafkajs";
import { kafkaConfig } from "./options.js";

export class KafkajsAdminDriver implements AdminDriver {
  private readonly admin: Admin;

  constructor(private readonly config: ResolvedConfig) {
    this.admin = new Kafka(kafkaConfig(config)).admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async createTopics(topics: readonly ResolvedTopicConfig[]): Promise<void> {
    const created = await this.admin.createTopics({
      waitForLeaders: true,
      timeout: this.config.requestTimeout,
      topics: kafkaJsTopicSpecs(topics),
    });
    // kafkajs answers `false` (no error) when a topic already existed.
    if (!created) {
      throw await alreadyExistsError(topics, () => this.admin.listTopics());
    }
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    await this.admin.deleteTopics({ topics: [...topics], timeout: this.config.requestTimeout });
  }

  async listTopics(): Promise<readonly string[]> {
    return (await this.admin.listTopics()).filter((t) => !t.startsWith("__")).sort();
  }

  async getTopicMetadata(topics: readonly string[]): Promise<readonly TopicMetadata[]> {
    const meta = await this.admin.fetchTopicMetadata({ topics: [...topics] });
    return topics.map((name) => {
      const t = meta.topics.find((m) => m.name === name);
      return {
        name,
        partitions: (t?.partitions ?? [])
          .map((p) => ({ partitionId: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
          .sort((a, b) => a.partitionId - b.partitionId),
      };
    });
  }

  async fetchCommittedOffsets(groupId: string, topic?: string): Promise<readonly TopicPartitionOffset[]> {
    const result = await this.admin.fetchOffsets({ groupId, ...(topic === undefined ? {} : { topics: [topic] }) });
    return result
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })))
      .filter((o) => o.offset !== "-1")
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }

  native(): unknown {
    return this.admin;
  }
}
