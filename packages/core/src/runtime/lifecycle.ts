/**
 * One lifecycle for every role object (producer, consumer, admin), kept in core so no connector
 * re-implements it: `connect` and `disconnect` are idempotent and safe to call concurrently,
 * a call on an object that is not connected is a `STATE` error, and reconnecting works.
 */
import { err, ok, type Result } from "neverthrow";
import { stateError, type ErrorContext, type QiError } from "../errors/qi-error.js";

/** Calls `fn`; a synchronous throw (a driver's `connect()` that throws before returning a promise) becomes a rejection. */
function started(fn: () => Promise<void>): Promise<void> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

export type LifecycleState = "idle" | "connecting" | "connected" | "disconnecting" | "disconnected";

export class Lifecycle {
  private state: LifecycleState = "idle";
  private pending: Promise<void> | undefined;

  constructor(private readonly role: string) {}

  isConnected(): boolean {
    return this.state === "connected";
  }

  /** `ok` when connected; else a `STATE` error naming the operation. */
  require(operation: string, context: ErrorContext): Result<void, QiError> {
    if (this.state === "connected") return ok(undefined);
    const why = this.state === "idle" ? "call connect() first" : `it is ${this.state}`;
    return err(stateError("NOT_CONNECTED", `${operation}: the ${this.role} is not connected (${why})`, { ...context, operation }));
  }

  /** Runs `open` once for any number of concurrent or repeated `connect` calls. */
  async connect(open: () => Promise<void>): Promise<void> {
    if (this.state === "connected") return;
    if (this.state === "connecting" && this.pending) return this.pending;
    if (this.state === "disconnecting" && this.pending) await this.pending.catch(() => {});
    this.state = "connecting";
    this.pending = started(open).then(
      () => {
        this.state = "connected";
      },
      (error: unknown) => {
        this.state = "disconnected";
        throw error;
      },
    );
    try {
      await this.pending;
    } finally {
      this.pending = undefined;
    }
  }

  /** Runs `close` once; a no-op when never connected or already closed. */
  async disconnect(close: () => Promise<void>): Promise<void> {
    if (this.state === "connecting" && this.pending) await this.pending.catch(() => {});
    if (this.state === "disconnecting" && this.pending) return this.pending;
    if (this.state !== "connected") {
      if (this.state === "idle") this.state = "disconnected";
      return;
    }
    this.state = "disconnecting";
    this.pending = started(close).finally(() => {
      this.state = "disconnected";
    });
    try {
      await this.pending;
    } finally {
      this.pending = undefined;
    }
  }
}
