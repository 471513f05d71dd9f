// Argument parsing and usage errors: exit 2, one `error: VALIDATION USAGE:` line and the usage,
// before any client is created (a broken environment does not hide the help).
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const broken = { QI_STREAMING_CONECTOR: "kafkajs" };

describe("help", () => {
  it("--help lists every command, on stdout, exit 0", async () => {
    const r = await cli(["--help"], { env: broken });
    expect(r.code).toBe(0);
    for (const c of ["topics list", "topics create <name>", "produce <topic>", "consume <topic>", "groups reset <id>", "health"]) expect(r.stdout).toContain(c);
    expect(r.stdout).toContain("QI_STREAMING_BROKERS");
    expect(r.stderr).toBe("");
  });

  it("no arguments: the help on stderr, exit 2", async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Usage: qi-streaming <command>");
  });

  it("per command: options and global options", async () => {
    const r = await cli(["consume", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: qi-streaming consume <topic> \[options\]/);
    for (const o of ["--group G", "--from-beginning", "--json", "--max N", "--connector NAME", "--brokers LIST"]) expect(r.stdout).toContain(o);
  });

  it("`help <command>`, a group's help, -h", async () => {
    expect((await cli(["help", "topics", "create"])).stdout).toContain("--partitions N");
    const group = await cli(["groups", "--help"]);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain("groups lag <id>");
    expect((await cli(["produce", "-h"])).stdout).toContain("--header k=v");
  });

  it("--version prints the package's version", async () => {
    const r = await cli(["--version"]);
    expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+/), stderr: "" });
  });
});

describe("usage errors exit 2", () => {
  const cases: Array<[string[], RegExp]> = [
    [["frobnicate"], /^error: VALIDATION USAGE: unknown command "frobnicate"\n/],
    [["topics"], /^error: VALIDATION USAGE: topics needs a command: list, create, describe, delete\n/],
    [["topics", "rename", "x"], /^error: VALIDATION USAGE: unknown command "topics rename"/],
    [["topics", "create"], /^error: VALIDATION USAGE: topics create needs <name>\nUsage: qi-streaming topics create <name> \[options\]/],
    [["topics", "describe", "a", "b"], /unexpected argument "b"/],
    [["topics", "list", "--bogus"], /^error: VALIDATION USAGE: Unknown option '--bogus'\n/],
    [["topics", "create", "t", "--partitions", "zero"], /--partitions must be a whole number of at least 1 \(got "zero"\)/],
    [["topics", "create", "t", "--partitions", "0"], /--partitions must be a whole number of at least 1/],
    [["topics", "create", "t", "--config", "novalue"], /--config takes name=value/],
    [["consume", "t", "--max"], /Option '--max <value>' argument missing/],
    [["consume", "t", "--max", "-1"], /--max/],
    [["produce", "t", "--header", "=x"], /--header takes name=value/],
    [["groups", "reset", "g", "--topic", "t"], /groups reset needs --topic and --to/],
    [["groups", "reset", "g", "--topic", "t", "--to", "yesterday"], /--to takes earliest, latest, a time/],
    [["--bogus"], /a command is needed/],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(" "), async () => {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    });
  }

  it("options may come before the command", async () => {
    const r = await cli(["--connector", "memory", "topics", "list", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expect.any(Array));
  });
});

describe("configuration errors exit 2 and name the variable, never a secret", () => {
  it("a misspelt QI_STREAMING_* variable", async () => {
    const r = await cli(["topics", "list"], { env: broken });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: VALIDATION INVALID_ARGUMENT: QI_STREAMING_CONECTOR: is not a qi-streaming environment variable (did you mean QI_STREAMING_CONNECTOR?)\n");
  });

  it("a network connector without brokers; --brokers with memory", async () => {
    const noBrokers = await cli(["health", "--connector", "kafkajs"]);
    expect(noBrokers.code).toBe(2);
    expect(noBrokers.stderr).toMatch(/^error: VALIDATION \w+: brokers: /);
    const memoryBrokers = await cli(["health", "--brokers", "127.0.0.1:9092"], { env: { QI_STREAMING_CONNECTOR: "memory" } });
    expect(memoryBrokers.code).toBe(2);
    expect(memoryBrokers.stderr).toMatch(/^error: VALIDATION \w+: brokers: the memory connector runs in-process/);
  });

  it("the SASL password is in no output, whatever fails", async () => {
    const password = "pa55-never-printed-4711";
    const env = { QI_STREAMING_CONNECTOR: "kafkajs", QI_STREAMING_SASL_USERNAME: "ops", QI_STREAMING_SASL_PASSWORD: password, QI_STREAMING_SASL_MECHANISM: "plain-text" };
    for (const argv of [["topics", "list"], ["health", "--json"], ["consume", "t", "--max", "x"]]) {
      const r = await cli(argv, { env });
      expect(r.code).toBe(2);
      expect(`${r.stdout}${r.stderr}`).not.toContain(password);
    }
  });
});
