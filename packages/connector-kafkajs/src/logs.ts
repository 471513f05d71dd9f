/**
 * kafkajs's logs through our logger (which scrubs secrets). kafkajs is told to log WARN and
 * above; its protocol-error lines for what it retries by itself go to debug.
 */
import type { Logger } from "@qi/streaming";
import type { ResolvedConfig } from "@qi/streaming/connector";
import { logLevel, type logCreator } from "kafkajs";

/** The level kafkajs logs at by default: warnings and errors (`logLevel: "warn"`). */
export const KAFKAJS_LOG_LEVEL = logLevel.WARN;

/** kafkajs's own level for our `logLevel` (kafkajs then builds no entry that would be dropped). */
export function kafkajsLogLevel(level: ResolvedConfig["logLevel"] | undefined): logLevel {
  switch (level) {
    case "debug":
      return logLevel.DEBUG;
    case "info":
      return logLevel.INFO;
    case "error":
      return logLevel.ERROR;
    case "silent":
      return logLevel.NOTHING;
    default:
      return KAFKAJS_LOG_LEVEL;
  }
}

/** kafkajs's line before it retries a send refused with CONCURRENT_TRANSACTIONS (its protocol table's message). */
const CONCURRENT_TRANSACTIONS_RETRY = "kafkajs: Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing";

/** A kafkajs `logCreator` that writes to `logger`. */
export function routeLogs(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...meta } = log;
      const text = `kafkajs: ${String(message)}`;
      // "Response <Api> ..." lines are protocol errors kafkajs retries itself (coordinator
      // loading, rebalancing): debug chatter, not failures. Real failures reach the caller.
      if (text.startsWith("kafkajs: Response ")) logger.debug(text, meta);
      // Idempotence is our default. The broker's sequence check makes a retried write harmless;
      // a send that runs out of retries is reported to the caller, within core's send timeout.
      else if (text.startsWith("kafkajs: Limiting retries for the idempotent producer")) logger.debug(text, meta);
      // A socket's error: kafkajs logs it again in the line of what failed ("Failed to connect to
      // seed broker ...: Connection error: ..."), so one event is one line at the default level.
      else if (text.startsWith("kafkajs: Connection error: ")) logger.debug(text, meta);
      // CONCURRENT_TRANSACTIONS on a transaction's first write: the coordinator is still writing
      // the previous transaction's markers, which happens after nearly every commit or abort;
      // kafkajs retries it. Should the retries run out, the send fails to its caller.
      else if (text.startsWith(CONCURRENT_TRANSACTIONS_RETRY)) logger.debug(text, meta);
      else if (level === logLevel.ERROR) logger.error(text, meta);
      else if (level === logLevel.WARN) logger.warn(text, meta);
      else if (level === logLevel.INFO) logger.info(text, meta);
      else logger.debug(text, meta);
    };
}
