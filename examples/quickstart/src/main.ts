/**
 * The quick-start demo's entry point. `QI_STREAMING_*` variables choose the backend (memory by
 * default). For a broker connector without `QI_STREAMING_BROKERS`, the demo starts the testkit's
 * Apache Kafka broker for its own run, so `QI_STREAMING_CONNECTOR=kafkajs` just works.
 */
import { configFromEnv, type Logger, type StreamingConfig } from "@qi/streaming";
import { runDemo, type DemoReport } from "./demo.js";

/**
 * The client libraries' warnings (kafkajs logs a rebalance while the second consumer joins) are
 * collected, one line each, and counted after the report instead of interleaving with it.
 * `QI_DEMO_VERBOSE=1` prints them as they happen.
 */
const verbose = process.env.QI_DEMO_VERBOSE === "1";
const collected: string[] = [];
const collect =
  (level: string) =>
  (message: string): void => {
    const line = `${level} ${message.split("\n")[0]}`;
    if (verbose) console.error(`  [${line}]`);
    else collected.push(line);
  };
const demoLogger: Logger = { debug: () => {}, info: () => {}, warn: collect("warn"), error: collect("error") };

/** The lines of API that produced the report (the whole program: src/demo.ts). */
const API = [
  `  in outline (the whole program: examples/quickstart/src/demo.ts):`,
  `    const client = unwrap(createStreamingClient(configFromEnv()));`,
  `    await admin.createTopics([{ topic, numPartitions: 6 }]);`,
  `    await consumer.subscribe({ topics: [topic], fromBeginning: true });   // two consumers, one group`,
  `    await consumer.run({ eachMessage: (message) => ... });`,
  `    await producer.sendBatch(messages.map((m) => ({ topic, message: { key: m.key, value: m.value } })));`,
];

function print(r: DemoReport): void {
  const lines = [
    `qi-streaming quick start: connector "${r.connector}", topic ${r.topic}`,
    `  produced ${r.produced} keyed messages at ${r.produceMsgsPerSec.toLocaleString("en")} msg/s`,
    `  consumed ${r.consumed} (duplicates ${r.duplicates}) end to end at ${r.endToEndMsgsPerSec.toLocaleString("en")} msg/s`,
    `  per partition: ${Object.entries(r.perPartition).map(([p, n]) => `${p}=${n}`).join("  ")}`,
    `  per consumer:  ${Object.entries(r.perConsumer).map(([c, n]) => `${c}=${n}`).join("  ")}`,
    `  nothing lost: ${r.lost === 0 ? "yes" : `NO, ${r.lost} missing`}`,
    `  order per key kept: ${r.orderPerKeyKept ? "yes" : "NO"}`,
    ...API,
  ];
  if (collected.length > 0) lines.push(`  client log: ${collected.length} warning(s) or error(s), first: ${collected[0]} (QI_DEMO_VERBOSE=1 shows them)`);
  console.log(lines.join("\n"));
}

const parsed = configFromEnv();
if (parsed.isErr()) {
  console.error(`configuration error: ${parsed.error.message}`);
  process.exit(2);
}
let config: StreamingConfig = { ...parsed.value, logger: parsed.value.logger ?? demoLogger };
let stopBroker: (() => Promise<void>) | undefined;
if ((config.connector ?? "memory") !== "memory" && (config.brokers ?? []).length === 0) {
  const { startKafka } = await import("@qi/streaming-testkit/harness");
  console.log("no QI_STREAMING_BROKERS: starting a local Apache Kafka broker for the demo...");
  const kafka = await startKafka();
  config = { ...config, brokers: kafka.brokers };
  stopBroker = () => kafka.stop();
}
const messages = Number(process.env.QI_DEMO_MESSAGES ?? 5000);
console.log(`running: ${messages} keyed messages through 6 partitions and a group of two consumers on "${typeof config.connector === "object" ? config.connector.name : (config.connector ?? "memory")}"...`);
const result = await runDemo(config, { messages });
await stopBroker?.();
if (result.isErr()) {
  console.error(`demo failed: [${result.error.category}/${result.error.code}] ${result.error.message}`);
  for (const line of collected) console.error(`  ${line}`);
  process.exit(1);
}
print(result.value);
process.exitCode = result.value.lost === 0 && result.value.orderPerKeyKept ? 0 : 1;
