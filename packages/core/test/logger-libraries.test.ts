/**
 * `config.logger` takes pino, winston and console as they are (the real packages): our message
 * and our fields reach their output, and secrets do not.
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import winston from "winston";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config/validate.js";
import { adaptLogger, isPino, safeLogger } from "../src/logger.js";
import { createStreamingClient, type Logger } from "./both-surfaces.js";

/** A pino logger writing JSON lines to memory. */
function pinoToMemory() {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (chunks.push(String(chunk)), done()) });
  const logger = pino({ level: "debug" }, stream);
  const lines = (): Record<string, unknown>[] =>
    chunks.join("").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines };
}

/** A winston logger whose stream transport keeps each info object (an object-mode stream). */
function winstonToMemory(): { logger: winston.Logger; infos: Record<string, unknown>[] } {
  const infos: Record<string, unknown>[] = [];
  const stream = new Writable({ objectMode: true, write: (info: Record<string, unknown>, _enc, done) => (infos.push(info), done()) });
  return { logger: winston.createLogger({ level: "debug", transports: [new winston.transports.Stream({ stream })] }), infos };
}

/** A memory-connector consumer whose handler fails once with `onFailure: "skip"`. */
async function skipOnce(logger: unknown, password?: string): Promise<string> {
  const client = createStreamingClient({
    logger: logger as Logger,
    ...(password ? { security: { sasl: { mechanism: "plain" as const, username: "u", password } } } : {}),
  })._unsafeUnwrap();
  const topic = `libs-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const admin = (await client.getAdmin())._unsafeUnwrap();
  await admin.connect();
  await admin.createTopics([{ topic }]);
  const consumer = (await client.getConsumer({ groupId: topic, retry: { attempts: 1 }, onFailure: "skip" }))._unsafeUnwrap();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: () => {
      throw new Error(`handler failed${password ? ` with ${password}` : ""}`);
    },
  });
  const producer = (await client.getProducer())._unsafeUnwrap();
  await producer.connect();
  await producer.send(topic, { value: "x" });
  await new Promise((r) => setTimeout(r, 150));
  await client.disconnect();
  return topic;
}

describe("pino, winston and console as config.logger", () => {
  it("recognises pino and its children, and not winston or console", () => {
    const p = pino({ level: "silent" });
    expect(isPino(p)).toBe(true);
    expect(isPino(p.child({ a: 1 }))).toBe(true);
    expect(isPino(winston.createLogger())).toBe(false);
    expect(isPino(console)).toBe(false);
    expect(isPino({ debug() {}, info() {}, warn() {}, error() {} })).toBe(false);
  });

  it("pino receives our message as msg and our metadata as JSON fields", async () => {
    const { logger, lines } = pinoToMemory();
    const topic = await skipOnce(logger);
    const line = lines().find((l) => String(l["msg"]).startsWith("skipping after the last failed attempt"));
    expect(line, JSON.stringify(lines())).toBeDefined();
    expect(line!["level"]).toBe(40);
    expect(line!["msg"]).toContain("handler failed");
    expect((line!["context"] as Record<string, unknown>)["topic"]).toBe(topic);
  });

  it("a pino child keeps its bindings and our fields", () => {
    const { logger, lines } = pinoToMemory();
    const adapted = safeLogger(adaptLogger(logger.child({ service: "orders" })), []);
    adapted.warn("hello", { partition: 3 });
    adapted.info("no fields");
    expect(lines().map(({ level, msg, service, partition }) => ({ level, msg, service, partition }))).toEqual([
      { level: 40, msg: "hello", service: "orders", partition: 3 },
      { level: 30, msg: "no fields", service: "orders", partition: undefined },
    ]);
  });

  it("a password in a log's message or fields never reaches pino's output", async () => {
    const secret = "pino-s3cr3t-pw";
    const { logger, lines } = pinoToMemory();
    await skipOnce(logger, secret);
    const direct = pinoToMemory();
    safeLogger(adaptLogger(direct.logger), [secret]).error(`failed with ${secret}`, { password: "other", detail: `x ${secret}` });
    const out = JSON.stringify(lines());
    expect(out).toContain("skipping after the last failed attempt");
    expect(out).not.toContain(secret);
    expect(direct.lines()).toEqual([expect.objectContaining({ msg: "failed with [redacted]", password: "[redacted]", detail: "x [redacted]" })]);
  });

  it("winston receives our message and our metadata as info fields", async () => {
    const { logger, infos } = winstonToMemory();
    const topic = await skipOnce(logger);
    const info = infos.find((i) => String(i["message"]).startsWith("skipping after the last failed attempt"));
    expect(info, JSON.stringify(infos)).toBeDefined();
    expect(info!["level"]).toBe("warn");
    expect((info!["context"] as Record<string, unknown>)["topic"]).toBe(topic);
  });

  it("a password never reaches winston", async () => {
    const secret = "winston-s3cr3t-pw";
    const { logger, infos } = winstonToMemory();
    await skipOnce(logger, secret);
    expect(JSON.stringify(infos)).toContain("skipping after the last failed attempt");
    expect(JSON.stringify(infos)).not.toContain(secret);
  });

  it("console receives (message, meta)", () => {
    const calls: unknown[][] = [];
    const fake = { debug: (...a: unknown[]) => calls.push(a), info: (...a: unknown[]) => calls.push(a), warn: (...a: unknown[]) => calls.push(a), error: (...a: unknown[]) => calls.push(a) };
    safeLogger(adaptLogger(fake), []).warn("m", { k: 1 });
    expect(calls).toEqual([["m", { k: 1 }]]);
  });

  it("drops events below the level", () => {
    const { logger, lines } = pinoToMemory();
    const at = (level: "debug" | "warn" | "silent"): void => {
      const l = safeLogger(adaptLogger(logger), [], level);
      l.debug(`${level}:debug`);
      l.info(`${level}:info`);
      l.warn(`${level}:warn`);
      l.error(`${level}:error`);
    };
    at("debug");
    at("warn");
    at("silent");
    expect(lines().map((l) => l["msg"])).toEqual(["debug:debug", "debug:info", "debug:warn", "debug:error", "warn:warn", "warn:error"]);
  });
});

describe("logLevel in the resolved config (the logger connectors are given)", () => {
  it("the default (warn) drops debug, info and stacks; debug passes all, with stacks", () => {
    const run = (logLevel?: "debug"): string[] => {
      const lines: string[] = [];
      const log = (level: string) => (message: string, meta?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
      const resolved = resolveConfig({ logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") }, ...(logLevel ? { logLevel } : {}) }, "memory");
      resolved.logger.debug("d");
      resolved.logger.info("i");
      resolved.logger.warn("w", { stack: "Error: x\n    at y", code: 1 });
      resolved.logger.error("e");
      return lines;
    };
    expect(run()).toEqual(['warn w {"code":1}', "error e {}"]);
    expect(run("debug")).toEqual(["debug d {}", "info i {}", 'warn w {"stack":"Error: x\\n    at y","code":1}', "error e {}"]);
  });
});
