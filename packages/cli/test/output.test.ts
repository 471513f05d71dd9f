// Formatting: tables, colour only on a terminal without NO_COLOR, error lines, the input and
// output shapes of produce --json and consume --json, reset targets.
import { describe, expect, it } from "vitest";
import { resetTarget } from "../src/commands/groups.js";
import { messageJson } from "../src/commands/consume.js";
import { parseJsonLine } from "../src/commands/produce-input.js";
import { Output, renderTable } from "../src/output.js";
import { Capture } from "./helpers.js";

const ESC = "\u001b[";

describe("renderTable", () => {
  it("pads columns, right-aligns the numeric ones, trims line ends", () => {
    expect(renderTable(["TOPIC", "PARTITIONS", "NOTE"], [["orders", "12", ""], ["a", "3", "x"]], [1])).toEqual([
      "TOPIC   PARTITIONS  NOTE",
      "orders          12",
      "a                3  x",
    ]);
  });
});

describe("Output", () => {
  const make = (tty: boolean, env: Record<string, string> = {}) => {
    const stdout = new Capture(tty);
    const stderr = new Capture(tty);
    return { out: new Output(stdout, stderr, env), stdout, stderr };
  };

  it("piped: no escape codes, and status lines are dropped", () => {
    const { out, stdout, stderr } = make(false);
    out.table(["A"], [["1"]]);
    out.status("produced 10");
    out.error({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND", message: "no\nsuch topic" });
    expect(stdout.text).toBe("A\n1\n");
    expect(stderr.text).toBe("error: NOT_FOUND TOPIC_NOT_FOUND: no such topic\n");
  });

  it("a terminal: bold headers, a red error label, a status line erased before the next line", () => {
    const { out, stdout, stderr } = make(true);
    out.table(["A"], [["1"]]);
    out.status("produced 10");
    out.line("done");
    out.error({ category: "STATE", code: "X", message: "m" });
    expect(stdout.text).toContain(`${ESC}1mA${ESC}22m`);
    expect(stdout.text).toContain("produced 10");
    expect(stdout.text.endsWith(`\r${ESC}2Kdone\n`)).toBe(true);
    expect(stderr.text).toContain(`${ESC}31merror:${ESC}39m STATE X: m`);
  });

  it("NO_COLOR turns decoration off on a terminal", () => {
    const { out, stdout } = make(true, { NO_COLOR: "1" });
    out.table(["A"], [["1"]]);
    out.status("x");
    expect(out.decorated).toBe(false);
    expect(stdout.text).toBe("A\n1\n");
  });
});

describe("produce --json lines", () => {
  const defaults = { headers: { source: "cli" }, key: "k0" };

  it("key, value, headers, partition, timestamp; flag defaults under the line's own", () => {
    expect(parseJsonLine('{"key":"k1","value":"v","headers":{"h":"1","r":["a","b"]},"partition":2,"timestamp":1700000000000}', 1, defaults)).toEqual({
      key: "k1",
      value: "v",
      headers: { source: "cli", h: "1", r: ["a", "b"] },
      partition: 2,
      timestamp: new Date(1700000000000),
    });
    expect(parseJsonLine('{"value":null}', 1, defaults)).toEqual({ key: "k0", value: null, headers: { source: "cli" } });
    expect(parseJsonLine('{"key":null,"value":{"id":1}}', 1, defaults)).toEqual({ key: null, value: '{"id":1}', headers: { source: "cli" } });
  });

  it("blank lines are skipped; consume --json output is accepted", () => {
    expect(parseJsonLine("   ", 1, defaults)).toBeUndefined();
    const consumed = '{"topic":"t","partition":0,"offset":"5","key":"a","value":"b","headers":{},"timestamp":"2025-01-01T00:00:00.000Z"}';
    expect(parseJsonLine(consumed, 1, { headers: {} })).toEqual({ key: "a", value: "b", headers: {}, partition: 0, timestamp: new Date("2025-01-01T00:00:00.000Z") });
  });

  it.each([
    ["not json", /line 3: not valid JSON/],
    ["[1]", /must be a JSON object/],
    ['{"key":"k"}', /needs a "value"/],
    ['{"value":"v","haeders":{}}', /unknown field "haeders"/],
    ['{"value":"v","key":5}', /key must be a string or null/],
    ['{"value":"v","headers":{"h":1}}', /header "h" must be a string/],
    ['{"value":"v","partition":-1}', /partition must be a whole number/],
    ['{"value":"v","timestamp":"soon"}', /timestamp must be/],
  ])("%s is refused", (line, message) => {
    expect(() => parseJsonLine(line, 3, { headers: {} })).toThrow(message);
  });
});

describe("consume --json shape", () => {
  it("strings for bytes, null key, repeated headers as arrays, ISO timestamp", () => {
    const m = { topic: "t", partition: 1, offset: "9", key: null, value: Buffer.from("v"), headers: { a: Buffer.from("1"), r: [Buffer.from("x"), Buffer.from("y")] }, timestamp: new Date(0) };
    expect(messageJson(m)).toEqual({ topic: "t", partition: 1, offset: "9", key: null, value: "v", headers: { a: "1", r: ["x", "y"] }, timestamp: "1970-01-01T00:00:00.000Z" });
  });
});

describe("groups reset --to", () => {
  it.each([
    ["earliest", "earliest"],
    ["latest", "latest"],
    ["1700000000000", { timestamp: 1700000000000 }],
    ["2025-01-31T12:00:00Z", { timestamp: Date.parse("2025-01-31T12:00:00Z") }],
    ["0=5,2=17", [{ partition: 0, offset: "5" }, { partition: 2, offset: "17" }]],
  ])("%s", (to, target) => {
    expect(resetTarget(to)).toEqual(target);
  });

  it.each(["", "first", "0=", "0=5,", "Jan 31"])("%j is a usage error", (to) => {
    expect(() => resetTarget(to)).toThrow(/--to takes/);
  });
});
