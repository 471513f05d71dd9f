/**
 * The kafkajs producer driver. Core routes every record; kafkajs writes each to the partition
 * core chose (it would silently drop a record for a partition that does not exist, so the
 * partition count comes from a metadata client first).
 *
 * An idempotent kafkajs producer never takes a new producer id: once the broker refuses its
 * sequence numbers (after a broker restart, kafkajs issue #598) every later send fails the same
 * way. The driver then replaces it with a fresh one, as Java's producer bumps its id or epoch.
 *
 * With a `transactionalId` the kafkajs producer is transactional (`transactions.ts`): every send
 * goes through the open kafkajs transaction (never `producer.sendBatch`, which would write
 * outside it), and no send failure replaces the producer (a fresh one would take the id over
 * and fence whoever holds it now); connect registers the id with the broker.
 */
import type { Logger, ProduceResult } from "@qi/streaming";
import { offsetsFromBase, type ProducerDriver, type ResolvedConfig, type ResolvedProducerConfig, type RoutedRecord } from "@qi/streaming/connector";
import { Kafka, type Admin, type Message, type Producer, type TopicMessages } from "kafkajs";
import { isUnknownTopic, needsNewProducerId } from "./errors.js";
import { kafkaConfig, producerOptions, sendOptions, type SendOptions } from "./options.js";
import { KafkajsTransactions, registerTransactionalId } from "./transactions.js";

export class KafkajsProducerDriver implements ProducerDriver {
  /** The current kafkajs producer; a replacement swaps it (see `replace`). */
  private producer: Producer;
  /** The sends handed to `producer`, not yet settled. */
  private readonly sending = new Set<Promise<unknown>>();
  /** Set while a fresh producer replaces the current one: sends wait for it. Never rejects. */
  private replacing: Promise<void> | undefined;
  /** Metadata only, with one retry: a missing topic is reported at once. */
  private readonly metadata: Admin;
  private readonly options: SendOptions;
  private readonly logger: Logger;
  /** Present for a producer with a `transactionalId`. */
  readonly transactions?: KafkajsTransactions;
  /** Set at the first connect: a transactional producer connecting again takes a fresh kafkajs producer. */
  private connectedBefore = false;

  /** @param newProducer makes each kafkajs producer, the first and every replacement (tests pass fakes) */
  constructor(
    config: ResolvedConfig,
    producerConfig: ResolvedProducerConfig,
    private readonly newProducer: () => Producer = () => new Kafka(kafkaConfig(config)).producer(producerOptions(config, producerConfig)),
  ) {
    this.producer = newProducer();
    this.metadata = new Kafka(kafkaConfig(config, { retries: 1 })).admin();
    this.options = sendOptions(producerConfig);
    this.logger = config.logger;
    if (producerConfig.transactionalId !== undefined) {
      this.transactions = new KafkajsTransactions(
        { current: () => this.producer, renew: () => this.renew(), settled: () => Promise.allSettled([...this.sending]).then(() => undefined) },
        config.retry,
      );
    }
  }

  async connect(): Promise<void> {
    const transactions = this.transactions;
    // kafkajs registers a transactional id once per producer object: connecting again (after a
    // disconnect, maybe after this one was fenced or left unusable) takes a fresh one, which
    // registers the id anew and so takes it over, as Java's initTransactions() does.
    if (transactions && this.connectedBefore) this.producer = this.newProducer();
    this.connectedBefore = true;
    await Promise.all([this.producer.connect(), this.metadata.connect()]);
    if (!transactions) return;
    try {
      await registerTransactionalId(this.producer);
    } catch (error) {
      // Core does not disconnect after a failed connect: leave no socket open.
      await Promise.all([this.producer.disconnect(), this.metadata.disconnect()]).catch(() => {});
      throw error;
    }
    transactions.reset();
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    try {
      const meta = await this.metadata.fetchTopicMetadata({ topics: [topic] });
      return meta.topics[0]?.partitions.length;
    } catch (error) {
      if (isUnknownTopic(error)) return undefined;
      throw error;
    }
  }

