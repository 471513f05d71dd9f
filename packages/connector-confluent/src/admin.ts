/**
 * The confluent admin driver: the client's admin calls, answers as the client gives them (core
 * filters and sorts). The client's admin has no call to set a group's offsets, so
 * `setCommittedOffsets` commits them through a consumer of the group that never joins it
 * (librdkafka then commits as a simple consumer, which the broker accepts while the group has
 * no active member, as for Kafka's own admin API). `createPartitions` and `describeCluster`,
 * which the KafkaJS-style admin lacks, use the library's lower-level client (lower-admin.ts).
 * The library has no call for topic configurations (librdkafka's DescribeConfigs and
 * AlterConfigs are not bound): `describeConfigs` and `alterConfigs` are left out, so core
 * answers `UNSUPPORTED`.
 */
import type { TopicMetadata, TopicPartitionOffset } from "@qi/streaming";
import {
  alreadyExistsError,
  kafkaJsTopicSpecs,
  type AdminDriver,
  type ClusterDescription,
  type GroupDescription,
  type GroupListing,
  type GroupState,
  type PartitionOffset,
  type PartitionOffsets,
  type ResolvedConfig,
  type ResolvedTopicConfig,
  type TopicPartitions,
} from "@qi/streaming/connector";
import { createPartitions, describeCluster } from "./lower-admin.js";
import { commitConfirmed, connectWithin, kafkaJsApi, newKafka, Session, type NativeClient } from "./native.js";

interface NativeTopicMetadata {
  name: string;
  partitions: { partitionId: number; leader: number; replicas: number[]; isr: number[] }[];
}

/** A group as the client lists or describes it (librdkafka's ListConsumerGroups, DescribeConsumerGroups). */
interface NativeGroup {
  groupId: string;
  /** A number of librdkafka's `ConsumerGroupStates`. */
  state: number;
  /** `simple` for a group with no protocol type (only committed offsets), else `consumer`. */
  protocolType: string;
  isSimpleConsumerGroup: boolean;
  protocol?: string;
  members?: { memberId: string; clientId: string; clientHost: string; assignment?: { topicPartitions?: { topic: string; partition: number }[] } }[];
  error?: { code?: number };
}

/** Kafka's name of a librdkafka group state: `PREPARING_REBALANCE` is `PreparingRebalance`. */
export function groupState(state: number): GroupState {
  const name = Object.entries(kafkaJsApi().ConsumerGroupStates).find(([, n]) => n === state)?.[0];
  if (name === undefined) return String(state);
  return name.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** librdkafka tells a group with no protocol type as "simple"; the broker's word for it is "". */
const protocolTypeOf = (g: NativeGroup): string => (g.isSimpleConsumerGroup ? "" : g.protocolType);

/** The group coordinator's answer for a group it does not know, on brokers that answer with an error. */
const GROUP_ID_NOT_FOUND = 69;

function assignmentOf(tps: readonly { topic: string; partition: number }[]): TopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
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

  async listGroups(): Promise<readonly GroupListing[]> {
    const { groups, errors } = (await this.call((a) => a.listGroups({ timeout: this.config.requestTimeout }))) as { groups: NativeGroup[]; errors: unknown[] };
    // A broker that did not answer: a partial list would pass for the whole.
    if (errors.length > 0) throw errors[0];
    return groups.map((g) => ({ groupId: g.groupId, state: groupState(g.state), protocolType: protocolTypeOf(g) }));
  }

  async describeGroups(groupIds: readonly string[]): Promise<readonly GroupDescription[]> {
    const { groups } = (await this.call((a) => a.describeGroups([...groupIds], { timeout: this.config.requestTimeout }))) as { groups: NativeGroup[] };
    return groups.map((g) => {
      if (g.error?.code === GROUP_ID_NOT_FOUND) return { groupId: g.groupId, state: "Dead", protocolType: "", protocol: "", members: [] };
      if (g.error) throw g.error;
      return {
        groupId: g.groupId,
        state: groupState(g.state),
        protocolType: protocolTypeOf(g),
        protocol: g.protocol ?? "",
        // librdkafka decodes the consumer protocol's assignment itself.
        members: (g.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignment: assignmentOf(m.assignment?.topicPartitions ?? []) })),
      };
    });
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    // Rejects with the per-group reports (`groups[].error`) when the broker refused one.
    await this.call((a) => a.deleteGroups([...groupIds], { timeout: this.config.requestTimeout }));
  }

  async fetchTopicOffsets(topic: string): Promise<readonly PartitionOffsets[]> {
    const offsets = (await this.call((a) => a.fetchTopicOffsets(topic, { timeout: this.config.requestTimeout }))) as { partition: number; low: string; high: string }[];
    return offsets.map((o) => ({ partition: o.partition, earliest: String(o.low), latest: String(o.high) }));
  }

  async fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): Promise<readonly PartitionOffset[]> {
    // The client answers the latest offset where no message is at or after the time.
    const offsets = (await this.call((a) => a.fetchTopicOffsetsByTimestamp(topic, timestamp, { timeout: this.config.requestTimeout }))) as { partition: number; offset: string }[];
    return offsets.map((o) => ({ partition: o.partition, offset: String(o.offset) }));
  }

  async createPartitions(topic: string, count: number): Promise<void> {
    await createPartitions(this.config, this.session, topic, count);
  }

  async deleteRecords(topic: string, before: readonly PartitionOffset[]): Promise<void> {
    // Rejects with the partitions the broker refused (`partitions[].error`).
    await this.call((a) => a.deleteTopicRecords({ topic, partitions: before.map((o) => ({ partition: o.partition, offset: o.offset })), timeout: this.config.requestTimeout }));
  }

  describeCluster(): Promise<ClusterDescription> {
    return describeCluster(this.config, this.session);
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
