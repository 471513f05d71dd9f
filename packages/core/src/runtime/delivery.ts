/**
 * One `send` or `sendBatch` call on its way to the log, and what became of each of its
 * messages. Core hands the client one request per partition, so every request's outcome is a
 * fact about its own records only: written (with offsets), refused (not written), or no answer
 * (unknown). A call that fails carries those facts in `QiError.outcomes`, in input order, so a
 * caller resends only what needs it (`messagesToResend`).
 */
import { err, ok, type Result } from "neverthrow";
import { toQiError, type ErrorHinter } from "../errors/classify.js";
import type { ErrorCategory, ErrorContext, QiError } from "../errors/qi-error.js";
import type { MessageOutcome, OutgoingRecord, ProduceResult, RoutedRecord } from "../messages/types.js";

/**
 * Errors after which the records cannot be in the log: the broker or the client refused them
 * outright, and no earlier attempt of the client can have written them (these are not retried).
 */
const REFUSED: ReadonlySet<ErrorCategory> = new Set(["VALIDATION", "AUTHENTICATION", "AUTHORIZATION", "NOT_FOUND", "UNSUPPORTED"]);

/** True when a failed request's records are certainly not in the log. */
export function neverWritten(error: QiError): boolean {
  return error.code === "BUFFER_FULL" || (REFUSED.has(error.category) && (!error.retriable || error.category === "NOT_FOUND"));
}

/** A delivery report as the contract says: topic, partition and offset. */
function isReport(r: unknown): r is ProduceResult {
  if (typeof r !== "object" || r === null) return false;
  try {
    const { topic, partition, offset } = r as Record<string, unknown>;
    return typeof topic === "string" && typeof partition === "number" && typeof offset === "string";
  } catch {
    return false;
  }
}

/** The records of one partition, handed to the client as one request. */
export interface DeliveryPart {
  readonly records: RoutedRecord[];
  /** Where their outcomes go in the call's input order. */
  readonly at: number[];
  /** Takes the part back if the client has not got it yet (true), else false. */
  cancel?: () => boolean;
  settled: boolean;
}

/** Groups routed records per partition, keeping input order within each. */
export function partsOf(records: readonly RoutedRecord[]): DeliveryPart[] {
  if (records.length === 1) return [{ records: [records[0]!], at: [0], settled: false }];
  const parts = new Map<string, DeliveryPart>();
  records.forEach((r, i) => {
    const key = `${r.partition}:${r.topic}`;
    let part = parts.get(key);
    if (!part) parts.set(key, (part = { records: [], at: [], settled: false }));
    part.records.push(r);
    part.at.push(i);
  });
  return [...parts.values()];
}

/** Telemetry's end of a send span (see `Telemetry.startSend`). */
export type SendSpanEnd = (outcome: { results?: readonly ProduceResult[]; error?: QiError }) => void;

/** How a call settles: one Result, never a rejection (`single`: the one result of a `send`). */
export type SettleCall = (result: Result<ProduceResult | readonly ProduceResult[], QiError>) => void;

export class Delivery {
  /** Stops the send's time-out, once it runs. */
  stopClock: (() => void) | undefined;
  private readonly outcomes: (MessageOutcome | undefined)[];
  private readonly results: ProduceResult[];
  private parts: DeliveryPart[] = [];
  private open = 0;
  private reason: QiError | undefined;
  private finished = false;
  private released = false;
  private waiters: (() => void)[] | undefined;

  constructor(
    private readonly records: readonly OutgoingRecord[],
    private readonly context: ErrorContext,
    private readonly hinter: ErrorHinter | undefined,
    /** A `send` (one result) rather than a `sendBatch`. */
    private readonly single: boolean,
    private readonly settle: SettleCall,
    /** Runs once nothing of the call is with the client any more (the producer gives its room back). */
    private readonly onReleased: (delivery: Delivery) => void,
    /** The buffer room the call holds. */
    readonly bytes: number,
    private readonly end: SendSpanEnd | undefined,
  ) {
    this.outcomes = new Array<MessageOutcome | undefined>(records.length);
    this.results = new Array<ProduceResult>(records.length);
  }

  /** True once the call has its outcome. */
  get done(): boolean {
    return this.finished;
  }

  /** The parts about to be handed to the client; each then settles through `written` or `failed`. */
  handOver(parts: DeliveryPart[]): void {
    this.parts = parts;
    this.open = parts.length;
  }

  written(part: DeliveryPart, results: readonly ProduceResult[]): void {
    if (part.settled) return;
    // A driver's answer is checked before it is used: a malformed one is a connector bug, reported, never a throw here.
    if (!Array.isArray(results) || results.length !== part.records.length || !results.every(isReport)) {
      const what = Array.isArray(results) ? `${results.length} reports, not all well formed,` : "no list of reports";
      this.failed(part, { code: "NO_DELIVERY_REPORT", category: "INTERNAL", message: `the connector returned ${what} for ${part.records.length} messages`, retriable: false, context: this.context });
      return;
    }
    part.settled = true;
    for (let j = 0; j < part.at.length; j++) {
      const at = part.at[j]!;
      const result = results[j]!;
      this.results[at] = result;
      this.outcomes[at] = { status: "written", topic: result.topic, partition: result.partition, offset: result.offset };
    }
    this.partDone();
  }

