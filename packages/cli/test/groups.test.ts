// groups on the memory connector: list, describe, lag after a consume with --group, reset
// (and its refusal while the group has a member), delete.
import { describe, expect, it } from "vitest";
import { cli, unique } from "./helpers.js";

async function consumedGroup(messages: number, read: number): Promise<{ topic: string; group: string }> {
  const topic = unique("gt");
  const group = unique("grp");
  expect((await cli(["topics", "create", topic, "--partitions", "2"])).code).toBe(0);
  const input = Array.from({ length: messages }, (_, i) => JSON.stringify({ value: `m${i}`, partition: i % 2 })).join("\n");
  expect((await cli(["produce", topic, "--json"], { stdin: input })).code).toBe(0);
  expect((await cli(["consume", topic, "--group", group, "--from-beginning", "--max", String(read)])).code).toBe(0);
  return { topic, group };
}

describe("groups", () => {
  it("list and describe a group that consumed and left", async () => {
    const { group } = await consumedGroup(4, 4);
    const listed = await cli(["groups", "list"]);
    expect(listed.stdout.split("\n")[0]).toMatch(/^GROUP\s+STATE\s+TYPE$/);
    expect(listed.stdout).toMatch(new RegExp(`^${group}\\s+Empty\\s+consumer$`, "m"));
    expect(JSON.parse((await cli(["groups", "list", "--json"])).stdout)).toContainEqual({ groupId: group, state: "Empty", protocolType: "consumer" });
    const described = await cli(["groups", "describe", group]);
    expect(described).toEqual({ code: 0, stdout: `group: ${group}  state: Empty  assignor: -  members: 0\n`, stderr: "" });
    const missing = await cli(["groups", "describe", unique("none")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: NOT_FOUND GROUP_ID_NOT_FOUND: /);
  });

  it("lag: per partition and the total, text and JSON", async () => {
    const { topic, group } = await consumedGroup(6, 6);
    expect((await cli(["produce", topic, "--partition", "1"], { stdin: "x\ny\n" })).code).toBe(0);
    const lag = await cli(["groups", "lag", group]);
    expect(lag.code).toBe(0);
    expect(lag.stdout).toMatch(/^TOPIC\s+PARTITION\s+COMMITTED\s+LATEST\s+LAG$/m);
    expect(lag.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+3\\s+3\\s+0$`, "m"));
    expect(lag.stdout).toMatch(new RegExp(`^${topic}\\s+1\\s+3\\s+5\\s+2$`, "m"));
    expect(lag.stdout).toContain("total lag: 2\n");
    const json = JSON.parse((await cli(["groups", "lag", group, "--json"])).stdout) as unknown[];
    expect(json).toEqual([
      { topic, partition: 0, committed: "3", latest: "3", lag: "0" },
      { topic, partition: 1, committed: "3", latest: "5", lag: "2" },
    ]);
  });

  it("reset to earliest, then the group reads everything again", async () => {
    const { topic, group } = await consumedGroup(4, 4);
    const reset = await cli(["groups", "reset", group, "--topic", topic, "--to", "earliest", "--json"]);
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout)).toEqual([
      { topic, partition: 0, offset: "0" },
      { topic, partition: 1, offset: "0" },
    ]);
    const again = await cli(["consume", topic, "--group", group, "--max", "4"]);
    expect(again.stdout.split("\n").filter(Boolean).sort()).toEqual(["m0", "m1", "m2", "m3"]);
  });

  it("reset to explicit offsets and to a time; a table in text mode", async () => {
    const { topic, group } = await consumedGroup(4, 4);
    const explicit = await cli(["groups", "reset", group, "--topic", topic, "--to", "0=1,1=2"]);
    expect(explicit.stdout).toMatch(new RegExp(`^TOPIC\\s+PARTITION\\s+OFFSET\\n${topic}\\s+0\\s+1\\n${topic}\\s+1\\s+2\\n$`));
    const future = await cli(["groups", "reset", group, "--topic", topic, "--to", String(Date.now() + 3_600_000)]);
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/^error: VALIDATION /);
    const past = await cli(["groups", "reset", group, "--topic", topic, "--to", "2020-01-01T00:00:00Z", "--json"]);
    expect(JSON.parse(past.stdout)).toEqual([
      { topic, partition: 0, offset: "0" },
      { topic, partition: 1, offset: "0" },
    ]);
  });

  it("reset and delete are refused while the group has a member, with the library's error", async () => {
    const { topic, group } = await consumedGroup(2, 2);
    const stop = new AbortController();
    const member = cli(["consume", topic, "--group", group], { signal: stop.signal });
    let refused = { code: 0, stdout: "", stderr: "" };
    for (let i = 0; i < 100 && refused.code === 0; i++) {
      refused = await cli(["groups", "reset", group, "--topic", topic, "--to", "earliest"]);
      if (refused.code === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: CONFLICT NON_EMPTY_GROUP: group ".*" has 1 member/);
    const deleted = await cli(["groups", "delete", group]);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toMatch(/^error: CONFLICT NON_EMPTY_GROUP: /);
    const described = JSON.parse((await cli(["groups", "describe", group, "--json"])).stdout) as { members: Array<{ assignment: unknown[] }> };
    expect(described.members).toHaveLength(1);
    stop.abort();
    expect((await member).code).toBe(0);
    expect(await cli(["groups", "delete", group])).toEqual({ code: 0, stdout: `deleted group ${group}\n`, stderr: "" });
  });
});
