/**
 * The platformatic admin driver: topics, metadata and a group's committed offsets (read, and set
 * without joining the group); the group, offset, topic-config and cluster primitives are mapped
 * in admin-ops.ts. Core sorts and filters the answers.
 */
import type { ClusterDescription, ConfigEntry, GroupDescription, GroupListing, PartitionOffset, PartitionOffsets, TopicMetadata, TopicPartitionOffset } from "@qi/streaming";
import { topicNotFound, type AdminDriver, type ResolvedConfig, type ResolvedTopicConfig } from "@qi/streaming/connector";
import { Admin } from "@platformatic/kafka";
import * as ops from "./admin-ops.js";
import { isUnknownTopic, unknownTopicOf } from "./errors.js";
import { routeLogs } from "./logs.js";
import { probe } from "./metadata.js";
import { baseOptions } from "./options.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class PlatformaticAdminDriver implements AdminDriver {
  private admin: Admin | undefined;
  private unroute: (() => void) | undefined;

  constructor(private readonly config: ResolvedConfig) {}

  /** A closed platformatic client cannot reopen: `connect` after `disconnect` makes a new one. */
  private client(): Admin {
    if (!this.admin) {
      this.admin = new Admin(baseOptions(this.config));
      this.unroute = routeLogs(this.admin, this.config.logger, "admin");
    }
    return this.admin;
  }

  async connect(): Promise<void> {
    await probe(this.client(), () => this.disconnect());
  }

  async createTopics(topics: readonly ResolvedTopicConfig[]): Promise<void> {
    const admin = this.client();
    // platformatic takes one `configs` list per call: one call per topic keeps each its own.
    await Promise.all(
      topics.map((t) =>
        admin.createTopics({
          topics: [t.topic],
          partitions: t.numPartitions,
          replicas: t.replicationFactor,
          configs: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
        }),
      ),
    );
    await this.waitForLeaders(topics.map((t) => t.topic));
  }

  /** Like kafkajs's `waitForLeaders`: a created topic is usable when every partition has a leader. */
  private async waitForLeaders(topics: string[]): Promise<void> {
    const deadline = Date.now() + this.config.requestTimeout;
    for (;;) {
      try {
        const meta = await this.client().metadata({ topics, forceUpdate: true, retries: 0 });
        const ready = topics.every((t) => {
          const m = meta.topics.get(t);
          return m !== undefined && m.partitionsCount > 0 && m.partitions.every((p) => p !== undefined && p.leader >= 0);
        });
        if (ready) return;
      } catch (error) {
        if (!isUnknownTopic(error) && Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) return;
      await sleep(50);
    }
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    // platformatic retries UNKNOWN_TOPIC_OR_PARTITION with the whole retry budget (9 s by default)
    // before failing: a topic that is not there is NOT_FOUND at once.
    const existing = new Set(await this.client().listTopics());
    const missing = topics.find((t) => !existing.has(t));
    if (missing !== undefined) throw topicNotFound(missing);
    await this.client().deleteTopics({ topics: [...topics] });
  }

  async listTopics(): Promise<readonly string[]> {
    return this.client().listTopics();
  }

  async getTopicMetadata(topics: readonly string[]): Promise<readonly TopicMetadata[]> {
    let meta;
    try {
      meta = await this.client().metadata({ topics: [...topics], forceUpdate: true, retries: 1 });
    } catch (error) {
      // platformatic names the missing topic in a UserError without a code; find which one.
      if (!isUnknownTopic(error)) throw error;
      throw topicNotFound(unknownTopicOf(error, topics) ?? topics[0]!);
    }
    return topics.map((name) => {
      const t = meta.topics.get(name);
      if (!t) throw topicNotFound(name);
      return {
        name,
        partitions: t.partitions.map((p, partitionId) => ({ partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] })),
      };
    });
  }

  /** Every topic the group committed (core keeps the asked topic's). */
  async fetchCommittedOffsets(groupId: string): Promise<readonly TopicPartitionOffset[]> {
    const groups = await this.client().listConsumerGroupOffsets({ groups: [groupId] });
    return groups
      .flatMap((g) => g.topics)
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset.toString() })));
  }

  /** Kafka takes offsets for a group without members from the admin API (OffsetCommit with no member). */
  async setCommittedOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: BigInt(o.offset) }]);
    await this.client().alterConsumerGroupOffsets({ groupId, topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) });
  }

  listGroups(): Promise<readonly GroupListing[]> {
    return ops.listGroups(this.client());
  }

  describeGroups(groupIds: readonly string[]): Promise<readonly GroupDescription[]> {
    return ops.describeGroups(this.client(), groupIds);
  }

  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return ops.deleteGroups(this.client(), groupIds);
  }

  fetchTopicOffsets(topic: string): Promise<readonly PartitionOffsets[]> {
    return ops.fetchTopicOffsets(this.client(), topic);
  }

  fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): Promise<readonly PartitionOffset[]> {
    return ops.fetchTopicOffsetsByTimestamp(this.client(), topic, timestamp);
  }

  createPartitions(topic: string, count: number): Promise<void> {
    return ops.createPartitions(this.client(), topic, count);
  }

  deleteRecords(topic: string, before: readonly PartitionOffset[]): Promise<void> {
    return ops.deleteRecords(this.client(), topic, before);
  }

  describeConfigs(topic: string): Promise<readonly ConfigEntry[]> {
    return ops.describeConfigs(this.client(), topic);
  }

  alterConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
    return ops.alterConfigs(this.client(), topic, configs);
  }

  describeCluster(): Promise<ClusterDescription> {
    return ops.describeCluster(this.client());
  }

  async disconnect(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    this.unroute?.();
    await admin?.close();
  }

  native(): unknown {
    return this.client();
  }
}