  async send(records: readonly RoutedRecord[]): Promise<readonly ProduceResult[]> {
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      let messages = byTopic.get(r.topic);
      if (!messages) byTopic.set(r.topic, (messages = []));
      messages.push({
        key: r.key,
        value: r.value,
        headers: r.headers,
        partition: r.partition,
        ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
      });
    }
    const topicMessages: TopicMessages[] = [];
    for (const [topic, messages] of byTopic) topicMessages.push({ topic, messages });
    while (this.replacing) await this.replacing;
    // No await from the check above to here: every send in `sending` is one of `this.producer`'s.
    // A transactional producer writes through its open transaction only (`active` throws without one).
    const sent = this.transactions ? this.transactions.active().sendBatch({ topicMessages, ...this.options }) : this.producer.sendBatch({ topicMessages, ...this.options });
    this.sending.add(sent);
    try {
      const written = await sent;
      return offsetsFromBase(records, written.map((m) => ({ topic: m.topicName, partition: m.partition, baseOffset: m.baseOffset })));
    } catch (error) {
      // This send's records may or may not be in the log: core reports them "unknown".
      if (this.transactions) throw this.transactions.sendFailed(error);
      if (needsNewProducerId(error)) this.replace();
      throw error;
    } finally {
      this.sending.delete(sent);
    }
  }

  /**
   * Replaces the producer with a fresh one, which takes a new producer id at connect. One
   * replacement at a time: the other sends failing alongside find it under way. It first waits
   * for the old producer's sends in flight (kafkajs's retries would reconnect a producer
   * disconnected under them), and new sends wait for it, so no send ever meets a closed producer.
   * A fresh producer that cannot connect is dropped and the old one kept: its next such failure
   * tries again.
   */
  private replace(): void {
    if (this.replacing) return;
    const old = this.producer;
    this.logger.warn("kafkajs: the broker refused the producer id's sequence numbers; replacing the producer to get a new producer id");
    this.replacing = (async () => {
      await Promise.allSettled([...this.sending]);
      let fresh: Producer | undefined;
      try {
        fresh = this.newProducer();
        await fresh.connect();
      } catch (error) {
        this.logger.warn("kafkajs: the replacement producer did not connect; the old one is kept", { error: String(error) });
        await fresh?.disconnect().catch(() => {});
        return;
      }
      this.producer = fresh;
      await old.disconnect().catch(() => {});
    })().finally(() => (this.replacing = undefined));
  }

  /**
   * A transactional producer whose kafkajs state machine is stuck (see `transactions.ts`): a fresh
   * kafkajs producer, connected and registered (which aborts the open transaction at the
   * coordinator), replaces it. Transactions call it between sends only. A fresh producer that
   * fails is closed, the old one kept; the error is the caller's.
   */
  private async renew(): Promise<void> {
    const renewing = (async () => {
      await Promise.allSettled([...this.sending]);
      const fresh = this.newProducer();
      try {
        await fresh.connect();
        await registerTransactionalId(fresh);
      } catch (error) {
        await fresh.disconnect().catch(() => {});
        throw error;
      }
      const old = this.producer;
      this.producer = fresh;
      await old.disconnect().catch(() => {});
    })();
    this.replacing = renewing.catch(() => undefined).finally(() => (this.replacing = undefined));
    this.logger.warn("kafkajs: the end of a transaction was not applied (the coordinator refused it or could not be found) and kafkajs cannot go on with its producer; a fresh producer registers the transactional id, which aborts that transaction");
    await renewing;
  }

  /** kafkajs buffers nothing: every send is one request (core waits for its own sends in flight). */
  async flush(): Promise<void> {}

  async disconnect(): Promise<void> {
    while (this.replacing) await this.replacing;
    await Promise.all([this.producer.disconnect(), this.metadata.disconnect()]);
  }

  /** The current kafkajs producer: a replacement makes a new one. */
  native(): unknown {
    return this.producer;
  }
}
