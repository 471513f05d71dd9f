/** The platformatic admin driver. */
import { topicNotFound, type AdminDriver, type ResolvedConfig, type ResolvedTopicConfig, type TopicMetadata, type TopicPartitionOffset } from "@qi/streaming";
import { Admin } from "@platformatic/kafka";
import { isUnknownTopic, probe } from "./metadata.js";
import { baseOptions, routeLogs } from "./options.js";

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
    return (await this.client().listTopics()).filter((t) => !t.startsWith("__")).sort();
  }

  async getTopicMetadata(topics: readonly string[]): Promise<readonly TopicMetadata[]> {
    let meta;
    try {
      meta = await this.client().metadata({ topics: [...topics], forceUpdate: true, retries: 1 });
    } catch (error) {
      // platformatic names the missing topic in a UserError without a code; find which one.
      if (!isUnknownTopic(error)) throw error;
      const named = topics.find((t) => (error as Error).message.includes(`Unknown topic ${t}.`));
      throw topicNotFound(named ?? topics[0]!);
    }
    return topics.map((name) => {
      const t = meta.topics.get(name);
      if (!t) throw topicNotFound(name);
      return {
        name,
        partitions: t.partitions
          .map((p, partitionId) => ({ partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] }))
          .sort((a, b) => a.partitionId - b.partitionId),
      };
    });
  }

  async fetchCommittedOffsets(groupId: string, topic?: string): Promise<readonly TopicPartitionOffset[]> {
    const groups = await this.client().listConsumerGroupOffsets({ groups: [groupId] });
    return groups
      .flatMap((g) => g.topics)
      .filter((t) => topic === undefined || t.name === topic)
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset.toString() })))
      .filter((o) => o.offset !== "-1")
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
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
