/**
 * How a command stops early: it throws a `Failure`, which `runCli` (and nothing else) catches,
 * prints as one `error:` line and turns into the exit code. Every API call returns a Result;
 * `must` is the one place a failed Result becomes a `Failure`.
 */
import type { QiError, Result } from "@qi/streaming";
import type { ErrorLike } from "./output.js";

/** Exit codes (docs/cli.md). */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** An operation failed (the broker or the library said no), or `health` found the cluster unhealthy. */
  failed: 1,
  /** The command line or the configuration is wrong: nothing was attempted. */
  usage: 2,
  /** Interrupted by SIGINT (128 + 2); `consume` exits 0 instead, being stopped is its normal end. */
  interrupted: 130,
} as const;

/** A command's early end: what to print, and the exit code. */
export class Failure extends Error {
  constructor(
    readonly error: ErrorLike,
    readonly exitCode: number,
    /** Printed after the error line (the usage of the command). */
    readonly hint?: string,
  ) {
    super(error.message);
  }
}

/** A usage error: exit 2, with the command's usage line as the hint. */
export function usageError(message: string, hint?: string): Failure {
  return new Failure({ category: "VALIDATION", code: "USAGE", message }, EXIT.usage, hint);
}

/** Only the printable fields: a QiError's context and cause stay out of the output. */
export function printable(error: QiError): ErrorLike {
  return { category: error.category, code: error.code, message: error.message };
}

/** The value of an ok Result; a `Failure` (exit `exitCode`, 1 by default) for an err. */
export function must<T>(result: Result<T, QiError>, exitCode: number = EXIT.failed): T {
  if (result.isOk()) return result.value;
  throw new Failure(printable(result.error), exitCode);
}
