// A child process for the reliability suite's producer flood: it loads a connector module, makes
// `count` producer.send() calls of `bytes` without awaiting any, then awaits them all. Nothing
// else runs in this process, so its peak RSS is the flood's. Prints one JSON line: outcomes by
// error code, the time from the first call to the last outcome, the peak RSS. Arguments come as
// JSON in QI_CHILD.
import { job, jobClient, must } from "./common.mjs";

const client = await jobClient("qi-flood-child");

const partitions = job.partitions ?? 6;
const producer = must(await client.getProducer(job.producer ?? {}));
let admin;
if (job.createTopic) {
  // The memory connector: its cluster lives in this process, so the topic is made (and the log counted) here.
  admin = must(await client.getAdmin());
  must(await admin.connect());
  must(await admin.createTopics([{ topic: job.topic, numPartitions: partitions }]));
}
must(await producer.connect());
const value = Buffer.alloc(job.bytes ?? 100, 120);
const started = performance.now();
const sends = new Array(job.count);
for (let i = 0; i < job.count; i++) sends[i] = producer.send(job.topic, { key: `k-${i % 1000}`, value });
const results = await Promise.all(sends);
const ms = Math.round(performance.now() - started);
// maxRSS is in KiB: the high-water mark of the whole process, flood included.
const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
let ok = 0;
const errors = {};
const samples = {};
for (const r of results) {
  if (r.isOk()) ok++;
  else {
    errors[r.error.code] = (errors[r.error.code] ?? 0) + 1;
    samples[r.error.code] ??= r.error.message.slice(0, 200);
  }
}
let logged;
if (admin) {
  // The memory connector's admin hands out its in-process cluster: its end offsets are the log.
  const cluster = admin.getNativeClient();
  logged = 0;
  for (let p = 0; p < partitions; p++) logged += cluster.endOffset(job.topic, p);
}
must(await client.disconnect());
process.stdout.write(JSON.stringify({ ok, errors, samples, ms, maxRssMb, logged }) + "\n");
process.exit(0);
