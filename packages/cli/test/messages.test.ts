// produce then consume on the memory connector: text and JSON lines, keys and headers, --max,
// the interrupt signal, and what the group committed.
import { PassThrough, Readable, Writable } from "node:stream";
import { createStreamingClient, unwrap } from "@qi/streaming";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/index.js";
import { Capture, cli, lines, unique } from "./helpers.js";


async function topicWith(partitions = 1): Promise<string> {
  const topic = unique("msgs");
  expect((await cli(["topics", "create", topic, "--partitions", String(partitions)])).code).toBe(0);
  return topic;
}

async function committed(groupId: string, topic: string) {
  const client = unwrap(createStreamingClient({}));
  const admin = unwrap(await client.getAdmin());
  unwrap(await admin.connect());
  const offsets = unwrap(await admin.fetchCommittedOffsets(groupId, topic));
  unwrap(await client.disconnect());
  return offsets;
}

describe("produce", () => {
  it("text lines, one message each, with --key and repeated --header", async () => {
    const topic = await topicWith();
    const sent = await cli(["produce", topic, "--key", "k1", "--header", "source=cli", "--header", "tag=a", "--header", "tag=b"], { stdin: "one\ntwo\n\nthree\n" });
    expect(sent).toEqual({ code: 0, stdout: `produced 4 messages to ${topic}\n`, stderr: "" });
    const got = await cli(["consume", topic, "--from-beginning", "--max", "4", "--json"]);
    expect(got.code).toBe(0);
    expect(lines(got.stdout).map((m) => [m.offset, m.key, m.value, m.headers])).toEqual(
      ["one", "two", "", "three"].map((v, i) => [String(i), "k1", v, { source: "cli", tag: ["a", "b"] }]),
    );
  });

  it("--json lines with keys, headers, partitions and tombstones", async () => {
    const topic = await topicWith(3);
    const input = [
      '{"key":"a","value":"1","headers":{"h":"x"}}',
      '{"value":"2","partition":2}',
      "",
      '{"key":"a","value":null}',
      '{"value":{"nested":true},"partition":1}',
    ].join("\n");
    expect((await cli(["produce", topic, "--json"], { stdin: input })).stdout).toBe(`produced 4 messages to ${topic}\n`);
    const got = lines((await cli(["consume", topic, "--from-beginning", "--max", "4", "--json"])).stdout);
    const byValue = new Map(got.map((m) => [m.value, m]));
    expect(byValue.get("1")).toMatchObject({ key: "a", headers: { h: "x" } });
    expect(byValue.get("2")).toMatchObject({ partition: 2, key: null, headers: {} });
    expect(byValue.get(null)).toMatchObject({ key: "a", partition: byValue.get("1")?.partition });
    expect(byValue.get('{"nested":true}')).toMatchObject({ partition: 1 });
    expect(got.every((m) => !Number.isNaN(Date.parse(m.timestamp)))).toBe(true);
  });

  it("many lines keep their order across batches; a terminal gets the rate", async () => {
    const topic = await topicWith();
    const values = Array.from({ length: 2500 }, (_, i) => `v${i}`);
    const sent = await cli(["produce", topic], { stdin: `${values.join("\n")}\n`, tty: true, env: {} });
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(new RegExp(`produced 2500 messages to ${topic} in \\d+\\.\\d s \\(\\d+ msg/s\\)\\n$`));
    const got = await cli(["consume", topic, "--from-beginning", "--max", "2500"]);
    expect(got.stdout.split("\n").slice(0, -1)).toEqual(values);
  });

  it("a bad JSON line stops with exit 1; the lines before it were sent", async () => {
    const topic = await topicWith();
    const r = await cli(["produce", topic, "--json"], { stdin: '{"value":"ok"}\n{"value":\n{"value":"never"}\n' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`produced 1 message to ${topic}\n`);
    expect(r.stderr).toBe("error: VALIDATION INVALID_INPUT: line 2: not valid JSON\n");
  });

  it("interrupted: stops reading, reports what was sent, exit 130", async () => {
    const topic = await topicWith();
    const stdin = new PassThrough();
    stdin.write("one\ntwo\n");
    const stop = new AbortController();
    const stdout = new Capture();
    const running = runCli(["produce", topic], { stdin, stdout, stderr: new Capture(), env: {}, signal: stop.signal });
    await new Promise((r) => setTimeout(r, 200));
    stop.abort("SIGINT");
    expect(await running).toBe(130);
    expect(stdout.text).toBe(`produced 2 messages to ${topic}\n`);
  });

  it("a missing topic or partition is the library's error, exit 1", async () => {
    const missing = await cli(["produce", unique("nope")], { stdin: "x\n" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: NOT_FOUND TOPIC_NOT_FOUND: /);
    const partition = await cli(["produce", await topicWith(), "--partition", "7"], { stdin: "x\n" });
    expect(partition.code).toBe(1);
    expect(partition.stderr).toMatch(/^error: VALIDATION /);
  });
});

describe("consume", () => {
  it("text mode prints values; a named group commits what was printed and no more", async () => {
    const topic = await topicWith();
    await cli(["produce", topic], { stdin: "a\nb\nc\nd\ne\n" });
    const group = unique("g");
    const first = await cli(["consume", topic, "--group", group, "--from-beginning", "--max", "2"]);
    expect(first).toEqual({ code: 0, stdout: "a\nb\n", stderr: "" });
    expect(await committed(group, topic)).toEqual([{ topic, partition: 0, offset: "2" }]);
    // The group goes on where it stopped.
    expect((await cli(["consume", topic, "--group", group, "--max", "3"])).stdout).toBe("c\nd\ne\n");
  });

  it("without --group, a throwaway group that commits nothing", async () => {
    const topic = await topicWith();
    await cli(["produce", topic], { stdin: "a\n" });
    expect((await cli(["consume", topic, "--from-beginning", "--max", "1"])).stdout).toBe("a\n");
    const groups = JSON.parse((await cli(["groups", "list", "--json"])).stdout) as Array<{ groupId: string }>;
    for (const g of groups.filter((x) => x.groupId.startsWith("qi-streaming-cli-"))) expect(await committed(g.groupId, topic)).toEqual([]);
  });

  it("the interrupt signal stops it: exit 0, the group left", async () => {
    const topic = await topicWith();
    const group = unique("tail");
    const stop = new AbortController();
    const running = cli(["consume", topic, "--group", group], { signal: stop.signal });
    // Wait until it is a member, then interrupt.
    for (let i = 0; i < 100; i++) {
      const d = await cli(["groups", "describe", group, "--json"]);
      if (d.code === 0 && (JSON.parse(d.stdout) as { members: unknown[] }).members.length === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await cli(["produce", topic], { stdin: "live\n" });
    await new Promise((r) => setTimeout(r, 200));
    stop.abort("SIGINT");
    const r = await running;
    expect(r).toEqual({ code: 0, stdout: "live\n", stderr: "" });
    const after = JSON.parse((await cli(["groups", "describe", group, "--json"])).stdout) as { state: string; members: unknown[] };
    expect(after.members).toEqual([]);
    expect(await committed(group, topic)).toEqual([{ topic, partition: 0, offset: "1" }]);
  });

  it("a reader that goes away (EPIPE) stops it: exit 0, nothing more is committed", async () => {
    const topic = await topicWith();
    await cli(["produce", topic], { stdin: "a\nb\nc\n" });
    const group = unique("pipe");
    let written = "";
    const stdout = new Writable({
      write(chunk: Buffer, _enc, done) {
        written += chunk.toString();
        done(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    const code = await runCli(["consume", topic, "--group", group, "--from-beginning"], { stdin: Readable.from([]), stdout, stderr: new Capture(), env: {} });
    expect(code).toBe(0);
    expect(written).toBe("a\n");
    expect(Number((await committed(group, topic))[0]?.offset ?? 0)).toBeLessThanOrEqual(1);
  });

  it("a missing topic is NOT_FOUND, exit 1", async () => {
    const r = await cli(["consume", unique("nope"), "--max", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: NOT_FOUND TOPIC_NOT_FOUND: /);
  });
});
