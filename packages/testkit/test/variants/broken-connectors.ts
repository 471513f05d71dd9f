/**
 * Deliberately broken variants of the memory connector. The suite must fail on each: that is
 * how it proves it has teeth.
 */
import type { ProduceResult } from "@qi/streaming";
import { memoryConnector, type AdminDriver, type BatchSink, type ConsumerDriver, type IStreamingConnector, type ProducerDriver, type RoutedRecord } from "@qi/streaming/connector";
import { patch } from "../../src/suite/driver-patch.js";

function withConsumer(name: string, wrap: (driver: ConsumerDriver) => Partial<ConsumerDriver>): IStreamingConnector {
  return {
    ...memoryConnector,
    name,
    createConsumer(context, config) {
      const driver = memoryConnector.createConsumer(context, config);
      return patch(driver, wrap(driver));
    },
  };
}

function withAdmin(name: string, wrap: (driver: AdminDriver) => Partial<AdminDriver>): IStreamingConnector {
  return {
    ...memoryConnector,
    name,
    createAdmin(context) {
      const driver = memoryConnector.createAdmin(context);
      return patch(driver, wrap(driver));
    },
  };
}

function withProducer(name: string, wrap: (driver: ProducerDriver) => Partial<ProducerDriver>): IStreamingConnector {
  return {
    ...memoryConnector,
    name,
    createProducer(context, config) {
      const driver = memoryConnector.createProducer(context, config);
      return patch(driver, wrap(driver));
    },
  };
}

export const BROKEN_VARIANTS: Readonly<Record<string, IStreamingConnector>> = {
  /** Delivers every message without its headers. */
  "headers-dropped": withConsumer("broken-headers", (d) => ({
    start: (sink: BatchSink) => d.start({ ...sink, deliver: (b) => sink.deliver({ ...b, messages: b.messages.map((m) => ({ ...m, headers: {} })) }) }),
  })),
  /** Commits one past what it was asked to. */
  "commit-off-by-one": withConsumer("broken-commit", (d) => ({
    commit: (offsets) => d.commit(offsets.map((o) => ({ ...o, offset: String(Number(o.offset) + 1) }))),
  })),
  /** Ignores the partition core chose for a keyed record and routes it by a byte sum instead. */
  "wrong-partitioner": withProducer("broken-partitioner", (d) => ({
    send: (records: readonly RoutedRecord[]) => {
      const cluster = d.native() as { partitionCount(t: string): number | undefined };
      return d.send(
        records.map((r) => {
          const n = cluster.partitionCount(r.topic);
          if (r.key === null || n === undefined) return r;
          return { ...r, partition: r.key.reduce((a, b) => a + b, 0) % n };
        }),
      );
    },
  })),
  /**
   * Writes a request of several records twice, as a client that resends a request whose answer
   * it lost (core hands one partition per request, so this is what a whole-request resend is).
   */
  "resends-whole-request": withProducer("broken-resend", (d) => ({
    send: async (records: readonly RoutedRecord[]) => {
      const results = await d.send(records);
      if (records.length > 1) await d.send(records);
      return results;
    },
  })),
  /**
   * Reports a failed batch as all not written: when one request of a call is refused, the
   * others sent with it (written) fail with the same refusal, as a client that answers a
   * multi-partition request with its first error.
   */
  "failed-batch-all-not-written": (() => {
    let refusal: { error: unknown; at: number } | undefined;
    return withProducer("broken-all-not-written", (d) => ({
      send: async (records: readonly RoutedRecord[]) => {
        let results: readonly ProduceResult[] | undefined;
        try {
          results = await d.send(records);
        } catch (error) {
          refusal = { error, at: Date.now() };
          throw error;
        }
        await new Promise((r) => setTimeout(r, 20));
        if (refusal && Date.now() - refusal.at < 100) throw refusal.error;
        return results;
      },
    }));
  })(),
  /** Throws a plain Error where it should report the broker's error (so it is misclassified). */
  "throws-instead-of-error": {
    ...memoryConnector,
    name: "broken-throws",
    createAdmin(context) {
      const driver = memoryConnector.createAdmin(context);
      return patch(driver, {
        deleteTopics: async (topics) => {
          const existing = await driver.listTopics();
          if (topics.some((t) => !existing.includes(t))) throw new Error("something went wrong");
          return driver.deleteTopics(topics);
        },
        createTopics: async (topics) => {
          const existing = await driver.listTopics();
          if (topics.some((t) => existing.includes(t.topic))) throw new TypeError("cannot read properties of undefined");
          return driver.createTopics(topics);
        },
      });
    },
  },
  /** Commits each batch before the handler has run. */
  "commit-before-handler": withConsumer("broken-early-commit", (d) => ({
    start: (sink: BatchSink) =>
      d.start({
        ...sink,
        deliver: async (b) => {
          const last = b.messages[b.messages.length - 1];
          if (last) await d.commit([{ topic: b.topic, partition: b.partition, offset: String(Number(last.offset) + 1) }]);
          return sink.deliver(b);
        },
      }),
  })),
  /** Ignores `pause`: keeps fetching what core has paused (core refuses each batch; the loop spins). */
  "ignores-pause": withConsumer("broken-pause", () => ({ pause: async () => {} })),
  /** Never tells core that partitions were revoked (core's pause and delivery state for them goes stale). */
  "never-reports-revoked": withConsumer("broken-revoke", (d) => ({
    start: (sink: BatchSink) => d.start({ ...sink, revoked: async () => {} }),
  })),
  /** Sends every key-less record to partition 0, whatever core chose. */
  "keyless-one-partition": withProducer("broken-keyless", (d) => ({
    send: (records: readonly RoutedRecord[]) => d.send(records.map((r) => (r.key === null ? { ...r, partition: 0 } : r))),
  })),
  /** A transaction's abort commits it instead: its records become visible, its offsets committed. */
  "abort-commits": withProducer("broken-abort", (d) => {
    const transactions = d.transactions;
    return transactions ? { transactions: { ...transactions, abort: () => transactions.commit() } } : {};
  }),
  /** `stop()` does nothing: the fetch loop goes on after core stopped it. */
  "stop-does-nothing": withConsumer("broken-stop", () => ({ stop: async () => {} })),
  /** Lists Kafka's internal topic with the others (core must drop it). */
  "lists-internal-topics": withAdmin("broken-list", (d) => ({
    listTopics: async () => [...(await d.listTopics()), "__consumer_offsets"],
  })),
  /** Reports a topic's partitions in reverse order (core must sort them). */
  "unsorted-partitions": withAdmin("broken-metadata", (d) => ({
    getTopicMetadata: async (topics) => (await d.getTopicMetadata(topics)).map((m) => ({ ...m, partitions: [...m.partitions].reverse() })),
  })),
  /** Answers `fetchCommittedOffsets(group, topic)` with every topic of the group (core must keep the one asked for). */
  "committed-ignores-topic": withAdmin("broken-committed", (d) => ({
    fetchCommittedOffsets: async (groupId) => d.fetchCommittedOffsets(groupId),
  })),
};
