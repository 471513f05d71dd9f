/**
 * The quick-start demo's entry point. `QI_STREAMING_*` variables choose the backend (memory by
 * default). For a broker connector without `QI_STREAMING_BROKERS`, the demo starts the testkit's
 * Apache Kafka broker for its own run, so `QI_STREAMING_CONNECTOR=kafkajs` just works.
 */
import { configFromEnv, type StreamingConfig } from "@qi/streaming";
import { runDemo, type DemoReport } from "./demo.js";

function print(r: DemoReport): void {
  const lines = [
    `qi-streaming quick start: connector "${r.connector}", topic ${r.topic}`,
    `  produced ${r.produced} keyed messages at ${r.produceMsgsPerSec.toLocaleString("en")} msg/s`,
    `  consumed ${r.consumed} (duplicates ${r.duplicates}) end to end at ${r.endToEndMsgsPerSec.toLocaleString("en")} msg/s`,
    `  per partition: ${Object.entries(r.perPartition).map(([p, n]) => `${p}=${n}`).join("  ")}`,
    `  per consumer:  ${Object.entries(r.perConsumer).map(([c, n]) => `${c}=${n}`).join("  ")}`,
    `  nothing lost: ${r.lost === 0 ? "yes" : `NO, ${r.lost} missing`}`,
    `  order per key kept: ${r.orderPerKeyKept ? "yes" : "NO"}`,
  ];
  console.log(lines.join("\n"));
}

const parsed = configFromEnv();
if (parsed.isErr()) {
  console.error(`configuration error: ${parsed.error.message}`);
  process.exit(2);
}
let config: StreamingConfig = parsed.value;
let stopBroker: (() => Promise<void>) | undefined;
if ((config.connector ?? "memory") !== "memory" && (config.brokers ?? []).length === 0) {
  const { startKafka } = await import("@qi/streaming-testkit/harness");
  console.log("no QI_STREAMING_BROKERS: starting a local Apache Kafka broker for the demo...");
  const kafka = await startKafka();
  config = { ...config, brokers: kafka.brokers };
  stopBroker = () => kafka.stop();
}
const messages = Number(process.env.QI_DEMO_MESSAGES ?? 5000);
const result = await runDemo(config, { messages });
await stopBroker?.();
if (result.isErr()) {
  console.error(`demo failed: [${result.error.category}/${result.error.code}] ${result.error.message}`);
  process.exit(1);
}
print(result.value);
process.exitCode = result.value.lost === 0 && result.value.orderPerKeyKept ? 0 : 1;
