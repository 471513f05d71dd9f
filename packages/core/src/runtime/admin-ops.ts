/**
 * The admin's group, offset, topic and cluster operations, once for every connector: what can
 * be checked before the broker is asked is checked here (the topic exists, the group has no
 * members, the offsets are in range), `resetOffsets` and `groupLag` are composed from the
 * driver's primitives, and every answer is sorted the same way. A driver only maps its client.
 */
import type { AdminDriver } from "../connector.js";
import type { ClusterDescription, ConfigEntry, GroupDescription, GroupListing, OffsetResetTarget, PartitionLag, PartitionOffset, PartitionOffsets } from "../admin-types.js";
import { qiError, topicNotFound, unsupportedError, validationError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import type { TopicPartitionOffset } from "../messages/types.js";

type Primitive = "listGroups" | "describeGroups" | "deleteGroups" | "fetchTopicOffsets" | "fetchTopicOffsetsByTimestamp" | "createPartitions" | "deleteRecords" | "describeConfigs" | "alterConfigs" | "describeCluster" | "setCommittedOffsets";

/** The driver's method, or `UNSUPPORTED` for a connector that lacks it. */
function need<K extends Primitive>(driver: AdminDriver, name: K, context: ErrorContext): NonNullable<AdminDriver[K]> {
  const fn = driver[name];
  if (typeof fn !== "function") throw unsupportedError(`admin.${name}`, context);
  return (fn as (...args: never[]) => unknown).bind(driver) as NonNullable<AdminDriver[K]>;
}

export function groupNotFound(groupId: string, context: ErrorContext): QiError {
  return qiError("NOT_FOUND", "GROUP_ID_NOT_FOUND", `group "${groupId}" does not exist`, { context: { ...context, groupId, kafkaCode: "GROUP_ID_NOT_FOUND", kafkaErrorCode: 69 } });
}

export function groupNotEmpty(group: GroupDescription, what: string, context: ErrorContext): QiError {
  return qiError("CONFLICT", "NON_EMPTY_GROUP", `group "${group.groupId}" has ${group.members.length} member(s) (state ${group.state}): stop them before you ${what}`, {
    context: { ...context, groupId: group.groupId, kafkaCode: "NON_EMPTY_GROUP", kafkaErrorCode: 68 },
  });
}

/** Kafka describes a group it does not know as `Dead` with no members. */
const isUnknown = (g: GroupDescription): boolean => g.state === "Dead" && g.members.length === 0;

function sortedGroup(g: GroupDescription): GroupDescription {
  const members = [...g.members]
    .map((m) => ({ ...m, assignment: [...m.assignment].map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) })).sort((a, b) => a.topic.localeCompare(b.topic)) }))
    .sort((a, b) => a.memberId.localeCompare(b.memberId));
  return { ...g, members };
}

export async function listGroups(driver: AdminDriver, context: ErrorContext): Promise<readonly GroupListing[]> {
  const groups = await need(driver, "listGroups", context)();
  return [...groups].sort((a, b) => a.groupId.localeCompare(b.groupId));
}

/** Every group described, the unknown ones included (state `Dead`). */
async function describeAny(driver: AdminDriver, groupIds: readonly string[], context: ErrorContext): Promise<GroupDescription[]> {
  const described = await need(driver, "describeGroups", context)(groupIds);
  return groupIds.map((id) => {
    const g = described.find((d) => d.groupId === id);
    return g === undefined ? { groupId: id, state: "Dead", protocolType: "", protocol: "", members: [] } : sortedGroup(g);
  });
}

export async function describeGroups(driver: AdminDriver, groupIds: readonly string[], context: ErrorContext): Promise<readonly GroupDescription[]> {
  const groups = await describeAny(driver, groupIds, context);
  const unknown = groups.find(isUnknown);
  if (unknown !== undefined) throw groupNotFound(unknown.groupId, context);
  return groups;
}

