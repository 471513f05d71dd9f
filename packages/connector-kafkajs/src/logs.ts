/**
 * kafkajs's logs through our logger (which scrubs secrets). kafkajs is told to log WARN and
 * above; its protocol-error lines for what it retries by itself go to debug.
 */
import type { Logger } from "@qi/streaming";
import { logLevel, type logCreator } from "kafkajs";

/** The level kafkajs logs at: warnings and errors (the default logger shows no more). */
export const KAFKAJS_LOG_LEVEL = logLevel.WARN;

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
      else if (level === logLevel.ERROR) logger.error(text, meta);
      else if (level === logLevel.WARN) logger.warn(text, meta);
      else if (level === logLevel.INFO) logger.info(text, meta);
      else logger.debug(text, meta);
    };
}
