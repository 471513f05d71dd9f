/** `groups list|describe|lag|reset|delete`. */
import type { OffsetResetTarget } from "@qi/streaming";
import { flag, str, type CommandDef } from "../args.js";
import { EXIT, must, usageError } from "../failure.js";

const json = { type: "boolean", help: "print JSON instead of a table" } as const;

const list: CommandDef = {
  path: ["groups", "list"],
  args: [],
  summary: "list the consumer groups and their states",
  options: { json },
  async run(ctx, parsed) {
    const groups = must(await (await ctx.connectedAdmin()).listGroups());
    if (flag(parsed, "json")) ctx.out.json(groups);
    else ctx.out.table(["GROUP", "STATE", "TYPE"], groups.map((g) => [g.groupId, g.state, g.protocolType]));
    return EXIT.ok;
  },
};

const describe: CommandDef = {
  path: ["groups", "describe"],
  args: ["<id>"],
  summary: "a group's state, assignor and members with their partitions",
  options: { json },
  async run(ctx, parsed) {
    const [group] = must(await (await ctx.connectedAdmin()).describeGroups([parsed.args[0]!]));
    if (flag(parsed, "json")) {
      ctx.out.json(group);
      return EXIT.ok;
    }
    if (!group) return EXIT.failed;
    const b = (t: string): string => ctx.out.style("bold", t);
    ctx.out.line(`${b("group:")} ${group.groupId}  ${b("state:")} ${group.state}  ${b("assignor:")} ${group.protocol || "-"}  ${b("members:")} ${group.members.length}`);
    if (group.members.length === 0) return EXIT.ok;
    const assignment = (m: (typeof group.members)[number]): string => m.assignment.map((a) => `${a.topic}:${a.partitions.join(",")}`).join(" ") || "-";
    ctx.out.table(["MEMBER", "CLIENT", "HOST", "ASSIGNMENT"], group.members.map((m) => [m.memberId, m.clientId, m.host, assignment(m)]));
    return EXIT.ok;
  },
};

const lag: CommandDef = {
  path: ["groups", "lag"],
  args: ["<id>"],
  summary: "per partition the group committed on: committed offset, latest offset and the lag",
  options: { json },
  async run(ctx, parsed) {
    const rows = must(await (await ctx.connectedAdmin()).groupLag(parsed.args[0]!));
    if (flag(parsed, "json")) {
      ctx.out.json(rows);
      return EXIT.ok;
    }
    ctx.out.table(["TOPIC", "PARTITION", "COMMITTED", "LATEST", "LAG"], rows.map((r) => [r.topic, String(r.partition), r.committed ?? "-", r.latest, r.lag]), [1, 2, 3, 4]);
    // Offsets are decimal strings that may pass 2^53: add them as bigints.
    ctx.out.line(`total lag: ${rows.reduce((sum, r) => sum + BigInt(r.lag), 0n)}`);
    return EXIT.ok;
  },
};

/** `--to`: earliest, latest, a time (ms since the epoch or ISO 8601) or `partition=offset,...`. */
export function resetTarget(to: string): OffsetResetTarget {
  const v = to.trim();
  if (v === "earliest" || v === "latest") return v;
  if (/^\d+$/.test(v)) return { timestamp: Number(v) };
  if (/^\d+=\d+(,\d+=\d+)*$/.test(v)) {
    return v.split(",").map((pair) => {
      const [partition, offset] = pair.split("=");
      return { partition: Number(partition), offset: String(BigInt(offset!)) };
    });
  }
  const ms = Date.parse(v);
  if (/^\d{4}-\d{2}-\d{2}/.test(v) && Number.isFinite(ms)) return { timestamp: ms };
  throw usageError(`--to takes earliest, latest, a time (ms or ISO 8601, e.g. 2025-01-31T12:00:00Z) or partition=offset,... (got "${to.slice(0, 40)}")`);
}

const reset: CommandDef = {
  path: ["groups", "reset"],
  args: ["<id>"],
  summary: "move a group's committed offsets on a topic (refused while the group has members)",
  details: [
    "--to earliest | latest | <ms since the epoch> | <ISO 8601 time> | <partition>=<offset>,...",
    "Example: qi-streaming groups reset billing --topic orders --to 2025-01-31T12:00:00Z",
  ],
  options: {
    topic: { type: "string", value: "T", help: "the topic whose offsets move (required)" },
    to: { type: "string", value: "TARGET", help: "where to (required)" },
    json,
  },
  async run(ctx, parsed) {
    const topic = str(parsed, "topic");
    const to = str(parsed, "to");
    if (!topic || !to) throw usageError("groups reset needs --topic and --to", "Usage: qi-streaming groups reset <id> --topic T --to earliest|latest|<time>|<p>=<offset>,...");
    const target = resetTarget(to);
    const committed = must(await (await ctx.connectedAdmin()).resetOffsets(parsed.args[0]!, topic, target));
    if (flag(parsed, "json")) ctx.out.json(committed);
    else ctx.out.table(["TOPIC", "PARTITION", "OFFSET"], committed.map((c) => [c.topic, String(c.partition), c.offset]), [1, 2]);
    return EXIT.ok;
  },
};

const remove: CommandDef = {
  path: ["groups", "delete"],
  args: ["<id...>"],
  summary: "delete groups and their committed offsets (refused while a group has members)",
  options: {},
  async run(ctx, parsed) {
    must(await (await ctx.connectedAdmin()).deleteGroups(parsed.args));
    for (const g of parsed.args) ctx.out.line(`deleted group ${g}`);
    return EXIT.ok;
  },
};

/** The `groups` commands, in help order. */
export const groupCommands: readonly CommandDef[] = [list, describe, lag, reset, remove];
