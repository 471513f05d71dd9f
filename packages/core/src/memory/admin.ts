/** The memory connector's admin. */
import type { AdminDriver, ResolvedTopicConfig } from "../connector.js";
import type { TopicMetadata } from "../interfaces.js";
import type { TopicPartitionOffset } from "../messages/types.js";
import { topicAlreadyExists, topicNotFound } from "../errors/qi-error.js";
import type { MemoryCluster } from "./cluster.js";

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

  async disconnect(): Promise<void> {}

  native(): unknown {
    return this.cluster;
  }
}
