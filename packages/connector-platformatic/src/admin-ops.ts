/**
 * The admin's group, offset, topic and cluster primitives over platformatic's `Admin`: each maps
 * one high-level call and its answer onto core's shapes. Core checks the input, the topic's
 * existence and a group's members first, composes `resetOffsets` and `groupLag`, and sorts.
 */
import type { ClusterDescription, ConfigEntry, GroupDescription, GroupListing, PartitionOffset, PartitionOffsets } from "@qi/streaming";
import { ConfigResourceTypes, ConfigSources, IncrementalAlterConfigOperationTypes, ListOffsetTimestamps, type Admin, type Group } from "@platformatic/kafka";
import { partitionCount } from "./metadata.js";

/** ListGroups (one request per broker, merged by platformatic); its state is `Unknown` below ListGroups v4. */
export async function listGroups(admin: Admin): Promise<readonly GroupListing[]> {
  const groups = await admin.listGroups();
  return [...groups.values()].map((g) => ({ groupId: g.id, state: g.state, protocolType: g.protocolType }));
}

/**
 * DescribeGroups at each group's coordinator. platformatic decodes the consumer protocol's
 * member assignment (an empty one during a rebalance); DescribeGroups up to v5, which it speaks,
 * answers an unknown group as `Dead` with no members and no error.
 */
export async function describeGroups(admin: Admin, groupIds: readonly string[]): Promise<readonly GroupDescription[]> {
  const groups = await admin.describeGroups({ groups: [...groupIds] });
  return groupIds.flatMap((id) => {
    const g = groups.get(id);
    return g === undefined ? [] : [description(g)];
  });
}

function description(g: Group): GroupDescription {
  return {
    groupId: g.id,
    state: g.state,
    protocolType: g.protocolType,
    protocol: g.protocol ?? "",
    members: [...g.members.values()].map((m) => ({
      memberId: m.id,
      clientId: m.clientId,
      host: m.clientHost,
      assignment: [...(m.assignments?.values() ?? [])].map((a) => ({ topic: a.topic, partitions: [...a.partitions] })),
    })),
  };
}

export async function deleteGroups(admin: Admin, groupIds: readonly string[]): Promise<void> {
  await admin.deleteGroups({ groups: [...groupIds] });
}

/** One ListOffsets at `timestamp` for every partition (platformatic sends each to its leader). */
async function offsetsAt(admin: Admin, topic: string, timestamp: bigint): Promise<Map<number, string>> {
  const count = (await partitionCount(admin, topic)) ?? 0;
  const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp }));
  const listed = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
  return new Map(listed.flatMap((t) => t.partitions).map((p) => [p.partitionIndex, p.offset.toString()]));
}

/** Two ListOffsets (Kafka refuses a partition twice in one request): EARLIEST and LATEST. */
export async function fetchTopicOffsets(admin: Admin, topic: string): Promise<readonly PartitionOffsets[]> {
  const [earliest, latest] = await Promise.all([offsetsAt(admin, topic, ListOffsetTimestamps.EARLIEST), offsetsAt(admin, topic, ListOffsetTimestamps.LATEST)]);
  return [...latest].map(([partition, offset]) => ({ partition, earliest: earliest.get(partition) ?? offset, latest: offset }));
}

/** ListOffsets by time; Kafka's `-1` where no message is at or after it is passed on (core resolves it). */
export async function fetchTopicOffsetsByTimestamp(admin: Admin, topic: string, timestamp: number): Promise<readonly PartitionOffset[]> {
  const found = await offsetsAt(admin, topic, BigInt(timestamp));
  return [...found].map(([partition, offset]) => ({ partition, offset }));
}

export async function createPartitions(admin: Admin, topic: string, count: number): Promise<void> {
  await admin.createPartitions({ topics: [{ name: topic, count }] });
}

export async function deleteRecords(admin: Admin, topic: string, before: readonly PartitionOffset[]): Promise<void> {
  await admin.deleteRecords({ topics: [{ name: topic, partitions: before.map((o) => ({ partition: o.partition, offset: BigInt(o.offset) })) }] });
}

const topicResource = (topic: string) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic });

/** DescribeConfigs of the topic: every entry, default when its source is not the topic's own config. */
export async function describeConfigs(admin: Admin, topic: string): Promise<readonly ConfigEntry[]> {
  const [described] = await admin.describeConfigs({ resources: [topicResource(topic)] });
  return (described?.configs ?? []).map((c) => ({
    name: c.name,
    value: c.value ?? null,
    isDefault: c.configSource !== ConfigSources.DYNAMIC_TOPIC_CONFIG,
    readOnly: c.readOnly,
    sensitive: c.isSensitive,
  }));
}

/** IncrementalAlterConfigs with SET for each given key: the topic's other entries stay as they are. */
export async function alterConfigs(admin: Admin, topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
  const entries = Object.entries(configs).map(([name, value]) => ({ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET }));
  await admin.incrementalAlterConfigs({ resources: [{ ...topicResource(topic), configs: entries }] });
}

/**
 * From a fresh Metadata answer (cluster id, controller id, brokers); platformatic has the
 * DescribeCluster protocol API but no call for it, and Metadata carries the same facts.
 */
export async function describeCluster(admin: Admin): Promise<ClusterDescription> {
  const meta = await admin.metadata({ topics: [], forceUpdate: true });
  return {
    clusterId: meta.id || null,
    controller: meta.controllerId >= 0 ? meta.controllerId : null,
    brokers: [...meta.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port })),
  };
}
