/**
 * The memory connector's admin: the cluster's topics, groups and offsets, answered as a Kafka
 * broker answers (core checks the input, the topic's existence and a group's members first).
 */
import type { ClusterDescription, ConfigEntry, GroupDescription, GroupListing, PartitionOffset, PartitionOffsets } from "../admin-types.js";
import type { AdminDriver, ResolvedTopicConfig } from "../connector.js";
import type { TopicMetadata } from "../interfaces.js";
import type { TopicPartitionOffset } from "../messages/types.js";
import { topicAlreadyExists, topicNotFound } from "../errors/qi-error.js";
import type { MemoryCluster } from "./cluster.js";
import { describeTopicConfigs } from "./topic-configs.js";

/** The one broker of a memory cluster, which is also its controller (topic metadata names it as every partition's leader). */
const BROKER = { nodeId: 0, host: "memory", port: 0 } as const;

export class MemoryAdminDriver implements AdminDriver {
  constructor(private readonly cluster: MemoryCluster) {}

  async connect(): Promise<void> {}

  async createTopics(topics: readonly ResolvedTopicConfig[]): Promise<void> {
    // All or nothing, as one CreateTopics request that fails validation.
    for (const t of topics) if (this.cluster.hasTopic(t.topic)) throw topicAlreadyExists(t.topic);
    for (const t of topics) this.cluster.createTopic(t);
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    for (const t of topics) if (!this.cluster.hasTopic(t)) throw topicNotFound(t);
    for (const t of topics) this.cluster.deleteTopic(t);
  }

  async listTopics(): Promise<readonly string[]> {
    return this.cluster.listTopics();
  }

  async getTopicMetadata(topics: readonly string[]): Promise<readonly TopicMetadata[]> {
    return topics.map((t) => this.cluster.metadata(t));
  }

  async fetchCommittedOffsets(groupId: string, topic?: string): Promise<readonly TopicPartitionOffset[]> {
    const group = this.cluster.findGroup(groupId);
    if (!group) return [];
    return [...group.committed.values()].filter((o) => topic === undefined || o.topic === topic).map((o) => ({ ...o }));
  }

  async setCommittedOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.cluster.group(groupId).commit(offsets);
  }

  async listGroups(): Promise<readonly GroupListing[]> {
    return this.cluster.listGroups().map((g) => {
      const { groupId, state, protocolType } = g.describe();
      return { groupId, state, protocolType };
    });
  }

  async describeGroups(groupIds: readonly string[]): Promise<readonly GroupDescription[]> {
    return groupIds.map((id) => this.cluster.findGroup(id)?.describe() ?? { groupId: id, state: "Dead", protocolType: "", protocol: "", members: [] });
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    for (const id of groupIds) this.cluster.deleteGroup(id);
  }

  async fetchTopicOffsets(topic: string): Promise<readonly PartitionOffsets[]> {
    return this.cluster.metadata(topic).partitions.map(({ partitionId: p }) => ({ partition: p, earliest: String(this.cluster.startOffset(topic, p)), latest: String(this.cluster.endOffset(topic, p)) }));
  }

  async fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): Promise<readonly PartitionOffset[]> {
    return this.cluster.offsetsForTime(topic, timestamp);
  }

  async createPartitions(topic: string, count: number): Promise<void> {
    this.cluster.addPartitions(topic, count);
  }

  async deleteRecords(topic: string, before: readonly PartitionOffset[]): Promise<void> {
    this.cluster.deleteRecords(topic, before);
  }

  async describeConfigs(topic: string): Promise<readonly ConfigEntry[]> {
    return describeTopicConfigs(this.cluster.topicConfigs(topic));
  }

  /** Kafka's incremental alter (SET of each key given): the other entries stay. */
  async alterConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
    this.cluster.alterTopicConfigs(topic, configs);
  }

  async describeCluster(): Promise<ClusterDescription> {
    return { clusterId: this.cluster.clusterId, controller: BROKER.nodeId, brokers: [{ ...BROKER }] };
  }

  async disconnect(): Promise<void> {}

  native(): unknown {
    return this.cluster;
  }
}
