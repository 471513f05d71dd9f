// A child process for the conformance group `concurrency`: one member of a group consuming with
// run({ concurrency }), printing `partition:offset` for each message as its handler finishes
// (before it returns, so before core can commit past it; a pipe write is synchronous on Linux,
// so a line is out before the process can be killed after it). The parent SIGKILLs it
// mid-stream and checks the group's committed offsets against what it printed. Arguments come
// as JSON in QI_CHILD: module, exportName, brokers, topic, groupId, sessionTimeout, concurrency,
// maxDelayMs (each handler sleeps a random 0 to maxDelayMs).
import { job, jobClient, must } from "./common.mjs";

const client = await jobClient("qi-concurrency-child");
const consumer = must(await client.getConsumer({ groupId: job.groupId, sessionTimeout: job.sessionTimeout }));
must(await consumer.connect());
must(await consumer.subscribe({ topics: [job.topic], fromBeginning: true }));
must(
  await consumer.run({
    concurrency: job.concurrency,
    eachMessage: async (m) => {
      await new Promise((r) => setTimeout(r, Math.random() * (job.maxDelayMs ?? 10)));
      process.stdout.write(`${m.partition}:${m.offset}\n`);
    },
  }),
);
process.stdout.write("running\n");
