/**
 * Kafka's topic-level configs, as the memory cluster knows them: every name Apache Kafka 4.3
 * accepts on a topic (`LogConfig.configNames()`, the internal one left out), its default and its
 * type, so that `createTopics` and `alterConfigs` refuse what a broker refuses (an unknown name,
 * a value of the wrong type or out of range: `INVALID_CONFIG`, with Kafka's message) and
 * `describeConfigs` lists what a broker lists. The cluster stores the values; of their effects
 * it enforces `max.message.bytes` and `cleanup.policy` (for `deleteRecords`), not retention.
 */
import type { ConfigEntry } from "../admin-types.js";
import { qiError, type QiError } from "../errors/qi-error.js";

type Kind =
  | { readonly type: "INT" | "LONG"; readonly min?: bigint; readonly max?: bigint; readonly or?: bigint }
  | { readonly type: "DOUBLE"; readonly min: number; readonly max: number }
  | { readonly type: "BOOLEAN" }
  | { readonly type: "STRING"; readonly oneOf: readonly string[] }
  | { readonly type: "LIST"; readonly oneOf: readonly string[] }
  | { readonly type: "REPLICAS" };

const LONG_MAX = "9223372036854775807";
const int = (min: number, max?: number, or?: number): Kind => ({ type: "INT", min: BigInt(min), ...(max === undefined ? {} : { max: BigInt(max) }), ...(or === undefined ? {} : { or: BigInt(or) }) });
const long = (min?: number): Kind => (min === undefined ? { type: "LONG" } : { type: "LONG", min: BigInt(min) });
const bool: Kind = { type: "BOOLEAN" };
const replicas: Kind = { type: "REPLICAS" };

