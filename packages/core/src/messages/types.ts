/** Message shapes, on the way in and on the way out. Transport only: bytes in, bytes out. */

/** A message to produce. Inputs are never mutated. */
export interface StreamingMessage {
  /** Routes the message: keyed messages go to the Java murmur2 partition. Absent or null: spread. */
  readonly key?: string | Buffer | null;
  /** The payload; `null` is a tombstone. */
  readonly value: Buffer | string | null;
  /**
   * Header values; strings are sent as UTF-8. A key may repeat (legal in Kafka): give an array,
   * its values are sent as that many headers of that name, in array order (kafkajs's shape). @default {}
   */
  readonly headers?: Readonly<Record<string, string | Buffer | ReadonlyArray<string | Buffer>>>;
  /** Create time; defaults to the time of the send. */
  readonly timestamp?: Date;
  /** An explicit partition; it must exist (else `VALIDATION`). */
  readonly partition?: number;
}

/** Several messages, possibly for several topics, sent in one call. */
export type MessageBatch = ReadonlyArray<{
  /** The topic this message goes to. */
  readonly topic: string;
  /** The message. */
  readonly message: StreamingMessage;
}>;

/** Where the broker stored a message. */
export interface ProduceResult {
  /** The topic written to. */
  readonly topic: string;
  /** The partition the message landed in. */
  readonly partition: number;
  /** Decimal string. */
  readonly offset: string;
}

/**
 * What became of one message of a failed `send` or `sendBatch` (`QiError.outcomes`, in input
 * order). Kafka writes partitions independently, so one failed call can have written some of
 * its messages: resend the `not-written`, and the `unknown` only when the producer is
 * idempotent or duplicates are acceptable (`messagesToResend` does that).
 */
export type MessageOutcome = WrittenOutcome | NotWrittenOutcome | UnknownOutcome;

/** A message in the log at this partition and offset. */
export interface WrittenOutcome {
  /** `written`. */
  readonly status: "written";
  /** The message's topic. */
  readonly topic: string;
  /** The partition it was written to. */
  readonly partition: number;
  /** Its offset there (`"-1"` with acks 0). */
  readonly offset: string;
}

/** A message certainly not in the log: refused, or never handed to the client. Send it again once the cause is fixed. */
export interface NotWrittenOutcome {
  /** `not-written`. */
  readonly status: "not-written";
  /** The message's topic. */
  readonly topic: string;
  /** The partition core had chosen, when it got that far. */
  readonly partition?: number;
}

/** A message handed to the client with no answer (a time-out, a lost connection, a close): it may be in the log. */
export interface UnknownOutcome {
  /** `unknown`. */
  readonly status: "unknown";
  /** The message's topic. */
  readonly topic: string;
  /** The partition core had chosen. */
  readonly partition?: number;
}

/** A consumed message, the same shape on every connector. */
export interface ConsumedMessage {
  /** The topic it was read from. */
  readonly topic: string;
  /** The partition it was read from. */
  readonly partition: number;
  /** Decimal string. */
  readonly offset: string;
  /** `null` when the message had no key; never undefined. */
  readonly key: Buffer | null;
  /** `null` for a tombstone. */
  readonly value: Buffer | null;
  /**
   * `{}` when there are none; never undefined. A name that occurs once is a `Buffer`; a name that
   * occurs more than once is a `Buffer[]` of every value in wire order (kafkajs's shape), the same
   * on every connector.
   */
  readonly headers: Readonly<Record<string, Buffer | Buffer[]>>;
  /** The message's timestamp (create time, or log-append time if the topic says so). */
  readonly timestamp: Date;
}

/** Messages of one partition, in offset order. */
export interface ConsumedBatch {
  /** The topic of every message in the batch. */
  readonly topic: string;
  /** The partition of every message in the batch. */
  readonly partition: number;
  /** The messages, in offset order; never empty. */
  readonly messages: readonly ConsumedMessage[];
  /** The partition's end offset when fetched, if the client reports it (for the lag metric). */
  readonly highWatermark?: string;
}

/** A partition of a topic (for `pause`, `resume`, `assignment`). */
export interface TopicPartition {
  /** The topic name. */
  readonly topic: string;
  /** The partition number, from 0. */
  readonly partition: number;
}

/** A position in a partition (commits, committed offsets). */
export interface TopicPartitionOffset extends TopicPartition {
  /** Decimal string; for commits, the *next* offset to read. */
  readonly offset: string;
}

/** A message after validation and normalisation: what connectors hand to their client. */
export interface OutgoingRecord {
  /** The topic, checked. */
  readonly topic: string;
  /** The key as bytes (strings UTF-8 encoded), or `null`. */
  readonly key: Buffer | null;
  /** The value as bytes, or `null` for a tombstone. */
  readonly value: Buffer | null;
  /**
   * Headers as bytes; `{}` when none. A fresh object the connector may hand to its client. An array
   * (never empty) is a repeated name: one header per element, in order.
   */
  readonly headers: Record<string, Buffer | Buffer[]>;
  /** Milliseconds since the epoch, or undefined to let the client stamp it. */
  readonly timestamp: number | undefined;
  /** The explicit partition, or undefined to let the connector route (murmur2 for keys). */
  readonly partition: number | undefined;
}

/** An outgoing record whose partition core has chosen: what a producer driver writes. */
export interface RoutedRecord extends OutgoingRecord {
  /** The partition to write to; it exists (core checked it against the partition count). */
  readonly partition: number;
}
