/**
 * Broker crash: while a producer sends a keyed stream (acks all, idempotent where supported),
 * the broker is killed with SIGKILL and restarted on the same ports and data directory. Every
 * acknowledged message must then be consumed, order per key kept, and no send may hang: each
 * succeeded or returned a retriable error within its timeout.
 */
import { createStreamingClient, type QiError } from "@qi/streaming";
import { expect } from "vitest";
import { startKafka } from "../harness/broker.js";
import { must, sleep } from "../suite/bed.js";
import { defineGroup } from "../suite/group.js";
import type { ReliabilityOptions } from "./options.js";

const KEYS = 8;

/** Broker crash group: SIGKILL and restart of a harness broker mid-stream (needs the harness, not `KAFKA_BROKERS`). */
export const brokerCrashTests = defineGroup<ReliabilityOptions>("broker crash", ({ test, caps }) => {
  test("every acknowledged message survives a SIGKILL of the broker, in order per key, and no send hangs", async (bed) => {
    const kafka = await startKafka({ log: () => {} });
    try {
      const timeouts = { connectionTimeout: 3000, requestTimeout: 5000 };
      const client = must(createStreamingClient(bed.baseConfig({ brokers: kafka.brokers, ...timeouts, retry: { retries: 8, initialRetryTimeMs: 200, maxRetryTimeMs: 2000 } })));
      const admin = must(await client.getAdmin());
      must(await admin.connect());
      const topic = bed.name("crash");
      must(await admin.createTopics([{ topic, numPartitions: 3 }]));
      const producer = must(await client.getProducer({ acks: "all", idempotent: caps.idempotentProducer }));
      must(await producer.connect());

      const acked: { key: string; seq: number }[] = [];
      const failures: { error: QiError; ms: number }[] = [];
      const sendLimit = timeouts.requestTimeout + timeouts.connectionTimeout + 1000;
      let crashed = false;
      const deadline = Date.now() + bed.t(60_000);
      for (let seq = 0; seq < 150 && Date.now() < deadline; seq++) {
        if (seq === 40 && !crashed) {
          crashed = true;
          await kafka.kill();
          void sleep(1000).then(() => kafka.restart());
        }
        const batch = Array.from({ length: KEYS }, (_, k) => ({ topic, message: { key: `key-${k}`, value: `${k}:${seq}` } }));
        const started = Date.now();
        const r = await producer.sendBatch(batch);
        const ms = Date.now() - started;
        if (r.isOk()) for (let k = 0; k < KEYS; k++) acked.push({ key: `key-${k}`, seq });
        else failures.push({ error: r.error, ms });
        if (r.isErr()) await sleep(200);
      }
      expect(crashed).toBe(true);
      for (const f of failures) {
        expect({ code: f.error.code, retriable: f.error.retriable }).toEqual({ code: f.error.code, retriable: true });
        expect(f.ms).toBeLessThan(sendLimit);
      }
      expect(acked.length).toBeGreaterThan(40 * KEYS);

      const consumer = must(await client.getConsumer({ groupId: bed.name("g") }));
      const seen = new Map<string, number[]>();
      must(await consumer.connect());
      must(await consumer.subscribe({ topics: [topic], fromBeginning: true }));
      must(await consumer.run({ eachMessage: (m) => void seen.set(m.key!.toString(), [...(seen.get(m.key!.toString()) ?? []), Number(m.value!.toString().split(":")[1])]) }));
      const wanted = new Set(acked.map((a) => `${a.key}:${a.seq}`));
      await bed.waitFor(() => [...wanted].every((w) => seen.get(w.split(":")[0]!)?.includes(Number(w.split(":")[1]))), "every acknowledged message", 60_000);
      // Order per key among acknowledged messages. (A send that returned a retriable error may
      // still land later, as with any Kafka client: it is not acknowledged, so not ordered.)
      for (const [key, seqs] of seen) {
        const ackedSeqs = new Set(acked.filter((a) => a.key === key).map((a) => a.seq));
        const firsts = seqs.filter((s, i) => ackedSeqs.has(s) && seqs.indexOf(s) === i);
        expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
      }
      const late = [...seen.values()].flat().length - acked.length;
      bed.report(`broker crash: ${acked.length} acknowledged, ${failures.length} failed sends (all retriable, slowest ${Math.max(0, ...failures.map((f) => f.ms))} ms), ${late} extra records (unacknowledged or duplicated)`);
      must(await client.disconnect());
    } finally {
      await kafka.stop();
    }
  }, { needs: ["network"], timeout: 180_000 });
});
