/**
 * The confluent admin driver: the client's admin calls, answers as the client gives them (core
 * filters and sorts). The client's admin has no call to set a group's offsets, so
 * `setCommittedOffsets` commits them through a consumer of the group that never joins it
 * (librdkafka then commits as a simple consumer, which the broker accepts while the group has
 * no active member, as for Kafka's own admin API).
 */
import type { TopicMetadata, TopicPartitionOffset } from "@qi/streaming";
import { alreadyExistsError, kafkaJsTopicSpecs, type AdminDriver, type ResolvedConfig, type ResolvedTopicConfig } from "@qi/streaming/connector";
import { commitConfirmed, connectWithin, newKafka, Session, type NativeClient } from "./native.js";

interface NativeTopicMetadata {
  name: string;
  partitions: { partitionId: number; leader: number; replicas: number[]; isr: number[] }[];
}

export class ConfluentAdminDriver implements AdminDriver {
  private admin: NativeClient | undefined;
  private readonly session = new Session();

  constructor(private readonly config: ResolvedConfig) {}

  async connect(): Promise<void> {
    // librdkafka's admin connects without a word to a broker: the probe's request makes a wrong
    // password (or no broker) fail connect() itself, as on the other roles and connectors.
    const admin = newKafka(this.config, this.session).admin();
    await connectWithin(admin, this.config, this.session);
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
    return (await this.call((a) => a.listTopics())) as string[];
  }

  async getTopicMetadata(topics: readonly string[]): Promise<readonly TopicMetadata[]> {
    const meta = (await this.call((a) => a.fetchTopicMetadata({ topics: [...topics] }))) as NativeTopicMetadata[];
    return topics.map((name) => ({
      name,
      partitions: (meta.find((m) => m.name === name)?.partitions ?? []).map((p) => ({ partitionId: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr })),
    }));
  }

  async fetchCommittedOffsets(groupId: string, topic?: string): Promise<readonly TopicPartitionOffset[]> {
    const result = (await this.call((a) => a.fetchOffsets({ groupId, ...(topic === undefined ? {} : { topics: [topic] }) }))) as { topic: string; partitions: { partition: number; offset: string }[] }[];
    return result.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: String(p.offset) })));
  }

  async setCommittedOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const consumer = newKafka(this.config, this.session).consumer({ kafkaJS: { groupId, autoCommit: false } });
    await connectWithin(consumer, this.config, this.session);
    try {
      // A member that never joined knows no coordinator yet: a first commit would fail with
      // NOT_COORDINATOR. Reading the committed offsets waits until it is found.
      await this.session.call(() => consumer.committed(offsets.map((o) => ({ topic: o.topic, partition: o.partition })), this.config.requestTimeout));
      await commitConfirmed(consumer, this.session, offsets, this.config.requestTimeout);
    } finally {
      await consumer.disconnect().catch(() => {});
    }
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
