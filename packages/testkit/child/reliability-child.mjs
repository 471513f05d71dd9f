// A child process for the reliability suite: it loads a connector module, and either consumes a
// topic (printing every handled offset, so the parent can kill it mid-stream) or runs the
// hygiene check (connect/disconnect cycles, then ends without process.exit: the parent checks
// that it exits by itself; kind "failed-connect": the same after connects that failed), or measures a consumer's memory (kind "memory": consume a pre-filled
// topic, sampling RSS, and print the peak; kind "exactly-once": an exactly-once processor that
// may stop inside an open transaction, so the parent can SIGKILL it there). Arguments come as
// JSON in QI_CHILD.
import { job, jobClient, must } from "./common.mjs";

const client = await jobClient("qi-child");

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
} else if (job.kind === "failed-connect") {
  // Every role's connect() fails (a closed port, a wrong password); then client.disconnect(),
  // and the time it returned. No process.exit: the parent measures how long the process lives on.
  const roles = [must(await client.getProducer()), must(await client.getConsumer({ groupId: "qi-child-failed" })), must(await client.getAdmin())];
  const codes = [];
  for (const role of roles) {
    const r = await role.connect();
    codes.push(r.isErr() ? `${r.error.category}/${r.error.code}` : "ok");
  }
  must(await client.disconnect());
  process.stdout.write(JSON.stringify({ codes, disconnectedAt: Date.now() }) + "\n");
} else if (job.kind === "memory") {
  // One consumer, nothing else in the process: handle `expected` messages (or run for
  // `durationMs`), sampling RSS every `sampleMs`; print what was handled and the peak RSS.
  const rssSamples = [];
  const started = Date.now();
  const sampler = setInterval(() => rssSamples.push({ ms: Date.now() - started, rss: process.memoryUsage.rss() }), job.sampleMs ?? 250);
  const consumer = must(await client.getConsumer({ groupId: job.groupId, ...job.consumer }));
  let count = 0;
  let first = 0;
  let last = 0;
  let reached;
  const done = new Promise((r) => (reached = r));
  // Per partition, the next offset expected: a message out of that order (a gap, a duplicate) is counted.
  const next = new Map();
  let outOfOrder = 0;
  const delay = job.delayMs ?? 0;
  must(await consumer.connect());
  must(await consumer.subscribe({ topics: [job.topic], fromBeginning: true }));
  must(
    await consumer.run({
      eachMessage: async (m) => {
        if (count === 0) first = Date.now();
        count++;
        const offset = Number(m.offset);
        if (offset !== (next.get(m.partition) ?? 0)) outOfOrder++;
        next.set(m.partition, offset + 1);
        last = Date.now();
        if (count >= job.expected) reached();
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      },
    }),
  );
  const timer = job.durationMs ? setTimeout(() => reached(), job.durationMs) : undefined;
  await done;
  clearTimeout(timer);
  // Anything past the expected count (a duplicate) shows in `count`.
  if (!job.durationMs) await new Promise((r) => setTimeout(r, 500));
  clearInterval(sampler);
  const handled = count;
  const seconds = (last - first) / 1000;
  must(await client.disconnect());
  process.stdout.write(
    JSON.stringify({ count: handled, outOfOrder, next: Object.fromEntries(next), msgPerSec: seconds > 0 ? Math.round(handled / seconds) : 0, peakRss: process.resourceUsage().maxRSS * 1024, samples: rssSamples }) + "\n",
  );
  process.exit(0);
} else if (job.kind === "exactly-once") {
  // run({ exactlyOnce }): each input record is copied to `output` (same key and value; headers
  // say which input record it is and which process wrote it) in its slice's transaction, which
  // commits with the slice's offsets. With `hangAfter`, once that many inputs were handled, the
  // first message that finds its transaction already holding `hangAfterSent` outputs (default 1;
  // sent, each acknowledged) prints `open <json>` and waits forever inside that open
  // transaction: the parent kills it then.
  // Without it, it runs until its stdin closes, then disconnects and exits.
  const producer = must(await client.getProducer({ transactionalId: job.transactionalId, transactionTimeoutMs: job.transactionTimeoutMs }));
  must(await producer.connect());
  const consumer = must(await client.getConsumer({ groupId: job.groupId, sessionTimeout: job.sessionTimeout, maxBatchSize: job.maxBatchSize, isolationLevel: "read_committed" }));
  must(await consumer.connect());
  must(await consumer.subscribe({ topics: [job.input], fromBeginning: true }));
  let handled = 0;
  // The transaction of the previous message, and the inputs it sent output for.
  let current;
  let sentInCurrent = [];
  must(
    await consumer.run({
      exactlyOnce: { producer },
      eachMessage: async (m, { transaction }) => {
        if (transaction !== current) {
          current = transaction;
          sentInCurrent = [];
        }
        if (job.hangAfter !== undefined && handled >= job.hangAfter && sentInCurrent.length >= (job.hangAfterSent ?? 1)) {
          process.stdout.write(`open ${JSON.stringify({ partition: m.partition, sent: sentInCurrent, handled })}\n`);
          await new Promise(() => {});
        }
        const sent = await transaction.send(job.output, { key: m.key, value: m.value, headers: { src: `${m.partition}:${m.offset}`, by: job.label } });
        if (sent.isErr()) return sent;
        sentInCurrent.push(m.offset);
        handled++;
        // Progress, for the parent's error message when no `open` line comes.
        if (handled % 250 === 0) process.stdout.write(`handled ${handled}, ${sentInCurrent.length} in the current transaction\n`);
      },
    }),
  );
  process.stdout.write("running\n");
  process.stdin.resume();
  process.stdin.on("end", async () => {
    must(await client.disconnect());
    process.stdout.write("closed\n");
    process.exit(0);
  });
}
