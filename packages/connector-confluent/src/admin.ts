/** The confluent admin driver. */
import { alreadyExistsError, kafkaJsTopicSpecs, type AdminDriver, type ResolvedConfig, type ResolvedTopicConfig, type TopicMetadata, type TopicPartitionOffset } from "@qi/streaming";
import { connectWithin, newKafka, Session, type NativeClient } from "./native.js";

interface NativeTopicMetadata {
  name: string;
  partitions: { partitionId: number; leader: number; replicas: number[]; isr: number[] }[];
}

export class ConfluentAdminDriver implements AdminDriver {
  private admin: NativeClient | undefined;
  private readonly session = new Session();

  constructor(private readonly config: ResolvedConfig) {}

  async connect(): Promise<void> {
    const admin = newKafka(this.config, undefined, this.session).admin();
    await this.session.call(() => connectWithin(admin, this.config));
    this.admin = admin;
  }

  async createTopics(topics: readonly ResolvedTopicConfig[]): Promise<void> {
    const created = (await this.call((a) => a.createTopics({
      timeout: this.config.requestTimeout,
      topics: kafkaJsTopicSpecs(topics),
    }))) as boolean;
    // The client answers `false`, not an error, when a topic already existed.
    if (!created) {
      throw await alreadyExistsError(topics, () => this.listTopics());
    }
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    await this.call((a) => a.deleteTopics({ topics: [...topics], timeout: this.config.requestTimeout }));
  }

  async listTopics(): Promise<readonly string[]> {
    return ((await this.call((a) => a.listTopics())) as string[]).filter((t) => !t.startsWith("__")).sort();
  }

  async getTopicMetadata(topics: readonly string[]): Promise<readonly TopicMetadata[]> {
    const meta = (await this.call((a) => a.fetchTopicMetadata({ topics: [...topics] }))) as NativeTopicMetadata[];
    return topics.map((name) => ({
      name,
      partitions: (meta.find((m) => m.name === name)?.partitions ?? [])
        .map((p) => ({ partitionId: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
        .sort((a, b) => a.partitionId - b.partitionId),
    }));
  }

  async fetchCommittedOffsets(groupId: string, topic?: string): Promise<readonly TopicPartitionOffset[]> {
    const result = (await this.call((a) => a.fetchOffsets({ groupId, ...(topic === undefined ? {} : { topics: [topic] }) }))) as { topic: string; partitions: { partition: number; offset: string }[] }[];
    return result
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: String(p.offset) })))
      .filter((o) => o.offset !== "-1" && (topic === undefined || o.topic === topic))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  /** A call on the connected client, failed at once on an authentication error. */
  private call<T>(fn: (admin: NativeClient) => Promise<T>): Promise<T> {
    return this.session.call(() => fn(this.admin!));
  }

  async disconnect(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect();
  }

  native(): unknown {
    return this.admin;
  }
}
