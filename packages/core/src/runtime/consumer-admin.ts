/**
 * What a consumer asks of the cluster outside its group: a topic list before `subscribe`, a
 * commit before `run()`, the offset for a time. Each opens a short-lived admin client of the
 * same connector and closes it whatever happens (an admin client left open would keep the
 * process alive).
 */
import type { AdminDriver, ConnectorContext, IStreamingConnector } from "../connector.js";
import { qiError, topicNotFound, unsupportedError, type ErrorContext } from "../errors/qi-error.js";
import type { TopicPartition, TopicPartitionOffset } from "../messages/types.js";
import { partitionKey } from "../partitioner/router.js";
import { fetchTopicOffsetsByTimestamp } from "./admin-ops.js";
import { withTimeout } from "./attempt.js";
import type { PartitionOffsetsAtBroker } from "./stall-watch.js";

async function withAdmin<T>(admin: AdminDriver, fn: () => Promise<T>): Promise<T> {
  try {
    await admin.connect();
    return await fn();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * A missing topic is `NOT_FOUND` / `TOPIC_NOT_FOUND`, within `connectionTimeout + requestTimeout`:
 * clients differ here (kafkajs refuses at once, librdkafka waits in the join until the join
 * timeout, memory accepted it).
 */
export async function requireTopics(connector: IStreamingConnector, context: ConnectorContext, topics: readonly string[]): Promise<void> {
  const admin = connector.createAdmin(context);
  const bound = context.config.connectionTimeout + context.config.requestTimeout;
  const listed = await withTimeout(
    withAdmin(admin, async () => new Set(await admin.listTopics())),
    bound,
    () => qiError("TIMEOUT", "REQUEST_TIMED_OUT", `consumer.subscribe: the topic list did not arrive within ${bound} ms`, { retriable: true }),
  );
  const missing = topics.find((t) => !listed.has(t));
  if (missing !== undefined) throw topicNotFound(missing);
}

/** Commits a group's offsets without joining it; false when the connector's admin cannot (the caller commits through its driver). */
export async function commitWithoutJoining(connector: IStreamingConnector, context: ConnectorContext, groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<boolean> {
  const admin = connector.createAdmin(context);
  if (!admin.setCommittedOffsets) return false;
  await withAdmin(admin, () => admin.setCommittedOffsets!(groupId, offsets));
  return true;
}

/** The partition's first offset at or after `timestamp` (its latest offset where none is); a partition the topic lacks is `PARTITION_NOT_FOUND`. */
export async function offsetForTime(connector: IStreamingConnector, context: ConnectorContext, topic: string, partition: number, timestamp: number, errorContext: ErrorContext): Promise<string> {
  const admin = connector.createAdmin(context);
  const offsets = await withAdmin(admin, () => fetchTopicOffsetsByTimestamp(admin, topic, timestamp, errorContext));
  const offset = offsets.find((o) => o.partition === partition)?.offset;
  if (offset === undefined) throw qiError("VALIDATION", "PARTITION_NOT_FOUND", `topic "${topic}" has ${offsets.length} partition(s); partition ${partition} does not exist`, { context: { ...errorContext, topic, partition, field: "partition" } });
  return offset;
}

/**
 * Where the partitions stand at the broker (end and start offsets) and in the group (its
 * commits), by `partitionKey`, for stall detection; within `requestTimeout`. Rejects when the
 * connector's admin cannot list a topic's offsets.
 */
export async function partitionStandings(connector: IStreamingConnector, context: ConnectorContext, groupId: string, partitions: readonly TopicPartition[]): Promise<Map<string, PartitionOffsetsAtBroker>> {
  const admin = connector.createAdmin(context);
  if (!admin.fetchTopicOffsets) throw unsupportedError("admin.fetchTopicOffsets (stall detection's lag)");
  const bound = context.config.connectionTimeout + context.config.requestTimeout;
  const topics = [...new Set(partitions.map((p) => p.topic))];
  return withTimeout(
    withAdmin(admin, async () => {
      // The group's commits once (every topic), the end offsets per topic.
      const [commits, ...ends] = await Promise.all([admin.fetchCommittedOffsets(groupId, topics.length === 1 ? topics[0] : undefined), ...topics.map((t) => admin.fetchTopicOffsets!(t))]);
      const committed = new Map(commits.filter((c) => /^\d+$/.test(c.offset)).map((c) => [partitionKey(c.topic, c.partition), BigInt(c.offset)]));
      const out = new Map<string, PartitionOffsetsAtBroker>();
      topics.forEach((topic, i) => {
        for (const e of ends[i]!) {
          const key = partitionKey(topic, e.partition);
          out.set(key, { end: BigInt(e.latest), start: BigInt(e.earliest), committed: committed.get(key) });
        }
      });
      return out;
    }),
    bound,
    () => qiError("TIMEOUT", "REQUEST_TIMED_OUT", `the partitions' offsets did not arrive within ${bound} ms`, { retriable: true }),
  );
}
