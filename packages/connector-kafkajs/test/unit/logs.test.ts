// kafkajs's log lines through our logger. No broker needed.
import type { Logger } from "@qi/streaming";
import { logLevel } from "kafkajs";
import { expect, test, vi } from "vitest";
import { routeLogs } from "../../src/logs.js";

function recorder(): Logger & Record<"debug" | "info" | "warn" | "error", ReturnType<typeof vi.fn>> {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

const entry = (message: string, extra: object = {}) => ({ namespace: "n", label: "l", log: { timestamp: "t", logger: "kafkajs", message, ...extra } });

test("each kafkajs level goes to ours, tagged, with the fields as meta", () => {
  const logger = recorder();
  const log = routeLogs(logger)(logLevel.WARN);
  log({ level: logLevel.ERROR, ...entry("broken", { broker: "b:1" }) });
  log({ level: logLevel.WARN, ...entry("careful") });
  log({ level: logLevel.INFO, ...entry("joined") });
  log({ level: logLevel.DEBUG, ...entry("detail") });
  expect(logger.error).toHaveBeenCalledWith("kafkajs: broken", { timestamp: "t", logger: "kafkajs", broker: "b:1" });
  expect(logger.warn).toHaveBeenCalledWith("kafkajs: careful", expect.any(Object));
  expect(logger.info).toHaveBeenCalledWith("kafkajs: joined", expect.any(Object));
  expect(logger.debug).toHaveBeenCalledWith("kafkajs: detail", expect.any(Object));
});

test("protocol errors kafkajs retries by itself are debug, not errors", () => {
  const logger = recorder();
  routeLogs(logger)(logLevel.WARN)({ level: logLevel.ERROR, ...entry("Response GroupCoordinator(key: 10, version: 2)", { error: "The coordinator is loading" }) });
  expect(logger.error).not.toHaveBeenCalled();
  expect(logger.debug).toHaveBeenCalledOnce();
});

test("our logLevel sets kafkajs's own level", async () => {
  const { kafkajsLogLevel } = await import("../../src/logs.js");
  expect([kafkajsLogLevel("debug"), kafkajsLogLevel("info"), kafkajsLogLevel("warn"), kafkajsLogLevel("error"), kafkajsLogLevel("silent"), kafkajsLogLevel(undefined)]).toEqual([
    logLevel.DEBUG,
    logLevel.INFO,
    logLevel.WARN,
    logLevel.ERROR,
    logLevel.NOTHING,
    logLevel.WARN,
  ]);
});

test("a socket's connection error is debug: the line of what failed carries it", () => {
  const logger = recorder();
  routeLogs(logger)(logLevel.WARN)({ level: logLevel.ERROR, ...entry("Connection error: connect ECONNREFUSED 127.0.0.1:1") });
  expect(logger.error).not.toHaveBeenCalled();
  expect(logger.debug).toHaveBeenCalledOnce();
});

test("a transactional send retried for CONCURRENT_TRANSACTIONS (after nearly every commit) is debug; another failed send stays an error", () => {
  const logger = recorder();
  const log = routeLogs(logger)(logLevel.WARN);
  log({ level: logLevel.ERROR, ...entry("Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing", { retryCount: 0 }) });
  expect(logger.error).not.toHaveBeenCalled();
  expect(logger.debug).toHaveBeenCalledOnce();
  log({ level: logLevel.ERROR, ...entry("Failed to send messages: This server is not the leader for that topic-partition", { retryCount: 0 }) });
  expect(logger.error).toHaveBeenCalledOnce();
});
