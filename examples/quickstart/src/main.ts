/** The quick-start demo's entry point: `QI_STREAMING_*` variables choose the backend (memory by default). */
import { configFromEnv } from "@qi/streaming";
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

const config = configFromEnv();
if (config.isErr()) {
  console.error(`configuration error: ${config.error.message}`);
  process.exit(2);
}
const messages = Number(process.env.QI_DEMO_MESSAGES ?? 5000);
const result = await runDemo(config.value, { messages });
if (result.isErr()) {
  console.error(`demo failed: [${result.error.category}/${result.error.code}] ${result.error.message}`);
  process.exit(1);
}
print(result.value);
process.exitCode = result.value.lost === 0 && result.value.orderPerKeyKept ? 0 : 1;
