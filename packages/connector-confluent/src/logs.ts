/**
 * Routing the client's log lines to our logger. Every line is seen first by a watcher (the
 * session, which turns some of them into errors: see errors.ts); lines it reported some other
 * way are not logged again. Secrets never reach a log line: the logger core gives is scrubbed.
 */
import type { Logger } from "@qi/streaming";
import type { ResolvedConfig } from "@qi/streaming/connector";
import type { BatchSink } from "@qi/streaming/connector";
import { isFatal, loopError } from "./errors.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Sees every log line of a client before it is logged; returning `true` means it was reported
 * some other way (to a consumer's `onError`), so it is not logged a second time.
 */
export type LogWatcher = (level: LogLevel, message: string) => boolean | void;

/** Warnings that are expected by design: one `options` object is given to every client. */
const EXPECTED = /Configuration property \S+ is a (consumer|producer) property and will be ignored/;

/**
 * The client's `kafkaJS.logLevel` for our `logLevel` (0 nothing, 1 error, 2 warn, 3 info, 4
 * debug): the client sets librdkafka's `log_level` from it, so librdkafka does not produce the
 * lines that would be dropped.
 */
export function confluentLogLevel(level: ResolvedConfig["logLevel"] | undefined): number {
  return { silent: 0, error: 1, warn: 2, info: 3, debug: 4 }[level ?? "warn"] ?? 2;
}

/** The logger shape the client calls (KafkaJS-style), routed to ours; `watch` sees every line. */
export function routeLogs(logger: Logger, watch?: LogWatcher): object {
  const log = (level: LogLevel) => (message: string, extra?: Record<string, unknown>) => {
    if (watch?.(level, String(message)) === true) return;
    logger[EXPECTED.test(message) ? "debug" : level](`librdkafka: ${message}`, extra);
  };
  const routed = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), setLogLevel: () => {}, namespace: () => routed };
  return routed;
}

/** How long the same fetch-loop error is not reported again (unless a batch came through). */
const REPEAT_MS = 30_000;

/**
 * A joined consumer's fetch-loop errors, which the client only logs, go to the sink's `error`;
 * a fatal one (the client will not recover) goes to `fatal` instead. librdkafka repeats an
 * error while it lasts: the same one is reported again only after a batch came through
 * (`fetched`) or 30 s went by (the repeats are still logged).
 */
export class LoopReporter {
  private last: { message: string; at: number } | undefined;

  constructor(
    private readonly sink: BatchSink,
    private readonly fatal: (error: Error) => void,
  ) {}

  /** A session's `report`: true when the line was reported (then it is not logged). */
  readonly report = (level: LogLevel, line: string): boolean => {
    const error = loopError(level, line);
    if (!error) return false;
    if (isFatal(error)) {
      this.fatal(error);
      return true;
    }
    const now = Date.now();
    if (this.last?.message === error.message && now - this.last.at < REPEAT_MS) return false;
    this.last = { message: error.message, at: now };
    this.sink.error(error);
    return true;
  };

  /** A batch came through: the next error is reported even if it is the same. */
  fetched(): void {
    this.last = undefined;
  }
}
