/**
 * The kafkajs admin driver: each primitive is a kafkajs admin call (or two), its answer mapped
 * to core's shapes as it is (core checks the input first, filters and sorts).
 */
import type { TopicMetadata, TopicPartitionOffset } from "@qi/streaming";
import {
  alreadyExistsError,
  kafkaJsTopicSpecs,
  type AdminDriver,
  type ClusterDescription,
  type ConfigEntry,
  type GroupDescription,
  type GroupListing,
  type PartitionOffset,
  type PartitionOffsets,
  type ResolvedConfig,
  type ResolvedTopicConfig,
  type TopicPartitions,
  toQiError,
} from "@qi/streaming/connector";
import { AssignerProtocol, Kafka, type Admin, type ConfigEntries, type ConfigResourceTypes, type ConfigSource } from "kafkajs";
import { kafkaConfig } from "./options.js";
import { classifyError } from "./errors.js";

// kafkajs's `ConfigResourceTypes` and `ConfigSource` exist at run time but are not named exports
// an ES module can import (Node's CommonJS lexer stops before them), so their values are here.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes.TOPIC;
const TOPIC_CONFIG_SOURCE = 1 as ConfigSource.TOPIC_CONFIG;

/** A member's assignment in the consumer protocol, by topic; empty while the group rebalances (no bytes yet). */
function consumerAssignment(bytes: Buffer): TopicPartitions[] {
  const decoded = bytes.length === 0 ? null : AssignerProtocol.MemberAssignment.decode(bytes);
  return decoded === null ? [] : Object.entries(decoded.assignment).map(([topic, partitions]) => ({ topic, partitions: [...partitions] }));
}

/** The entry is set on the topic itself (DescribeConfigs v0 has no source, only kafkajs's `isDefault`). */
function isTopicOverride(e: ConfigEntries): boolean {
  return e.configSource === undefined ? !e.isDefault : e.configSource === TOPIC_CONFIG_SOURCE;
}

export class KafkajsAdminDriver implements AdminDriver {
  private readonly admin: Admin;

