/**
 * The quick-start demo, as a function so the tests can run it: creates a topic with several
 * partitions, produces keyed messages, consumes them with a group of two consumers, and reports
 * what went where, how fast, whether anything was lost and whether order per key held.
 */
import { err, ok, type ConsumedMessage, type IStreamingConsumer, type QiError, type Result, type StreamingConfig } from "@qi/streaming";
import { createStreamingClient } from "@qi/streaming";

export interface DemoOptions {
  readonly messages?: number;
  readonly keys?: number;
  readonly partitions?: number;
  /** ms to wait for every message to be consumed. */
  readonly timeoutMs?: number;
}

export interface DemoReport {
  readonly connector: string;
  readonly topic: string;
  readonly produced: number;
  readonly consumed: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly orderPerKeyKept: boolean;
  readonly perPartition: Record<number, number>;
  readonly perConsumer: Record<string, number>;
  readonly produceMsgsPerSec: number;
  readonly endToEndMsgsPerSec: number;
}

interface Seen {
  readonly consumer: string;
  readonly message: ConsumedMessage;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runDemo(config: StreamingConfig, options: DemoOptions = {}): Promise<Result<DemoReport, QiError>> {
  const { messages = 5000, keys = 50, partitions = 6, timeoutMs = 60_000 } = options;
  const created = createStreamingClient(config);
  if (created.isErr()) return err(created.error);
  const client = created.value;
  const run = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const topic = `qi-quickstart-${run}`;
  const seen: Seen[] = [];

  const result = await (async (): Promise<Result<DemoReport, QiError>> => {
    const admin = await client.getAdmin().andThrough((a) => a.connect());
    if (admin.isErr()) return err(admin.error);
    const createdTopic = await admin.value.createTopics([{ topic, numPartitions: partitions }]);
    if (createdTopic.isErr()) return err(createdTopic.error);

    // Two members of one group: each owns some partitions once both have joined.
    const consumers: IStreamingConsumer[] = [];
    for (const name of ["consumer-a", "consumer-b"]) {
      const consumer = await client.getConsumer({ groupId: `qi-quickstart-${run}` });
      if (consumer.isErr()) return err(consumer.error);
      const started = await consumer.value
        .connect()
        .andThen(() => consumer.value.subscribe({ topics: [topic], fromBeginning: true }))
        .andThen(() => consumer.value.run({ eachMessage: (message) => void seen.push({ consumer: name, message }) }));
      if (started.isErr()) return err(started.error);
      consumers.push(consumer.value);
    }

    const producer = await client.getProducer().andThrough((p) => p.connect());
    if (producer.isErr()) return err(producer.error);
    const t0 = performance.now();
    const perKey = new Map<string, number>();
    for (let sent = 0; sent < messages; ) {
      const batch = Array.from({ length: Math.min(500, messages - sent) }, (_, i) => {
        const key = `user-${(sent + i) % keys}`;
        const seq = perKey.get(key) ?? 0;
        perKey.set(key, seq + 1);
        return { topic, message: { key, value: JSON.stringify({ key, seq }) } };
      });
      const r = await producer.value.sendBatch(batch);
      if (r.isErr()) return err(r.error);
      sent += batch.length;
    }
    const produceMs = performance.now() - t0;

    const unique = (): number => new Set(seen.map((s) => `${s.message.partition}:${s.message.offset}`)).size;
    const deadline = Date.now() + timeoutMs;
    while (unique() < messages && Date.now() < deadline) await sleep(20);
    const e2eMs = performance.now() - t0;
    for (const c of consumers) {
      const d = await c.disconnect();
      if (d.isErr()) return err(d.error);
    }
    const deleted = await admin.value.deleteTopics([topic]);
    if (deleted.isErr()) return err(deleted.error);
    return ok(report(config, topic, messages, seen, produceMs, e2eMs));
  })();

  const closed = await client.disconnect();
  if (result.isOk() && closed.isErr()) return err(closed.error);
  return result;
}

function report(config: StreamingConfig, topic: string, produced: number, seen: readonly Seen[], produceMs: number, e2eMs: number): DemoReport {
  const perPartition: Record<number, number> = {};
  const perConsumer: Record<string, number> = {};
  const firstSeen = new Set<string>();
  const lastSeqPerKey = new Map<string, number>();
  let duplicates = 0;
  let orderPerKeyKept = true;
  for (const { consumer, message } of seen) {
    const id = `${message.partition}:${message.offset}`;
    if (firstSeen.has(id)) {
      duplicates++;
      continue;
    }
    firstSeen.add(id);
    perPartition[message.partition] = (perPartition[message.partition] ?? 0) + 1;
    perConsumer[consumer] = (perConsumer[consumer] ?? 0) + 1;
    const { key, seq } = JSON.parse(message.value?.toString("utf8") ?? "{}") as { key: string; seq: number };
    if ((lastSeqPerKey.get(key) ?? -1) >= seq) orderPerKeyKept = false;
    lastSeqPerKey.set(key, seq);
  }
  const connector = typeof config.connector === "object" ? config.connector.name : (config.connector ?? "memory");
  return {
    connector,
    topic,
    produced,
    consumed: firstSeen.size,
    duplicates,
    lost: produced - firstSeen.size,
    orderPerKeyKept,
    perPartition,
    perConsumer,
    produceMsgsPerSec: Math.round(produced / (produceMs / 1000)),
    endToEndMsgsPerSec: Math.round(firstSeen.size / (e2eMs / 1000)),
  };
}