/** Name, Kafka's default, type and range (read from Kafka 4.3.1's `LogConfig`). */
// prettier-ignore
const TOPIC_CONFIGS: ReadonlyMap<string, { readonly value: string; readonly kind: Kind }> = new Map(Object.entries({
  "cleanup.policy": { value: "delete", kind: { type: "LIST", oneOf: ["compact", "delete"] } },
  "compression.gzip.level": { value: "-1", kind: int(1, 9, -1) },
  "compression.lz4.level": { value: "9", kind: int(1, 17) },
  "compression.type": { value: "producer", kind: { type: "STRING", oneOf: ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"] } },
  "compression.zstd.level": { value: "3", kind: int(-131072, 22) },
  "delete.retention.ms": { value: "86400000", kind: long(0) },
  "file.delete.delay.ms": { value: "60000", kind: long(0) },
  "flush.messages": { value: LONG_MAX, kind: long(1) },
  "flush.ms": { value: LONG_MAX, kind: long(0) },
  "follower.replication.throttled.replicas": { value: "", kind: replicas },
  "index.interval.bytes": { value: "4096", kind: int(0) },
  "leader.replication.throttled.replicas": { value: "", kind: replicas },
  "local.retention.bytes": { value: "-2", kind: long(-2) },
  "local.retention.ms": { value: "-2", kind: long(-2) },
  "max.compaction.lag.ms": { value: LONG_MAX, kind: long(1) },
  "max.message.bytes": { value: "1048588", kind: int(0) },
  "message.timestamp.after.max.ms": { value: "3600000", kind: long(0) },
  "message.timestamp.before.max.ms": { value: LONG_MAX, kind: long(0) },
  "message.timestamp.type": { value: "CreateTime", kind: { type: "STRING", oneOf: ["CreateTime", "LogAppendTime"] } },
  "min.cleanable.dirty.ratio": { value: "0.5", kind: { type: "DOUBLE", min: 0, max: 1 } },
  "min.compaction.lag.ms": { value: "0", kind: long(0) },
  "min.insync.replicas": { value: "1", kind: int(1) },
  "preallocate": { value: "false", kind: bool },
  "remote.log.copy.disable": { value: "false", kind: bool },
  "remote.log.delete.on.disable": { value: "false", kind: bool },
  "remote.storage.enable": { value: "false", kind: bool },
  "retention.bytes": { value: "-1", kind: long() },
  "retention.ms": { value: "604800000", kind: long(-1) },
  "segment.bytes": { value: "1073741824", kind: int(1048576) },
  "segment.index.bytes": { value: "10485760", kind: int(4) },
  "segment.jitter.ms": { value: "0", kind: long(0) },
  "segment.ms": { value: "604800000", kind: long(1) },
  "unclean.leader.election.enable": { value: "false", kind: bool },
}));

const RANGE = { INT: [-(2n ** 31n), 2n ** 31n - 1n], LONG: [-(2n ** 63n), 2n ** 63n - 1n] } as const;

/** Kafka's message refusing the value, or undefined when it is valid (Kafka trims values first). */
function refusal(name: string, kind: Kind, raw: string): string | undefined {
  const value = raw.trim();
  const invalid = (reason: string): string => `Invalid value ${raw} for configuration ${name}: ${reason}`;
  switch (kind.type) {
    case "INT":
    case "LONG": {
      const [lo, hi] = RANGE[kind.type];
      if (!/^[+-]?\d+$/.test(value) || BigInt(value) < lo || BigInt(value) > hi) return invalid(`Not a number of type ${kind.type}`);
      const n = BigInt(value);
      if (kind.or !== undefined) return n === kind.or || (n >= kind.min! && n <= kind.max!) ? undefined : invalid(`Value must be between ${kind.min} and ${kind.max} or equal to ${kind.or}`);
      if (kind.min !== undefined && n < kind.min) return invalid(`Value must be at least ${kind.min}`);
      if (kind.max !== undefined && n > kind.max) return invalid(`Value must be no more than ${kind.max}`);
      return undefined;
    }
    case "DOUBLE": {
      // What Java's Double.parseDouble reads (hexadecimal and f/d suffixes aside); NaN passes the range, as in Kafka.
      if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/.test(value)) return invalid("Not a number of type DOUBLE");
      const n = Number(value);
      if (n < kind.min) return invalid(`Value must be at least ${kind.min}`);
      if (n > kind.max) return invalid(`Value must be no more than ${kind.max}`);
      return undefined;
    }
    case "BOOLEAN":
      return /^(true|false)$/i.test(value) ? undefined : invalid("Expected value to be either true or false");
    case "STRING":
      return kind.oneOf.includes(value) ? undefined : invalid(`String must be one of: ${kind.oneOf.join(", ")}`);
    case "LIST": {
      const items = value === "" ? [] : value.split(",").map((s) => s.trim());
      if (items.includes("")) return `Configuration '${name}' values must not be empty.`;
      return items.every((s) => kind.oneOf.includes(s)) ? undefined : invalid(`String must be one of: ${kind.oneOf.join(", ")}`);
    }
    case "REPLICAS":
      return value === "" || value === "*" || /^\d+:\d+(\s*,\s*\d+:\d+)*$/.test(value)
        ? undefined
        : invalid(`${name} must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...`);
  }
}

function invalidConfig(message: string, topic: string, name: string): QiError {
  return qiError("VALIDATION", "INVALID_CONFIG", message, { context: { topic, config: name, kafkaCode: "INVALID_CONFIG", kafkaErrorCode: 40 } });
}

/** Throws `INVALID_CONFIG` for the first entry a broker would refuse (names first, as Kafka checks them). @internal */
export function checkTopicConfigs(topic: string, configs: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(configs)) if (!TOPIC_CONFIGS.has(name)) throw invalidConfig(`Unknown topic config name: ${name}`, topic, name);
  for (const [name, value] of Object.entries(configs)) {
    const message = refusal(name, TOPIC_CONFIGS.get(name)!.kind, value);
    if (message !== undefined) throw invalidConfig(message, topic, name);
  }
}

/** Every topic config as a broker describes it: the topic's own values, Kafka's defaults for the rest. @internal */
export function describeTopicConfigs(configs: Readonly<Record<string, string>>): ConfigEntry[] {
  return [...TOPIC_CONFIGS].map(([name, { value }]) => {
    const own = Object.hasOwn(configs, name) ? configs[name] : undefined;
    return { name, value: own ?? value, isDefault: own === undefined, readOnly: false, sensitive: false };
  });
}

/** The topic's value of a config, or Kafka's default. @internal */
export function topicConfig(configs: Readonly<Record<string, string>>, name: string): string {
  return (Object.hasOwn(configs, name) ? configs[name] : undefined) ?? TOPIC_CONFIGS.get(name)?.value ?? "";
}
