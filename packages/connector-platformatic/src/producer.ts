/**
 * The platformatic producer driver. Partitions are chosen by core's router (Java murmur2, and an
 * explicit partition checked against the partition count), because platformatic's default
 * partitioner disagrees with Java's and it wraps a partition that does not exist modulo the count.
 * `acks` defaults to all (-1); platformatic's default is leader only.
 */
import { offsetsFromBase, PartitionRouter, type OutgoingRecord, type ProduceResult, type ProducerConfig, type ProducerDriver, type ResolvedConfig } from "@qi/streaming";
import { Producer, type MessageToProduce, type ProducerOptions } from "@platformatic/kafka";
import { isUnknownTopic, partitionCount, probe } from "./metadata.js";
import { baseOptions, pick, PLATFORMATIC_OPTIONS, routeLogs } from "./options.js";

export class PlatformaticProducerDriver implements ProducerDriver {
  private producer: Producer | undefined;
  private unroute: (() => void) | undefined;
  private readonly router: PartitionRouter;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly acks: number;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly producerConfig: ProducerConfig,
  ) {
    const acks = producerConfig.acks ?? "all";
    this.acks = acks === "all" ? -1 : acks;
    this.router = new PartitionRouter((topic) => partitionCount(this.client(), topic));
  }

  /** A closed platformatic client cannot reopen: `connect` after `disconnect` makes a new one. */
  private client(): Producer {
    if (!this.producer) {
      const options: ProducerOptions<Buffer, Buffer, Buffer, Buffer> = {
        ...baseOptions(this.config),
        ...pick(this.config.options, PLATFORMATIC_OPTIONS.producer),
        idempotent: this.producerConfig.idempotent ?? false,
        compression: this.producerConfig.compression ?? "none",
        timeout: this.producerConfig.timeout ?? this.config.requestTimeout,
        ...(this.producerConfig.idempotent ? {} : { acks: this.acks }),
      };
      this.producer = new Producer(options);
      this.unroute = routeLogs(this.producer, this.config.logger, "producer");
    }
    return this.producer;
  }

  async connect(): Promise<void> {
    await probe(this.client(), () => this.disconnect());
  }

  async send(records: readonly OutgoingRecord[]): Promise<readonly ProduceResult[]> {
    const producer = this.client();
    const partitions = await this.router.route(records);
    const messages: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = records.map((r, i) => ({
      topic: r.topic,
      partition: partitions[i]!,
      key: r.key ?? undefined,
      value: r.value as Buffer,
      headers: new Map(Object.entries(r.headers).map(([k, v]) => [Buffer.from(k, "utf8"), v])),
      ...(r.timestamp === undefined ? {} : { timestamp: BigInt(r.timestamp) }),
    }));
    // One request per partition. platformatic answers a partition-level error that says "stale
    // metadata" (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, common right after a topic is
    // created) by sending the whole request again, so the partitions that had been written in it
    // are written twice. A request per partition makes that retry repeat only what failed.
    const groups = new Map<string, MessageToProduce<Buffer, Buffer, Buffer, Buffer>[]>();
    messages.forEach((m) => {
      const key = `${m.partition!}:${m.topic}`;
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(m);
    });
    const acks = this.producerConfig.idempotent ? {} : { acks: this.acks };
    const sending = Promise.all([...groups.values()].map((group) => producer.send({ messages: group, ...acks })));
    this.inFlight.add(sending);
    let results: Awaited<typeof sending>;
    try {
      results = await sending;
    } catch (error) {
      if (isUnknownTopic(error)) for (const r of records) this.router.invalidate(r.topic);
      throw error;
    } finally {
      this.inFlight.delete(sending);
    }
    // acks 0: the broker answers nothing, so there is no offset to report.
    const base = new Map(results.flatMap((r) => r.offsets ?? []).map((o) => [`${o.partition}:${o.topic}`, o.offset]));
    return offsetsFromBase(records, partitions, (topic, partition) => base.get(`${partition}:${topic}`) ?? -1n).map((r) =>
      this.acks === 0 ? { ...r, offset: "-1" } : r,
    );
  }

  /** Every send is a request of its own: flushing is waiting for the sends in flight. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async disconnect(): Promise<void> {
    await this.flush();
    const producer = this.producer;
    this.producer = undefined;
    this.unroute?.();
    await producer?.close();
  }

  native(): unknown {
    return this.client();
  }
}