  constructor(private readonly config: ResolvedConfig) {
    this.admin = new Kafka(kafkaConfig(config)).admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async createTopics(topics: readonly ResolvedTopicConfig[]): Promise<void> {
    let created: boolean;
    try {
      created = await this.admin.createTopics({
        waitForLeaders: true,
        timeout: this.config.requestTimeout,
        topics: kafkaJsTopicSpecs(topics),
      });
    } catch (error) {
      // waitForLeaders reads the new topics' metadata with a few retries only: on a fresh or
      // busy broker it can give up with UNKNOWN_TOPIC_OR_PARTITION although every topic was
      // created (seen right after a broker started). Created is what counts; core then waits
      // until they are listed.
      if (toQiError(error, {}, classifyError).code !== "TOPIC_NOT_FOUND") throw error;
      const listed = new Set(await this.admin.listTopics());
      if (!topics.every((t) => listed.has(t.topic))) throw error;
      return;
    }
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

  // --- groups ---------------------------------------------------------------------------------

  /**
   * kafkajs's ListGroups (v0 to v2) answers no state, so the listed groups are described once
   * more to get it; one deleted in between (described `Dead`) is left out, as Kafka lists it no more.
   */
  async listGroups(): Promise<readonly GroupListing[]> {
    const { groups } = await this.admin.listGroups();
    const ids = [...new Set(groups.map((g) => g.groupId))];
    if (ids.length === 0) return [];
    const { groups: described } = await this.admin.describeGroups(ids);
    return ids.flatMap((groupId) => {
      const d = described.find((g) => g.groupId === groupId);
      if (d === undefined || d.state === "Dead") return [];
      return [{ groupId, state: d.state, protocolType: groups.find((g) => g.groupId === groupId)?.protocolType ?? d.protocolType }];
    });
  }

  /** kafkajs's DescribeGroups; Kafka answers an unknown group with state `Dead`, no error and no members. */
  async describeGroups(groupIds: readonly string[]): Promise<readonly GroupDescription[]> {
    const { groups } = await this.admin.describeGroups([...groupIds]);
    return groups.map((g) => ({
      groupId: g.groupId,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: g.protocolType === "consumer" ? consumerAssignment(m.memberAssignment) : [],
      })),
    }));
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    await this.admin.deleteGroups([...groupIds]);
  }

  // --- offsets --------------------------------------------------------------------------------

  /**
   * Two ListOffsets requests (earliest, latest). The kafkajs admin lists offsets read_committed:
   * the latest is the last stable offset, the high watermark unless a transaction is open.
   */
  async fetchTopicOffsets(topic: string): Promise<readonly PartitionOffsets[]> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, earliest: String(o.low), latest: String(o.high) }));
  }

  /** kafkajs already answers the latest offset where no message is at or after the time. */
  async fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): Promise<readonly PartitionOffset[]> {
    const offsets = await this.admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
    return offsets.map((o) => ({ partition: o.partition, offset: String(o.offset) }));
  }

  // --- topics ---------------------------------------------------------------------------------

  async createPartitions(topic: string, count: number): Promise<void> {
    await this.admin.createPartitions({ topicPartitions: [{ topic, count }], timeout: this.config.requestTimeout });
  }

  /**
   * kafkajs's deleteTopicRecords looks the partitions' leaders up in the metadata it already
   * holds, and fails for a topic this admin never looked up ("Topic metadata not loaded", or
   * "Could not find the leader for the partition" once it holds other topics). Fetching the
   * topic's offsets first makes it one of the admin's target topics.
   */
  async deleteRecords(topic: string, before: readonly PartitionOffset[]): Promise<void> {
    if (before.length === 0) return;
    await this.admin.fetchTopicOffsets(topic);
    await this.admin.deleteTopicRecords({ topic, partitions: before.map((o) => ({ partition: o.partition, offset: o.offset })) });
  }

  /**
   * `isDefault` means "no topic-level value": kafkajs's own flag is true only for Kafka's
   * built-in default (config source 5), and false for a broker-level value the topic inherits.
   */
  async describeConfigs(topic: string): Promise<readonly ConfigEntry[]> {
    return (await this.topicConfigs(topic)).map((e) => ({
      name: e.configName,
      value: e.isSensitive ? null : (e.configValue ?? null),
      isDefault: !isTopicOverride(e),
      readOnly: e.readOnly,
      sensitive: e.isSensitive,
    }));
  }

  /**
   * kafkajs has no IncrementalAlterConfigs (2.2.4): its AlterConfigs replaces every topic-level
   * value of the topic, and one left out returns to its default. So the topic's current
   * overrides are read and merged with the given ones, and the whole set is written. Between
   * the read and the write, a change made by someone else to another key would be undone.
   */
  async alterConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
    const merged = new Map<string, string>();
    for (const e of await this.topicConfigs(topic)) {
      // Topic configs have no password type: a hidden override (value null) would be dropped here.
      if (isTopicOverride(e) && e.configValue !== null) merged.set(e.configName, e.configValue);
    }
    for (const [name, value] of Object.entries(configs)) merged.set(name, value);
    await this.admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC_RESOURCE, name: topic, configEntries: [...merged].map(([name, value]) => ({ name, value })) }],
    });
  }

  // --- cluster --------------------------------------------------------------------------------

  /** From one Metadata request; KRaft brokers report an alive broker as the controller. */
  async describeCluster(): Promise<ClusterDescription> {
    const { brokers, controller, clusterId } = await this.admin.describeCluster();
    return { clusterId: clusterId ?? null, controller: controller ?? null, brokers: brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })) };
  }

  private async topicConfigs(topic: string): Promise<readonly ConfigEntries[]> {
    const { resources } = await this.admin.describeConfigs({ resources: [{ type: TOPIC_RESOURCE, name: topic }], includeSynonyms: false });
    return resources.find((r) => r.resourceName === topic)?.configEntries ?? [];
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }

  native(): unknown {
    return this.admin;
  }
}
