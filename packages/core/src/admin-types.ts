/**
 * What the admin's group, offset, topic and cluster operations return: plain data, the same on
 * every connector. Offsets are decimal strings (as everywhere in the API: they pass 2^53).
 */
import type { TopicPartition } from "./messages/types.js";

/**
 * A group's state as the broker names it (classic protocol): `Empty` (no members, maybe
 * committed offsets), `Stable`, `PreparingRebalance`, `CompletingRebalance`; KIP-848 groups
 * add `Assigning`, `Reconciling`; anything else the broker says is passed on as it is.
 */
export type GroupState = "Empty" | "Stable" | "PreparingRebalance" | "CompletingRebalance" | "Assigning" | "Reconciling" | (string & {});

/** One group of `listGroups()`. */
export interface GroupListing {
  /** The group id. */
  readonly groupId: string;
  /** Its state (see `GroupState`). */
  readonly state: GroupState;
  /** `consumer` for consumer groups; `""` for a group that only has committed offsets, on some brokers. */
  readonly protocolType: string;
}

/** Partitions of one topic. */
export interface TopicPartitions {
  /** The topic. */
  readonly topic: string;
  /** Its partitions, ascending. */
  readonly partitions: readonly number[];
}

/** A member of a group, as `describeGroups()` shows it. */
export interface GroupMember {
  /** The id the coordinator gave the member. */
  readonly memberId: string;
  /** The member's client id (`clientId` of its config). */
  readonly clientId: string;
  /** The member's host, as the broker saw it (`/127.0.0.1`). */
  readonly host: string;
  /** The partitions assigned to it, by topic (ascending); empty during a rebalance. */
  readonly assignment: readonly TopicPartitions[];
}

/** One group of `describeGroups()`. */
export interface GroupDescription {
  /** The group id. */
  readonly groupId: string;
  /** Its state (see `GroupState`). */
  readonly state: GroupState;
  /** `consumer` for consumer groups. */
  readonly protocolType: string;
  /** The assignor the members agreed on (`roundrobin`, `range`, ...); `""` with no members. */
  readonly protocol: string;
  /** Its members, by member id. */
  readonly members: readonly GroupMember[];
}

/** A partition's first and next offsets, from `fetchTopicOffsets()`. */
export interface PartitionOffsets {
  /** The partition. */
  readonly partition: number;
  /** The first offset still held (the log start offset). */
  readonly earliest: string;
  /** The offset the next message will get (the high watermark). */
  readonly latest: string;
}

/** A partition's offset, from `fetchTopicOffsetsByTimestamp()`. */
export interface PartitionOffset {
  /** The partition. */
  readonly partition: number;
  /** The offset. */
  readonly offset: string;
}

/** Where `resetOffsets` moves a group: the first or next offset, the first message at or after a time, or explicit offsets. */
export type OffsetResetTarget = "earliest" | "latest" | TimestampTarget | readonly PartitionOffset[];

/** A time to reset to: each partition moves to its first message at or after it. */
export interface TimestampTarget {
  /** ms since the epoch, not in the future. */
  readonly timestamp: number;
}

/** One partition of `groupLag()`. */
export interface PartitionLag extends TopicPartition {
  /** The group's committed offset (the next it reads); `null` when it has committed none on this partition. */
  readonly committed: string | null;
  /** The partition's high watermark. */
  readonly latest: string;
  /** Messages the group has not handled: `latest - committed` (from the earliest offset when none is committed). */
  readonly lag: string;
}

/** One configuration entry of a topic, from `describeConfigs()`. */
export interface ConfigEntry {
  /** The name (`retention.ms`, `cleanup.policy`, ...). */
  readonly name: string;
  /** Its value; `null` for a sensitive one, which the broker does not return. */
  readonly value: string | null;
  /** True when no topic-level value is set (the broker's or Kafka's default applies). */
  readonly isDefault: boolean;
  /** True when the value cannot be changed on a topic. */
  readonly readOnly: boolean;
  /** True for a password-type entry. */
  readonly sensitive: boolean;
}

/** A broker of the cluster. */
export interface BrokerNode {
  /** Its node id. */
  readonly nodeId: number;
  /** The host it advertises. */
  readonly host: string;
  /** The port it advertises. */
  readonly port: number;
}

/** The cluster, from `describeCluster()`. */
export interface ClusterDescription {
  /** The cluster id (`null` where the client does not report it). */
  readonly clusterId: string | null;
  /** The node id of the controller as the brokers report it (`null` when there is none). */
  readonly controller: number | null;
  /** Its brokers, by node id. */
  readonly brokers: readonly BrokerNode[];
}