export async function deleteGroups(driver: AdminDriver, groupIds: readonly string[], context: ErrorContext): Promise<void> {
  const deleteFn = need(driver, "deleteGroups", context);
  // Checked first for every group, so that a refusal deletes none of them.
  for (const g of await describeGroups(driver, groupIds, context)) {
    if (g.members.length > 0) throw groupNotEmpty(g, "delete it", context);
  }
  await deleteFn(groupIds);
}

async function requireTopic(driver: AdminDriver, topic: string, context: ErrorContext): Promise<number> {
  const listed = new Set(await driver.listTopics());
  if (!listed.has(topic)) throw topicNotFound(topic, context);
  const [meta] = await driver.getTopicMetadata([topic]);
  return meta?.partitions.length ?? 0;
}

export async function fetchTopicOffsets(driver: AdminDriver, topic: string, context: ErrorContext): Promise<readonly PartitionOffsets[]> {
  const fetchFn = need(driver, "fetchTopicOffsets", context);
  await requireTopic(driver, topic, context);
  return [...(await fetchFn(topic))].sort((a, b) => a.partition - b.partition);
}

export async function fetchTopicOffsetsByTimestamp(driver: AdminDriver, topic: string, timestamp: number, context: ErrorContext): Promise<readonly PartitionOffset[]> {
  const byTime = need(driver, "fetchTopicOffsetsByTimestamp", context);
  const offsets = await fetchTopicOffsets(driver, topic, context);
  const found = await byTime(topic, timestamp);
  // Where no message is at or after the time, Kafka answers -1; clients differ in what they pass on.
  return offsets.map((o) => {
    const f = found.find((x) => x.partition === o.partition);
    return { partition: o.partition, offset: f === undefined || f.offset === "-1" ? o.latest : f.offset };
  });
}

/** Refuses while the group has members; an unknown group is fine (the reset creates its offsets). */
async function requireNoMembers(driver: AdminDriver, groupId: string, what: string, context: ErrorContext): Promise<void> {
  const [group] = await describeAny(driver, [groupId], context);
  if (group !== undefined && group.members.length > 0) throw groupNotEmpty(group, what, context);
}

function inRange(o: PartitionOffset, offsets: readonly PartitionOffsets[], topic: string, field: string, context: ErrorContext): PartitionOffsets {
  const range = offsets.find((r) => r.partition === o.partition);
  if (range === undefined) throw qiError("VALIDATION", "PARTITION_NOT_FOUND", `topic "${topic}" has ${offsets.length} partition(s); partition ${o.partition} does not exist`, { context: { ...context, topic, partition: o.partition, field } });
  return range;
}

export async function resetOffsets(driver: AdminDriver, groupId: string, topic: string, to: OffsetResetTarget, context: ErrorContext): Promise<readonly TopicPartitionOffset[]> {
  const setFn = need(driver, "setCommittedOffsets", context);
  await requireNoMembers(driver, groupId, "reset its offsets", context);
  const offsets = await fetchTopicOffsets(driver, topic, context);
  let target: readonly PartitionOffset[];
  if (to === "earliest") target = offsets.map((o) => ({ partition: o.partition, offset: o.earliest }));
  else if (to === "latest") target = offsets.map((o) => ({ partition: o.partition, offset: o.latest }));
  else if (!Array.isArray(to)) target = await fetchTopicOffsetsByTimestamp(driver, topic, (to as { timestamp: number }).timestamp, context);
  else {
    target = to as readonly PartitionOffset[];
    for (const o of target) {
      const range = inRange(o, offsets, topic, "to", context);
      if (BigInt(o.offset) < BigInt(range.earliest) || BigInt(o.offset) > BigInt(range.latest)) {
        throw validationError("to", `offset ${o.offset} of partition ${o.partition} is outside the partition's offsets ${range.earliest} to ${range.latest}`, { ...context, topic, partition: o.partition });
      }
    }
  }
  const committed = target.map((o) => ({ topic, partition: o.partition, offset: o.offset })).sort((a, b) => a.partition - b.partition);
  await setFn(groupId, committed);
  return committed;
}

