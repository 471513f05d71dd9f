// The built bin against the harness's Kafka broker (run by `pnpm conformance`): each case spawns
// `node dist/cli.js` with QI_STREAMING_CONNECTOR and QI_STREAMING_BROKERS, as an operator would,
// and reads the result back from the broker with the library's admin (platformatic, which has
// every admin primitive), not only from the tool's own output.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createStreamingClient, unwrap, type IStreamingAdmin, type StreamingClient } from "@qi/streaming";
import { platformaticConnector } from "@qi/streaming-platformatic";
import { kafkaTestBrokers } from "@qi/streaming-testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lines } from "./helpers.js";

// The connectors are the cli package's (dev) dependencies: core finds them from the working directory.
const cwd = fileURLToPath(new URL("..", import.meta.url));
const unique = (prefix: string): string => `cli-${prefix}-${randomUUID().slice(0, 8)}`;

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

type Connector = "kafkajs" | "platformatic" | "confluent";

/** Spawns the bin; `done` resolves when it exits. */
function start(connector: Connector, argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}): { child: ChildProcess; done: Promise<Ran>; stdout: () => string } {
  const env = { PATH: process.env.PATH ?? "", QI_STREAMING_CONNECTOR: connector, QI_STREAMING_BROKERS: kafkaTestBrokers().join(","), ...options.env };
  const child = spawn(process.execPath, ["dist/cli.js", ...argv], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(options.stdin ?? "");
  const kill = setTimeout(() => child.kill("SIGKILL"), 100_000);
  const done = new Promise<Ran>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done, stdout: () => stdout };
}

const run = (connector: Connector, argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Ran> => start(connector, argv, options).done;

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}


let client: StreamingClient;
let admin: IStreamingAdmin;

beforeAll(async () => {
  client = unwrap(createStreamingClient({ connector: platformaticConnector, clientId: "cli-broker-test", brokers: kafkaTestBrokers() }));
  admin = unwrap(await client.getAdmin());
  unwrap(await admin.connect());
});

afterAll(async () => {
  await client?.disconnect();
});

const latestTotal = async (topic: string): Promise<number> => unwrap(await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.latest), 0);

