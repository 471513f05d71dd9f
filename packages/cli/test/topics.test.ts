// topics and health on the memory connector: a real in-process broker, shared by the runs of
// this process, read back through the CLI itself and through the library's admin.
import { createStreamingClient, unwrap } from "@qi/streaming";
import { describe, expect, it } from "vitest";
import { cli, unique } from "./helpers.js";

async function memoryAdmin() {
  const client = unwrap(createStreamingClient({}));
  const admin = unwrap(await client.getAdmin());
  unwrap(await admin.connect());
  return { admin, close: () => client.disconnect() };
}

describe("topics", () => {
  it("create, list, describe, delete", async () => {
    const topic = unique("orders");
    const created = await cli(["topics", "create", topic, "--partitions", "3", "--config", "retention.ms=3600000", "--config", "cleanup.policy=compact"]);
    expect(created).toEqual({ code: 0, stdout: `created topic ${topic} (3 partitions)\n`, stderr: "" });

    const { admin, close } = await memoryAdmin();
    const [meta] = unwrap(await admin.getTopicMetadata([topic]));
    expect(meta?.partitions).toHaveLength(3);
    const configs = unwrap(await admin.describeConfigs(topic));
    expect(configs.find((c) => c.name === "retention.ms")?.value).toBe("3600000");

    const listed = await cli(["topics", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(/^TOPIC\s+PARTITIONS$/);
    expect(listed.stdout).toMatch(new RegExp(`^${topic}\\s+3$`, "m"));
    const listedJson = JSON.parse((await cli(["topics", "list", "--json"])).stdout) as Array<{ topic: string; partitions: number }>;
    expect(listedJson).toContainEqual({ topic, partitions: 3 });

    const described = await cli(["topics", "describe", topic]);
    expect(described.code).toBe(0);
    expect(described.stdout).toContain(`topic: ${topic}  partitions: 3`);
    expect(described.stdout).toMatch(/^PARTITION\s+LEADER\s+REPLICAS\s+ISR\s+EARLIEST\s+LATEST$/m);
    expect(described.stdout).toMatch(/^CONFIG\s+VALUE\n(.*\n)*retention\.ms\s+3600000$/m);
    const json = JSON.parse((await cli(["topics", "describe", topic, "--json"])).stdout) as { topic: string; partitions: Array<{ partition: number; earliest: string; latest: string }>; configs: unknown[] };
    expect(json.partitions.map((p) => [p.partition, p.earliest, p.latest])).toEqual([[0, "0", "0"], [1, "0", "0"], [2, "0", "0"]]);
    expect(json.configs.length).toBeGreaterThan(1);

    expect(await cli(["topics", "delete", topic])).toEqual({ code: 0, stdout: `deleted topic ${topic}\n`, stderr: "" });
    expect(unwrap(await admin.listTopics())).not.toContain(topic);
    await close();
  });

  it("operation failures exit 1 with the library's error line", async () => {
    const topic = unique("dup");
    expect((await cli(["topics", "create", topic])).code).toBe(0);
    const again = await cli(["topics", "create", topic]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: CONFLICT TOPIC_ALREADY_EXISTS: /);
    const missing = await cli(["topics", "describe", unique("missing")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: NOT_FOUND TOPIC_NOT_FOUND: /);
    expect((await cli(["topics", "delete", unique("missing")])).stderr).toMatch(/^error: NOT_FOUND /);
  });
});

describe("health", () => {
  it("healthy: exit 0, text and JSON", async () => {
    expect(await cli(["health"])).toEqual({ code: 0, stdout: "healthy: connector memory, brokers reachable\n", stderr: "" });
    expect(JSON.parse((await cli(["health", "--json"])).stdout)).toEqual({ healthy: true, reachable: true, connector: "memory", problems: [] });
  });

  it("on a terminal, the memory connector says it keeps nothing", async () => {
    const r = await cli(["health"], { tty: true });
    expect(r.stderr).toContain("the memory connector runs in this process");
  });
});
