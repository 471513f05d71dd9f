/** The public admin: validation, lifecycle and Results around a connector's `AdminDriver`. */
import { err, errAsync, ok, type Result, type ResultAsync } from "neverthrow";
import type { ClusterDescription, ConfigEntry, GroupDescription, GroupListing, OffsetResetTarget, PartitionLag, PartitionOffset, PartitionOffsets } from "../admin-types.js";
import type { AdminDriver, IStreamingConnector, ResolvedTopicConfig } from "../connector.js";
import { toQiError } from "../errors/classify.js";
import { qiError, topicNotFound, validationError, type ErrorContext, type QiError } from "../errors/qi-error.js";
import type { IStreamingAdmin, TopicConfig, TopicMetadata } from "../interfaces.js";
import { plainCopy, readInput } from "../input/read.js";
import { checkTopicName } from "../messages/normalize.js";
import type { TopicPartitionOffset } from "../messages/types.js";
import { checkConfigEntries, checkGroupId, checkGroupIds, checkPartitionCount, checkPartitionOffsets, checkResetTarget, checkTimestamp } from "./admin-checks.js";
import * as ops from "./admin-ops.js";
import { attempt } from "./attempt.js";
import { Lifecycle } from "./lifecycle.js";

function checkTopicNames(input: unknown, context: ErrorContext): Result<string[], QiError> {
  const read = readInput("topics", () => (Array.isArray(input) ? [...(input as unknown[])] : undefined), context);
  if (read.isErr()) return err(read.error);
  const topics = read.value;
  if (topics === undefined) return err(validationError("topics", "must be an array of topic names", context));
  const out: string[] = [];
  for (const t of topics) {
    const name = checkTopicName(t, context);
    if (name.isErr()) return err(name.error);
    out.push(name.value);
  }
  return ok(out);
}

const isCount = (n: unknown, max: number): boolean => typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= max;

function checkTopicConfigs(input: unknown, context: ErrorContext): Result<ResolvedTopicConfig[], QiError> {
  // One defensive read of everything given (configs included) into a plain copy; checked below.
  const read = readInput("topics", () => plainCopy(input), context);
  if (read.isErr()) return err(read.error);
  const topics = read.value;
  if (!Array.isArray(topics) || topics.length === 0) return err(validationError("topics", "must be a non-empty array of { topic, numPartitions? }", context));
  const out: ResolvedTopicConfig[] = [];
  for (const [i, t] of topics.entries()) {
    if (typeof t !== "object" || t === null) return err(validationError(`topics[${i}]`, "must be { topic, numPartitions? }", context));
    const c = t as Partial<Record<keyof TopicConfig, unknown>>;
    const name = checkTopicName(c.topic, context);
    if (name.isErr()) return err(name.error);
    if (c.numPartitions !== undefined && !isCount(c.numPartitions, 100_000)) return err(validationError(`topics[${i}].numPartitions`, "must be an integer from 1", context));
    if (c.replicationFactor !== undefined && !isCount(c.replicationFactor, 32_767)) return err(validationError(`topics[${i}].replicationFactor`, "must be an integer from 1", context));
    const configs = c.configs ?? {};
    if (typeof configs !== "object" || configs === null || Object.values(configs).some((v) => typeof v !== "string")) {
      return err(validationError(`topics[${i}].configs`, "must be an object of string values", context));
    }
    out.push({
      topic: name.value,
      numPartitions: (c.numPartitions as number | undefined) ?? 1,
      replicationFactor: (c.replicationFactor as number | undefined) ?? 1,
      configs: { ...(configs as Record<string, string>) },
    });
  }
  if (new Set(out.map((t) => t.topic)).size !== out.length) return err(validationError("topics", "names a topic twice", context));
  return ok(out);
}

/** Kafka's internal topics (`__consumer_offsets`, `__transaction_state`, ...) are not the application's. */
const isInternalTopic = (name: string): boolean => name.startsWith("__");

const byTopicPartition = (a: TopicPartitionOffset, b: TopicPartitionOffset): number => a.topic.localeCompare(b.topic) || a.partition - b.partition;

export class GuardedAdmin implements IStreamingAdmin {
  private readonly lifecycle = new Lifecycle("admin");

  /** ES-private: printing the role (inspect, JSON) never reaches the driver or its client, which hold credentials. */
  readonly #driver: AdminDriver;

