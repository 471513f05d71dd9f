/**
 * Topic creation in the shape of the KafkaJS admin API, which two clients share (kafkajs, and
 * @confluentinc/kafka-javascript's KafkaJS-style API).
 */
import type { ResolvedTopicConfig } from "../connector.js";
import { topicAlreadyExists, type QiError } from "../errors/qi-error.js";

/** A topic to create, as the KafkaJS admin API's `createTopics` takes it. */
export interface KafkaJsTopicSpec {
  /** The topic name. */
  topic: string;
  /** Partition count. */
  numPartitions: number;
  /** Replication factor. */
  replicationFactor: number;
  /** Topic-level configs as name/value pairs. */
  configEntries: {
    /** The config name (`cleanup.policy`, ...). */
    name: string;
    /** Its value. */
    value: string;
  }[];
}

/** Our topic configs as the KafkaJS admin API takes them. */
export function kafkaJsTopicSpecs(topics: readonly ResolvedTopicConfig[]): KafkaJsTopicSpec[] {
  return topics.map((t) => ({
    topic: t.topic,
    numPartitions: t.numPartitions,
    replicationFactor: t.replicationFactor,
    configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
  }));
}

/**
 * The error for a `createTopics` that a KafkaJS-style client answered `false`: it does so,
 * without an error, when a topic already existed. Names the first requested topic that exists.
 */
export async function alreadyExistsError(topics: readonly ResolvedTopicConfig[], listTopics: () => Promise<readonly string[]>): Promise<QiError> {
  const existing = new Set(await listTopics());
  return topicAlreadyExists(topics.find((t) => existing.has(t.topic))?.topic ?? topics[0]!.topic);
}
