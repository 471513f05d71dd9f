/**
 * The failure policy, applied once a handler has failed its last attempt: stop (report, do not
 * commit), skip (report, commit), or publish to a dead-letter topic with the origin and the
 * error in headers, then go on. Kept out of the consumer so the policy reads in one place.
 */
import type { ConnectorContext, IStreamingConnector, ProducerDriver } from "../connector.js";
import type { ConsumerConfig } from "../config/types.js";
import { toQiError } from "../errors/classify.js";
import type { QiError } from "../errors/qi-error.js";
import type { ConsumedMessage, OutgoingRecord } from "../messages/types.js";

/** Header names a dead-lettered message carries, besides its own headers. */
export const DEAD_LETTER_HEADERS = {
  /** The topic the message came from. */
  topic: "qi.dlq.topic",
  /** Its partition, decimal. */
  partition: "qi.dlq.partition",
  /** Its offset, decimal. */
  offset: "qi.dlq.offset",
  /** The last attempt's `QiError.code`. */
  errorCode: "qi.dlq.error.code",
  /** The last attempt's `QiError.category`. */
  errorCategory: "qi.dlq.error.category",
  /** The last attempt's `QiError.message`. */
  errorMessage: "qi.dlq.error.message",
} as const;

export type PolicyDecision = "continue" | "stop";

export class FailurePolicyRunner {
  private deadLetter: { driver: ProducerDriver; connected: Promise<void> } | undefined;

  constructor(
    private readonly connector: IStreamingConnector,
    private readonly context: ConnectorContext,
    private readonly config: ConsumerConfig,
    private readonly report: (error: QiError) => void,
  ) {}

  /** Applies the policy to the failed messages (one, or a whole batch for `eachBatch`). */
  async apply(error: QiError, messages: readonly ConsumedMessage[]): Promise<PolicyDecision> {
    const policy = this.config.onFailure ?? "stop";
    if (policy === "stop") {
      this.report(error);
      return "stop";
    }
    if (policy === "skip") {
      this.context.logger.warn(`skipping after the last failed attempt: ${error.message}`, { context: error.context });
      this.notify(error);
      return "continue";
    }
    try {
      await this.publish(policy.deadLetterTopic, error, messages);
      this.context.logger.warn(`sent to dead-letter topic "${policy.deadLetterTopic}": ${error.message}`, { context: error.context });
      this.notify(error);
      return "continue";
    } catch (cause) {
      // Never lose the message: if it cannot be dead-lettered, stop without committing it.
      this.report(toQiError(cause, { connector: this.connector.name, operation: "consumer.deadLetter", topic: policy.deadLetterTopic }, this.connector.classifyError));
      this.report(error);
      return "stop";
    }
  }

  /** Closes the dead-letter producer, if one was opened. */
  async close(): Promise<void> {
    const dl = this.deadLetter;
    this.deadLetter = undefined;
    if (dl) await dl.connected.then(() => dl.driver.disconnect(), () => undefined);
  }

  private notify(error: QiError): void {
    try {
      this.config.onError?.(error);
    } catch {
      // A throwing onError must not break the consume loop.
    }
  }

  private async publish(topic: string, error: QiError, messages: readonly ConsumedMessage[]): Promise<void> {
    if (!this.deadLetter) {
      const driver = this.connector.createProducer(this.context, { acks: "all" });
      this.deadLetter = { driver, connected: driver.connect() };
    }
    await this.deadLetter.connected;
    const h = DEAD_LETTER_HEADERS;
    const records: OutgoingRecord[] = messages.map((m) => ({
      topic,
      key: m.key,
      value: m.value,
      headers: {
        ...m.headers,
        [h.topic]: Buffer.from(m.topic),
        [h.partition]: Buffer.from(String(m.partition)),
        [h.offset]: Buffer.from(m.offset),
        [h.errorCode]: Buffer.from(error.code),
        [h.errorCategory]: Buffer.from(error.category),
        [h.errorMessage]: Buffer.from(error.message.slice(0, 1000)),
      },
      timestamp: m.timestamp.getTime(),
      partition: undefined,
    }));
    await this.deadLetter.driver.send(records);
  }
}