  constructor(
    private readonly connector: IStreamingConnector,
    driver: AdminDriver,
    private readonly settleTimeoutMs: number,
  ) {
    this.#driver = driver;
  }

  private op<T, I>(operation: string, check: (context: ErrorContext) => Result<I, QiError>, fn: (input: I, context: ErrorContext) => Promise<T>): ResultAsync<T, QiError> {
    const context: ErrorContext = { connector: this.connector.name, operation };
    const state = this.lifecycle.require(operation, context);
    if (state.isErr()) return errAsync(state.error);
    let input: Result<I, QiError>;
    try {
      input = check(context);
    } catch (error) {
      // The checks read their input defensively; this is the guard's last line all the same.
      return errAsync(toQiError(error, context, this.connector.classifyError));
    }
    if (input.isErr()) return errAsync(input.error);
    const value = input.value;
    return attempt(() => fn(value, context), context, this.connector.classifyError);
  }

  connect(): ResultAsync<void, QiError> {
    return attempt(() => this.lifecycle.connect(() => this.#driver.connect()), { connector: this.connector.name, operation: "admin.connect" }, this.connector.classifyError);
  }

  /** Resolves once the new topics are listed (brokers learn of them asynchronously). */
  createTopics(topics: readonly TopicConfig[]): ResultAsync<void, QiError> {
    return this.op("admin.createTopics", (c) => checkTopicConfigs(topics, c), async (t) => {
      await this.#driver.createTopics(t);
      await this.settle(t.map((x) => x.topic), true);
    });
  }

  /** Resolves once the topics are no longer listed (deletion is asynchronous on a broker). */
  deleteTopics(topics: readonly string[]): ResultAsync<void, QiError> {
    return this.op("admin.deleteTopics", (c) => checkTopicNames(topics, c), async (t) => {
      // A missing topic is NOT_FOUND at once: some clients retry the broker's "unknown topic"
      // answer with their back-off (kafkajs: about 9 s with the default retries).
      const listed = new Set(await this.#driver.listTopics());
      const missing = t.find((name) => !listed.has(name));
      if (missing !== undefined) throw topicNotFound(missing);
      await this.#driver.deleteTopics(t);
      await this.settle(t, false);
    });
  }

  /** Polls the topic list until every topic is (or is no longer) there, for up to `settleTimeoutMs`. */
  private async settle(topics: readonly string[], present: boolean): Promise<void> {
    const deadline = Date.now() + this.settleTimeoutMs;
    for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
      const listed = new Set(await this.#driver.listTopics());
      if (topics.every((t) => listed.has(t) === present)) return;
      if (Date.now() > deadline) {
        throw qiError("TIMEOUT", "METADATA_NOT_PROPAGATED", `topics ${present ? "created" : "deleted"} but still ${present ? "not listed" : "listed"} after ${this.settleTimeoutMs} ms`, { retriable: true });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  listTopics(): ResultAsync<readonly string[], QiError> {
    return this.op("admin.listTopics", () => ok(undefined), async () => (await this.#driver.listTopics()).filter((t) => !isInternalTopic(t)).sort());
  }

  getTopicMetadata(topics: readonly string[]): ResultAsync<readonly TopicMetadata[], QiError> {
    return this.op("admin.getTopicMetadata", (c) => checkTopicNames(topics, c), async (t) =>
      (await this.#driver.getTopicMetadata(t)).map((m) => ({ ...m, partitions: [...m.partitions].sort((a, b) => a.partitionId - b.partitionId) })),
    );
  }

  fetchCommittedOffsets(groupId: string, topic?: string): ResultAsync<readonly TopicPartitionOffset[], QiError> {
    return this.op(
      "admin.fetchCommittedOffsets",
      (c) => {
        if (typeof groupId !== "string" || groupId.length === 0) return err(validationError("groupId", "must be a non-empty string", c));
        return topic === undefined ? ok(undefined) : checkTopicName(topic, c).map(() => undefined);
      },
      async () =>
        // Partitions without a committed offset are not listed; "-1" is how some clients say "none".
        (await this.#driver.fetchCommittedOffsets(groupId, topic)).filter((o) => o.offset !== "-1" && (topic === undefined || o.topic === topic)).sort(byTopicPartition),
    );
  }

  listGroups(): ResultAsync<readonly GroupListing[], QiError> {
    return this.op("admin.listGroups", () => ok(undefined), (_, c) => ops.listGroups(this.#driver, c));
  }

  describeGroups(groupIds: readonly string[]): ResultAsync<readonly GroupDescription[], QiError> {
    return this.op("admin.describeGroups", (c) => checkGroupIds(groupIds, c), (ids, c) => ops.describeGroups(this.#driver, ids, c));
  }

  deleteGroups(groupIds: readonly string[]): ResultAsync<void, QiError> {
    return this.op("admin.deleteGroups", (c) => checkGroupIds(groupIds, c), (ids, c) => ops.deleteGroups(this.#driver, ids, c));
  }

  fetchTopicOffsets(topic: string): ResultAsync<readonly PartitionOffsets[], QiError> {
    return this.op("admin.fetchTopicOffsets", (c) => checkTopicName(topic, c), (t, c) => ops.fetchTopicOffsets(this.#driver, t, c));
  }

  fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): ResultAsync<readonly PartitionOffset[], QiError> {
    return this.op(
      "admin.fetchTopicOffsetsByTimestamp",
      (c) => checkTopicName(topic, c).andThen((t) => checkTimestamp(timestamp, c).map((ts) => [t, ts] as const)),
      ([t, ts], c) => ops.fetchTopicOffsetsByTimestamp(this.#driver, t, ts, c),
    );
  }

  resetOffsets(groupId: string, topic: string, to: OffsetResetTarget): ResultAsync<readonly TopicPartitionOffset[], QiError> {
    return this.op(
      "admin.resetOffsets",
      (c) => checkGroupId(groupId, c).andThen((g) => checkTopicName(topic, c).andThen((t) => checkResetTarget(to, c).map((target) => [g, t, target] as const))),
      ([g, t, target], c) => ops.resetOffsets(this.#driver, g, t, target, c),
    );
  }

  groupLag(groupId: string): ResultAsync<readonly PartitionLag[], QiError> {
    return this.op("admin.groupLag", (c) => checkGroupId(groupId, c), (g, c) => ops.groupLag(this.#driver, g, c));
  }

  createPartitions(topic: string, count: number): ResultAsync<void, QiError> {
    return this.op(
      "admin.createPartitions",
      (c) => checkTopicName(topic, c).andThen((t) => checkPartitionCount(count, c).map((n) => [t, n] as const)),
      ([t, n], c) => ops.createPartitions(this.#driver, t, n, this.settleTimeoutMs, c),
    );
  }

  deleteRecords(topic: string, before: readonly PartitionOffset[]): ResultAsync<void, QiError> {
    return this.op(
      "admin.deleteRecords",
      (c) => checkTopicName(topic, c).andThen((t) => checkPartitionOffsets(before, "before", c, true).map((b) => [t, b] as const)),
      ([t, b], c) => ops.deleteRecords(this.#driver, t, b, c),
    );
  }

  describeConfigs(topic: string): ResultAsync<readonly ConfigEntry[], QiError> {
    return this.op("admin.describeConfigs", (c) => checkTopicName(topic, c), (t, c) => ops.describeConfigs(this.#driver, t, c));
  }

  alterConfigs(topic: string, configs: Readonly<Record<string, string>>): ResultAsync<void, QiError> {
    return this.op(
      "admin.alterConfigs",
      (c) => checkTopicName(topic, c).andThen((t) => checkConfigEntries(configs, c).map((entries) => [t, entries] as const)),
      ([t, entries], c) => ops.alterConfigs(this.#driver, t, entries, c),
    );
  }

  describeCluster(): ResultAsync<ClusterDescription, QiError> {
    return this.op("admin.describeCluster", () => ok(undefined), (_, c) => ops.describeCluster(this.#driver, c));
  }

  disconnect(): ResultAsync<void, QiError> {
    return attempt(() => this.lifecycle.disconnect(() => this.#driver.disconnect()), { connector: this.connector.name, operation: "admin.disconnect" }, this.connector.classifyError);
  }

  isConnected(): boolean {
    return this.lifecycle.isConnected();
  }

  getNativeClient(): unknown {
    try {
      return this.#driver.native();
    } catch {
      return undefined;
    }
  }
}
