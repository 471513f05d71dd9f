/** `topics list|create|describe|delete`. */
import type { ConfigEntry, PartitionOffsets, QiError, Result } from "@qi/streaming";
import { flag, intOption, pairs, strings, type CommandDef } from "../args.js";
import type { Context } from "../context.js";
import { EXIT, must } from "../failure.js";

const json = { type: "boolean", help: "print JSON instead of a table" } as const;

const list: CommandDef = {
  path: ["topics", "list"],
  args: [],
  summary: "list the topics and their partition counts",
  options: { json },
  async run(ctx, parsed) {
    const admin = await ctx.connectedAdmin();
    const names = [...must(await admin.listTopics())].sort();
    const metadata = names.length === 0 ? [] : must(await admin.getTopicMetadata(names));
    const rows = metadata.map((t) => ({ topic: t.name, partitions: t.partitions.length }));
    if (flag(parsed, "json")) ctx.out.json(rows);
    else ctx.out.table(["TOPIC", "PARTITIONS"], rows.map((r) => [r.topic, String(r.partitions)]), [1]);
    return EXIT.ok;
  },
};

const create: CommandDef = {
  path: ["topics", "create"],
  args: ["<name>"],
  summary: "create a topic",
  details: ["Example: qi-streaming topics create orders --partitions 6 --config retention.ms=86400000"],
  options: {
    partitions: { type: "string", value: "N", help: "number of partitions (default 1)" },
    "replication-factor": { type: "string", value: "N", help: "replicas of each partition (default 1)" },
    config: { type: "string", multiple: true, value: "k=v", help: "a topic config entry, e.g. cleanup.policy=compact" },
    json: { type: "boolean", help: "print what was created as JSON" },
  },
  async run(ctx, parsed) {
    const topic = parsed.args[0]!;
    const numPartitions = intOption(parsed, "partitions", 1) ?? 1;
    const replicationFactor = intOption(parsed, "replication-factor", 1);
    const configs = pairs(strings(parsed, "config"), "config");
    const admin = await ctx.connectedAdmin();
    must(await admin.createTopics([{ topic, numPartitions, ...(replicationFactor ? { replicationFactor } : {}), ...(Object.keys(configs).length > 0 ? { configs } : {}) }]));
    if (flag(parsed, "json")) ctx.out.json({ topic, partitions: numPartitions, configs });
    else ctx.out.line(`created topic ${topic} (${numPartitions} partition${numPartitions === 1 ? "" : "s"})`);
    return EXIT.ok;
  },
};

/** The optional parts of `describe`: a connector without the primitive leaves them out, with a note. */
function optional<T>(ctx: Context, result: Result<T, QiError>, what: string): T | undefined {
  if (result.isOk()) return result.value;
  if (result.error.category !== "UNSUPPORTED") must(result);
  ctx.out.note(`${what} left out: ${result.error.message}`);
  return undefined;
}

const describe: CommandDef = {
  path: ["topics", "describe"],
  args: ["<name>"],
  summary: "partitions (leader, replicas, in-sync replicas, offsets) and the configs set on a topic",
  options: { json },
  async run(ctx, parsed) {
    const topic = parsed.args[0]!;
    const admin = await ctx.connectedAdmin();
    const [metadata] = must(await admin.getTopicMetadata([topic]));
    const offsets = optional(ctx, await admin.fetchTopicOffsets(topic), "offsets");
    const configs = optional(ctx, await admin.describeConfigs(topic), "configs");
    const at = new Map<number, PartitionOffsets>((offsets ?? []).map((o) => [o.partition, o]));
    const partitions = (metadata?.partitions ?? []).map((p) => ({
      partition: p.partitionId,
      leader: p.leader,
      replicas: [...p.replicas],
      isr: [...p.isr],
      ...(offsets ? { earliest: at.get(p.partitionId)?.earliest ?? null, latest: at.get(p.partitionId)?.latest ?? null } : {}),
    }));
    if (flag(parsed, "json")) {
      ctx.out.json({ topic, partitions, ...(configs ? { configs } : {}) });
      return EXIT.ok;
    }
    ctx.out.line(`${ctx.out.style("bold", "topic:")} ${topic}  ${ctx.out.style("bold", "partitions:")} ${partitions.length}`);
    const headers = ["PARTITION", "LEADER", "REPLICAS", "ISR", ...(offsets ? ["EARLIEST", "LATEST"] : [])];
    const rows = partitions.map((p) => [String(p.partition), String(p.leader), p.replicas.join(","), p.isr.join(","), ...(offsets ? [p.earliest ?? "-", p.latest ?? "-"] : [])]);
    ctx.out.table(headers, rows, offsets ? [0, 1, 4, 5] : [0, 1]);
    if (configs) printConfigs(ctx, configs);
    return EXIT.ok;
  },
};

/** Only the entries set on the topic: the defaults are hundreds of lines (they are all in --json). */
function printConfigs(ctx: Context, configs: readonly ConfigEntry[]): void {
  const set = configs.filter((c) => !c.isDefault);
  ctx.out.line();
  if (set.length === 0) {
    ctx.out.line("configs: all defaults");
    return;
  }
  ctx.out.table(["CONFIG", "VALUE"], set.map((c) => [c.name, c.sensitive ? "(sensitive)" : (c.value ?? "")]));
}

const remove: CommandDef = {
  path: ["topics", "delete"],
  args: ["<name...>"],
  summary: "delete topics",
  options: {},
  async run(ctx, parsed) {
    const admin = await ctx.connectedAdmin();
    must(await admin.deleteTopics(parsed.args));
    for (const t of parsed.args) ctx.out.line(`deleted topic ${t}`);
    return EXIT.ok;
  },
};

/** The `topics` commands, in help order. */
export const topicCommands: readonly CommandDef[] = [list, create, describe, remove];
