/** The kafkajs admin driver: each primitive is one kafkajs admin call, answered as kafkajs answers (core filters and sorts). */
import type { TopicMetadata, TopicPartitionOffset } from "@qi/streaming";
import { alreadyExistsError, kafkaJsTopicSpecs, type AdminDriver, type ResolvedConfig, type ResolvedTopicConfig } from "@qi/streaming/connector";
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
    return this.admin.listTopics();
  }

  async getTopicMetadata(topics: readonly string[]): Promise<readonly TopicMetadata[]> {
    const meta = await this.admin.fetchTopicMetadata({ topics: [...topics] });
    return topics.map((name) => ({
      name,
      partitions: (meta.topics.find((m) => m.name === name)?.partitions ?? []).map((p) => ({ partitionId: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr })),
    }));
  }

  async fetchCommittedOffsets(groupId: string, topic?: string): Promise<readonly TopicPartitionOffset[]> {
    const result = await this.admin.fetchOffsets({ groupId, ...(topic === undefined ? {} : { topics: [topic] }) });
    return result.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })));
  }

  /**
   * kafkajs sets one topic's offsets per call (it joins the group with a consumer of its own and
   * fails while the group has members), so the topics go one after the other.
   */
  async setCommittedOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const o of offsets) {
      let partitions = byTopic.get(o.topic);
      if (!partitions) byTopic.set(o.topic, (partitions = []));
      partitions.push({ partition: o.partition, offset: o.offset });
    }
    for (const [topic, partitions] of byTopic) await this.admin.setOffsets({ groupId, topic, partitions });
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }

  native(): unknown {
    return this.admin;
  }
}