describe("qi-streaming on kafkajs", () => {
  it("topics create, list, describe, delete", async () => {
    const topic = unique("topics");
    const created = await run("kafkajs", ["topics", "create", topic, "--partitions", "3", "--config", "retention.ms=7200000"]);
    expect(created).toMatchObject({ code: 0, stdout: `created topic ${topic} (3 partitions)\n` });
    const [meta] = unwrap(await admin.getTopicMetadata([topic]));
    expect(meta?.partitions.map((p) => p.partitionId)).toEqual([0, 1, 2]);
    expect(unwrap(await admin.describeConfigs(topic)).find((c) => c.name === "retention.ms")).toMatchObject({ value: "7200000", isDefault: false });

    const listed = await run("kafkajs", ["topics", "list", "--json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual({ topic, partitions: 3 });
    expect((await run("kafkajs", ["topics", "list"])).stdout).toMatch(new RegExp(`^${topic}\\s+3$`, "m"));

    const described = await run("kafkajs", ["topics", "describe", topic]);
    expect(described.code).toBe(0);
    expect(described.stdout).toContain(`topic: ${topic}  partitions: 3`);
    expect(described.stdout).toMatch(/^retention\.ms\s+7200000$/m);
    const json = JSON.parse((await run("kafkajs", ["topics", "describe", topic, "--json"])).stdout) as { partitions: Array<{ partition: number; leader: number; latest: string }> };
    expect(json.partitions.map((p) => [p.partition, p.leader, p.latest])).toEqual([0, 1, 2].map((p) => [p, meta?.partitions[p]?.leader, "0"]));

    expect(await run("kafkajs", ["topics", "delete", topic])).toMatchObject({ code: 0, stdout: `deleted topic ${topic}\n` });
    await until("the topic to be gone", async () => (unwrap(await admin.listTopics()).includes(topic) ? undefined : true));
    const again = await run("kafkajs", ["topics", "describe", topic]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: NOT_FOUND TOPIC_NOT_FOUND: /m);
  }, 120_000);

  it("produce text and --json lines from stdin, then consume --from-beginning --max --json", async () => {
    const topic = unique("produce");
    unwrap(await admin.createTopics([{ topic, numPartitions: 3 }]));
    const text = await run("kafkajs", ["produce", topic, "--key", "k-text", "--header", "source=cli"], { stdin: "alpha\nbeta\n" });
    expect(text).toMatchObject({ code: 0, stdout: `produced 2 messages to ${topic}\n` });
    const input = [
      { key: "k1", value: "one", headers: { trace: "t-1", tag: ["x", "y"] } },
      { key: "k2", value: "two" },
      { value: "three", partition: 2 },
    ];
    const json = await run("kafkajs", ["produce", topic, "--json"], { stdin: input.map((l) => JSON.stringify(l)).join("\n") });
    expect(json).toMatchObject({ code: 0, stdout: `produced 3 messages to ${topic}\n` });
    expect(await latestTotal(topic)).toBe(5);

    const consumed = await run("kafkajs", ["consume", topic, "--from-beginning", "--max", "5", "--json"]);
    expect(consumed.code).toBe(0);
    const got = new Map(lines(consumed.stdout).map((m) => [m.value, m]));
    expect(got.size).toBe(5);
    expect(got.get("alpha")).toMatchObject({ topic, key: "k-text", headers: { source: "cli" } });
    expect(got.get("beta")).toMatchObject({ key: "k-text", headers: { source: "cli" }, partition: got.get("alpha")?.partition });
    expect(got.get("one")).toMatchObject({ key: "k1", headers: { trace: "t-1", tag: ["x", "y"] } });
    expect(got.get("two")).toMatchObject({ key: "k2", headers: {} });
    expect(got.get("three")).toMatchObject({ key: null, partition: 2 });
    // Order within a partition is the order of the lines.
    expect(Number(got.get("beta")?.offset)).toBeGreaterThan(Number(got.get("alpha")?.offset));
  }, 120_000);

  it("groups list, describe, lag after a consume with --group; reset to earliest and consume again", async () => {
    const topic = unique("groups");
    const group = unique("g");
    unwrap(await admin.createTopics([{ topic, numPartitions: 2 }]));
    const input = Array.from({ length: 6 }, (_, i) => JSON.stringify({ value: `m${i}`, partition: i % 2 })).join("\n");
    expect((await run("kafkajs", ["produce", topic, "--json"], { stdin: input })).code).toBe(0);
    expect((await run("kafkajs", ["consume", topic, "--group", group, "--from-beginning", "--max", "6"])).code).toBe(0);
    const committed = async (): Promise<string[]> => [...unwrap(await admin.fetchCommittedOffsets(group, topic))].sort((a, b) => a.partition - b.partition).map((o) => o.offset);
    expect(await committed()).toEqual(["3", "3"]);
    expect((await run("kafkajs", ["produce", topic, "--partition", "1"], { stdin: "late-1\nlate-2\n" })).code).toBe(0);

    const listed = await run("kafkajs", ["groups", "list", "--json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual({ groupId: group, state: "Empty", protocolType: "consumer" });
    expect((await run("kafkajs", ["groups", "list"])).stdout).toMatch(new RegExp(`^${group}\\s+Empty\\s+consumer$`, "m"));
    const described = await run("kafkajs", ["groups", "describe", group, "--json"]);
    expect(JSON.parse(described.stdout)).toMatchObject({ groupId: group, state: "Empty", members: [] });

    const lag = await run("kafkajs", ["groups", "lag", group]);
    expect(lag.code).toBe(0);
    expect(lag.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+3\\s+3\\s+0$`, "m"));
    expect(lag.stdout).toMatch(new RegExp(`^${topic}\\s+1\\s+3\\s+5\\s+2$`, "m"));
    expect(lag.stdout).toContain("total lag: 2\n");
    expect(JSON.parse((await run("kafkajs", ["groups", "lag", group, "--json"])).stdout)).toEqual(unwrap(await admin.groupLag(group)));

    const reset = await run("kafkajs", ["groups", "reset", group, "--topic", topic, "--to", "earliest"]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+0$`, "m"));
    expect(await committed()).toEqual(["0", "0"]);
    const again = await run("kafkajs", ["consume", topic, "--group", group, "--max", "8"]);
    expect(again.code).toBe(0);
    expect(again.stdout.split("\n").filter(Boolean).sort()).toEqual(["late-1", "late-2", "m0", "m1", "m2", "m3", "m4", "m5"]);
    expect(await committed()).toEqual(["3", "5"]);
  }, 120_000);

  it("a consume stopped by SIGINT exits 0, commits what it printed and leaves its group", async () => {
    const topic = unique("sigint");
    const group = unique("tail");
    unwrap(await admin.createTopics([{ topic, numPartitions: 1 }]));
    const tail = start("kafkajs", ["consume", topic, "--group", group]);
    await until("the consumer to join", async () => {
      const d = await admin.describeGroups([group]);
      return d.isOk() && d.value[0]?.members.length === 1 && d.value[0].state === "Stable" ? true : undefined;
    });
    expect((await run("kafkajs", ["produce", topic], { stdin: "live\n" })).code).toBe(0);
    await until("the message to be printed", async () => (tail.stdout() === "live\n" ? true : undefined));
    tail.child.kill("SIGINT");
    const ended = await tail.done;
    expect(ended).toMatchObject({ code: 0, signal: null, stdout: "live\n" });
    const [after] = unwrap(await admin.describeGroups([group]));
    expect(after).toMatchObject({ state: "Empty", members: [] });
    expect(unwrap(await admin.fetchCommittedOffsets(group, topic))).toEqual([{ topic, partition: 0, offset: "1" }]);
  }, 120_000);

  it("reset is refused while the group has a member: the library's error, exit 1", async () => {
    const topic = unique("busy");
    const group = unique("busy");
    unwrap(await admin.createTopics([{ topic, numPartitions: 1 }]));
    const member = start("kafkajs", ["consume", topic, "--group", group]);
    await until("the consumer to join", async () => {
      const d = await admin.describeGroups([group]);
      return d.isOk() && d.value[0]?.members.length === 1 ? true : undefined;
    });
    const refused = await run("kafkajs", ["groups", "reset", group, "--topic", topic, "--to", "earliest"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: CONFLICT NON_EMPTY_GROUP: /m);
    member.child.kill("SIGTERM");
    expect((await member.done).code).toBe(0);
  }, 120_000);

  it("health: exit 0 on the broker, 1 on a closed port", async () => {
    const healthy = await run("kafkajs", ["health", "--json"]);
    expect(healthy.code).toBe(0);
    expect(JSON.parse(healthy.stdout)).toEqual({ healthy: true, reachable: true, connector: "kafkajs", problems: [] });
    const closed = await run("kafkajs", ["health"], { env: { QI_STREAMING_BROKERS: "127.0.0.1:1", QI_STREAMING_CONNECTION_TIMEOUT_MS: "2000", QI_STREAMING_LOG_LEVEL: "silent" } });
    expect(closed).toMatchObject({ code: 1, stdout: "unhealthy: connector kafkajs, brokers not reachable\n" });
  }, 120_000);

  it("a bad command exits 2 with a usage message", async () => {
    const bad = await run("kafkajs", ["topics", "rename", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: VALIDATION USAGE: unknown command "topics rename"/);
    expect(bad.stderr).toContain("Usage: qi-streaming topics <command>");
    const option = await run("kafkajs", ["consume", "t", "--maximum", "3"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^error: VALIDATION USAGE: Unknown option '--maximum'\nUsage: qi-streaming consume <topic>/);
  }, 60_000);
});

describe("qi-streaming on platformatic and confluent", () => {
  it("platformatic: produce, consume --group, lag, reset by time, consume again", async () => {
    const topic = unique("plt");
    const group = unique("plt");
    expect((await run("platformatic", ["topics", "create", topic, "--partitions", "2"])).code).toBe(0);
    const input = ["a", "b", "c", "d"].map((v, i) => JSON.stringify({ key: `k${i}`, value: v, headers: { n: String(i) } })).join("\n");
    expect((await run("platformatic", ["produce", topic, "--json"], { stdin: input })).stdout).toBe(`produced 4 messages to ${topic}\n`);
    const consumed = await run("platformatic", ["consume", topic, "--group", group, "--from-beginning", "--max", "4", "--json"]);
    expect(consumed.code).toBe(0);
    expect(lines(consumed.stdout).map((m) => [m.key, m.value, m.headers]).sort()).toEqual(["a", "b", "c", "d"].map((v, i) => [`k${i}`, v, { n: String(i) }]));
    const lag = JSON.parse((await run("platformatic", ["groups", "lag", group, "--json"])).stdout) as Array<{ lag: string }>;
    expect(lag.map((l) => l.lag)).toEqual(["0", "0"]);
    const reset = await run("platformatic", ["groups", "reset", group, "--topic", topic, "--to", new Date(Date.now() - 3_600_000).toISOString()]);
    expect(reset.code).toBe(0);
    expect(unwrap(await admin.groupLag(group)).reduce((n, l) => n + Number(l.lag), 0)).toBe(4);
    const again = await run("platformatic", ["consume", topic, "--group", group, "--max", "4"]);
    expect(again.stdout.split("\n").filter(Boolean).sort()).toEqual(["a", "b", "c", "d"]);
    const described = await run("platformatic", ["groups", "describe", group]);
    expect(described.stdout).toMatch(/state: Empty/);
  }, 120_000);

  it("confluent: topics, produce, consume --max --json, health", async () => {
    const topic = unique("cfl");
    expect((await run("confluent", ["topics", "create", topic, "--partitions", "2"])).code).toBe(0);
    expect(JSON.parse((await run("confluent", ["topics", "list", "--json"])).stdout)).toContainEqual({ topic, partitions: 2 });
    const input = [JSON.stringify({ key: "x", value: "1", headers: { h: "v" } }), JSON.stringify({ key: "y", value: "2" })].join("\n");
    expect((await run("confluent", ["produce", topic, "--json"], { stdin: input })).code).toBe(0);
    expect(await latestTotal(topic)).toBe(2);
    const consumed = await run("confluent", ["consume", topic, "--from-beginning", "--max", "2", "--json"]);
    expect(consumed.code).toBe(0);
    expect(lines(consumed.stdout).map((m) => [m.key, m.value, m.headers]).sort()).toEqual([["x", "1", { h: "v" }], ["y", "2", {}]]);
    expect((await run("confluent", ["health"])).code).toBe(0);
    expect((await run("confluent", ["topics", "delete", topic])).code).toBe(0);
  }, 120_000);
});
