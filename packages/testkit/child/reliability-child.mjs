// A child process for the reliability suite: it loads a connector module, and either consumes a
// topic (printing every handled offset, so the parent can kill it mid-stream) or runs the
// hygiene check (connect/disconnect cycles, then ends without process.exit: the parent checks
// that it exits by itself). Arguments come as JSON in QI_CHILD.
import { createStreamingClient } from "@qi/streaming";

const job = JSON.parse(process.env.QI_CHILD ?? "{}");
const connector = (await import(job.module))[job.exportName ?? "connector"];
const base = { connector, brokers: job.brokers, clientId: "qi-child", logger: { debug() {}, info() {}, warn() {}, error() {} } };
const client = createStreamingClient(base)._unsafeUnwrap();
const must = (r) => {
  if (r.isErr()) {
    console.error(`child: ${r.error.category}/${r.error.code}: ${r.error.message}`);
    process.exit(3);
  }
  return r.value;
};

if (job.kind === "consume") {
  const consumer = must(await client.getConsumer({ groupId: job.groupId, sessionTimeout: job.sessionTimeout, maxBatchSize: 20 }));
  must(await consumer.connect());
  must(await consumer.subscribe({ topics: [job.topic], fromBeginning: true }));
  must(
    await consumer.run({
      eachMessage: async (m) => {
        await new Promise((r) => setTimeout(r, job.delayMs ?? 5));
        process.stdout.write(`${m.partition}:${m.offset}\n`);
      },
    }),
  );
  process.stdout.write("running\n");
} else if (job.kind === "hygiene") {
  const gc = globalThis.gc ?? (() => {});
  const producer = must(await client.getProducer());
  const admin = must(await client.getAdmin());
  must(await admin.connect());
  const created = await admin.createTopics([{ topic: job.topic }]);
  if (created.isErr() && created.error.code !== "TOPIC_ALREADY_EXISTS") must(created);
  must(await producer.connect());
  must(await producer.send(job.topic, { key: "k", value: "v" }));
  must(await producer.disconnect());
  gc();
  const before = { heap: process.memoryUsage().heapUsed, handles: process.getActiveResourcesInfo().length };
  for (let i = 0; i < job.cycles; i++) {
    must(await producer.connect());
    must(await producer.disconnect());
  }
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const after = { heap: process.memoryUsage().heapUsed, handles: process.getActiveResourcesInfo().length };
  must(await producer.connect());
  must(await producer.send(job.topic, { key: "k", value: "after" }));
  must(await client.disconnect());
  process.stdout.write(JSON.stringify({ before, after }) + "\n");
  // No process.exit: the parent asserts that nothing keeps the event loop alive.
}
