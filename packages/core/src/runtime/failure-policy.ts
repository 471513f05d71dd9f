/**
 * The failure policy, applied once a handler has failed its last attempt: stop (report, do not
 * commit), skip (report, commit), or publish to a dead-letter topic with the origin and the
 * error in headers, then go on. Kept out of the consumer so the policy reads in one place.
 */
import { capabilitiesOf, type ConnectorContext, type IStreamingConnector } from "../connector.js";
import { resolveProducerConfig, type ResolvedConsumerConfig } from "../config/roles.js";
import { toQiError } from "../errors/classify.js";
import type { QiError } from "../errors/qi-error.js";
import type { ConsumedMessage, StreamingMessage } from "../messages/types.js";
import { GuardedProducer } from "./producer.js";

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
  /** The dead-letter producer: a guarded one, so dead letters are routed and bounded like any send. */
  private deadLetter: { producer: GuardedProducer; connected: Promise<void> } | undefined;

  constructor(
    private readonly connector: IStreamingConnector,
    private readonly context: ConnectorContext,
    private readonly config: ResolvedConsumerConfig,
    private readonly report: (error: QiError) => void,
  ) {}

  /** Applies the policy to the failed messages (one, or a whole batch for `eachBatch`). */
  async apply(error: QiError, messages: readonly ConsumedMessage[]): Promise<PolicyDecision> {
    const policy = this.config.onFailure;
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
    if (dl) await dl.connected.then(async () => void (await dl.producer.disconnect()), () => undefined);
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
      const c = this.context.config;
      const config = resolveProducerConfig({ acks: "all" }, { requestTimeout: c.requestTimeout, retries: c.retry.retries, idempotentCapable: capabilitiesOf(this.connector).idempotentProducer });
      const producer = new GuardedProducer(this.connector, this.connector.createProducer(this.context, config), this.context, config);
      const connected = (async (): Promise<void> => {
        const r = await producer.connect();
        if (r.isErr()) throw r.error;
      })();
      connected.catch(() => undefined); // awaited below; the failure is reported there
      this.deadLetter = { producer, connected };
    }
    await this.deadLetter.connected;
    const h = DEAD_LETTER_HEADERS;
    const batch = messages.map((m): { topic: string; message: StreamingMessage } => ({
      topic,
      message: {
        key: m.key,
        value: m.value,
        headers: {
          ...m.headers,
          [h.topic]: m.topic,
          [h.partition]: String(m.partition),
          [h.offset]: m.offset,
          [h.errorCode]: error.code,
          [h.errorCategory]: error.category,
          [h.errorMessage]: error.message.slice(0, 1000),
        },
        timestamp: m.timestamp,
      },
    }));
    const sent = await this.deadLetter.producer.sendBatch(batch);
    if (sent.isErr()) throw sent.error;
  }
}
