/** Message shapes, on the way in and on the way out. Transport only: bytes in, bytes out. */

/** A message to produce. Inputs are never mutated. */
export interface StreamingMessage {
  /** Routes the message: keyed messages go to the Java murmur2 partition. Absent or null: spread. */
  readonly key?: string | Buffer | null;
  /** The payload; `null` is a tombstone. */
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  /** Create time; defaults to the time of the send. */
  readonly timestamp?: Date;
  /** An explicit partition; it must exist (else `VALIDATION`). */
  readonly partition?: number;
}

/** Several messages, possibly for several topics, sent in one call. */
export type MessageBatch = ReadonlyArray<{ readonly topic: string; readonly message: StreamingMessage }>;

/** Where the broker stored a message. */
export interface ProduceResult {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string. */
  readonly offset: string;
}

/** A consumed message, the same shape on every connector. */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string. */
  readonly offset: string;
  /** `null` when the message had no key; never undefined. */
  readonly key: Buffer | null;
  /** `null` for a tombstone. */
  readonly value: Buffer | null;
  /** `{}` when there are none; never undefined. */
  readonly headers: Readonly<Record<string, Buffer>>;
  readonly timestamp: Date;
}

/** Messages of one partition, in offset order. */
export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
  /** The partition's end offset when fetched, if the client reports it (for the lag metric). */
  readonly highWatermark?: string;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** Decimal string; for commits, the *next* offset to read. */
  readonly offset: string;
}

/** A message after validation and normalisation: what connectors hand to their client. */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer>;
  /** Milliseconds since the epoch, or undefined to let the client stamp it. */
  readonly timestamp: number | undefined;
  readonly partition: number | undefined;
}