export async function groupLag(driver: AdminDriver, groupId: string, context: ErrorContext): Promise<readonly PartitionLag[]> {
  const [group] = await describeAny(driver, [groupId], context);
  const committed = (await driver.fetchCommittedOffsets(groupId)).filter((o) => o.offset !== "-1");
  if (group !== undefined && isUnknown(group) && committed.length === 0) throw groupNotFound(groupId, context);
  const topics = [...new Set(committed.map((o) => o.topic))].sort();
  const out: PartitionLag[] = [];
  for (const topic of topics) {
    // A topic deleted since the group committed on it has no lag to report.
    if (!new Set(await driver.listTopics()).has(topic)) continue;
    for (const o of await fetchTopicOffsets(driver, topic, context)) {
      const c = committed.find((x) => x.topic === topic && x.partition === o.partition);
      const from = BigInt(c?.offset ?? o.earliest);
      const lag = BigInt(o.latest) - from;
      out.push({ topic, partition: o.partition, committed: c?.offset ?? null, latest: o.latest, lag: String(lag > 0n ? lag : 0n) });
    }
  }
  return out;
}

export async function createPartitions(driver: AdminDriver, topic: string, count: number, settleTimeoutMs: number, context: ErrorContext): Promise<void> {
  const createFn = need(driver, "createPartitions", context);
  const current = await requireTopic(driver, topic, context);
  if (count <= current) throw validationError("count", `topic "${topic}" has ${current} partition(s): count is the new total and must be above it (Kafka cannot remove partitions)`, { ...context, topic });
  await createFn(topic, count);
  // Brokers learn of new partitions asynchronously; resolve once the metadata shows them, each with a leader.
  const deadline = Date.now() + settleTimeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const [meta] = await driver.getTopicMetadata([topic]);
    if (meta !== undefined && meta.partitions.length >= count && meta.partitions.every((p) => p.leader >= 0)) return;
    if (Date.now() > deadline) throw qiError("TIMEOUT", "METADATA_NOT_PROPAGATED", `partitions created but topic "${topic}" still shows ${meta?.partitions.length ?? 0} after ${settleTimeoutMs} ms`, { retriable: true, context });
    await new Promise((r) => setTimeout(r, delay));
  }
}

export async function deleteRecords(driver: AdminDriver, topic: string, before: readonly PartitionOffset[], context: ErrorContext): Promise<void> {
  const deleteFn = need(driver, "deleteRecords", context);
  const offsets = await fetchTopicOffsets(driver, topic, context);
  const resolved = before.map((o) => {
    const range = inRange(o, offsets, topic, "before", context);
    if (o.offset === "-1") return { partition: o.partition, offset: range.latest };
    if (BigInt(o.offset) > BigInt(range.latest)) throw validationError("before", `offset ${o.offset} of partition ${o.partition} is past the partition's latest offset ${range.latest}`, { ...context, topic, partition: o.partition });
    return o;
  });
  await deleteFn(topic, resolved);
}

export async function describeConfigs(driver: AdminDriver, topic: string, context: ErrorContext): Promise<readonly ConfigEntry[]> {
  const describeFn = need(driver, "describeConfigs", context);
  await requireTopic(driver, topic, context);
  return [...(await describeFn(topic))].sort((a, b) => a.name.localeCompare(b.name));
}

export async function alterConfigs(driver: AdminDriver, topic: string, configs: Readonly<Record<string, string>>, context: ErrorContext): Promise<void> {
  const alterFn = need(driver, "alterConfigs", context);
  await requireTopic(driver, topic, context);
  await alterFn(topic, configs);
}

export async function describeCluster(driver: AdminDriver, context: ErrorContext): Promise<ClusterDescription> {
  const cluster = await need(driver, "describeCluster", context)();
  return { ...cluster, brokers: [...cluster.brokers].sort((a, b) => a.nodeId - b.nodeId) };
}