  failed(part: DeliveryPart, error: unknown): void {
    if (part.settled) return;
    part.settled = true;
    const qi = toQiError(error, this.context, this.hinter);
    const status = neverWritten(qi) ? "not-written" : "unknown";
    for (let j = 0; j < part.at.length; j++) {
      const r = part.records[j]!;
      this.outcomes[part.at[j]!] = { status, topic: r.topic, partition: r.partition };
    }
    this.reason ??= qi;
    this.partDone();
  }

  /** Nothing of the call reached the client (no route, closed before it went). */
  refuse(error: unknown): void {
    if (!this.finished) {
      for (let i = 0; i < this.records.length; i++) this.outcomes[i] ??= notWritten(this.records[i]!);
      this.finish(toQiError(error, this.context, this.hinter));
    }
    this.release();
  }

  /**
   * Ends the call now (its time-out, the producer closing): parts the client has not got are
   * taken back (not written); the rest, handed over with no answer yet, are unknown.
   */
  abandon(error: QiError): void {
    if (this.finished) return;
    for (const part of this.parts) {
      if (part.settled) continue;
      const takenBack = part.cancel?.() === true;
      for (let j = 0; j < part.at.length; j++) {
        const r = part.records[j]!;
        this.outcomes[part.at[j]!] = takenBack ? { status: "not-written", topic: r.topic, partition: r.partition } : { status: "unknown", topic: r.topic, partition: r.partition };
      }
      if (takenBack) {
        part.settled = true;
        this.open--;
      }
    }
    for (let i = 0; i < this.records.length; i++) this.outcomes[i] ??= notWritten(this.records[i]!);
    this.finish(error);
    if (this.open === 0) this.release();
  }

  /** Resolves once nothing of the call is with the client (for `flush`). */
  whenReleased(): Promise<void> {
    if (this.released) return Promise.resolve();
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  private partDone(): void {
    if (--this.open > 0) return;
    this.finish(this.reason);
    this.release();
  }

  private finish(reason: QiError | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.stopClock?.();
    if (reason === undefined) {
      this.end?.({ results: this.results });
      this.settle(ok(this.single ? this.results[0]! : this.results));
      return;
    }
    // A copy: parts still with the client settle later and must not change a returned error.
    const outcomes = [...this.outcomes] as MessageOutcome[];
    const error: QiError = { ...reason, message: `${reason.message}${summary(outcomes)}`, outcomes };
    this.end?.({ error });
    this.settle(err(error));
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.onReleased(this);
    if (this.waiters) for (const w of this.waiters) w();
  }
}

/** The error of a call that never reached the client (no room in time, the producer closing while it waited). */
export function notWrittenCall(error: QiError, records: readonly OutgoingRecord[]): QiError {
  const outcomes = records.map(notWritten);
  return { ...error, message: `${error.message}${summary(outcomes)}`, outcomes };
}

/**
 * The error of a call refused before anything was sent (not connected, invalid input), with
 * every message of it "not written". Reads the caller's input defensively: it may be anything.
 */
export function refusedCall(error: QiError, input: unknown): QiError {
  const outcomes: MessageOutcome[] = [];
  try {
    const entries: unknown[] = Array.isArray(input) ? input : [input];
    for (const e of entries) {
      const topic: unknown = typeof e === "object" && e !== null ? (e as { topic?: unknown }).topic : undefined;
      outcomes.push({ status: "not-written", topic: typeof topic === "string" ? topic : "" });
    }
  } catch {
    // An input whose reads throw: no message of it was written, however many it held.
  }
  return { ...error, outcomes };
}

function notWritten(r: OutgoingRecord): MessageOutcome {
  return r.partition === undefined ? { status: "not-written", topic: r.topic } : { status: "not-written", topic: r.topic, partition: r.partition };
}

/** " (2 of 31 messages written, 1 not written)": appended to a failed batch's message. */
function summary(outcomes: readonly MessageOutcome[]): string {
  if (outcomes.length < 2) {
    const status = outcomes[0]?.status;
    return status === "unknown" ? " (the message may have been written)" : status === "not-written" ? " (the message was not written)" : "";
  }
  let written = 0;
  let unknown = 0;
  for (const o of outcomes) {
    if (o.status === "written") written++;
    else if (o.status === "unknown") unknown++;
  }
  const parts = [`${written} of ${outcomes.length} messages written`];
  const notWrittenCount = outcomes.length - written - unknown;
  if (notWrittenCount > 0) parts.push(`${notWrittenCount} not written`);
  if (unknown > 0) parts.push(`${unknown} unknown (may have been written)`);
  return ` (${parts.join(", ")})`;
}
