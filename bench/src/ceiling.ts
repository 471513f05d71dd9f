/** Kafka's own ProducerPerformance and ConsumerPerformance on the same broker: the ceiling. */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { provisionKafka } from "@qi/streaming-testkit/harness";

function java(args: string[]): string {
  const lib = join(provisionKafka({ quiet: true }).libDir, "*");
  return execFileSync("java", ["-Xmx512m", "-cp", lib, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 });
}

/** records/sec of ProducerPerformance (acks all). */
export function producerPerformance(brokers: string[], topic: string, records: number, bytes: number): number {
  const out = java(["org.apache.kafka.tools.ProducerPerformance", "--topic", topic, "--num-records", String(records), "--record-size", String(bytes), "--throughput", "-1", "--producer-props", `bootstrap.servers=${brokers.join(",")}`, "acks=all"]);
  const m = /([\d.]+) records\/sec/.exec(out.trim().split("\n").pop() ?? "");
  return m ? Number(m[1]) : NaN;
}

/** messages/sec of ConsumerPerformance over a pre-filled topic. */
export function consumerPerformance(brokers: string[], topic: string, records: number): number {
  const out = java(["org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server", brokers.join(","), "--topic", topic, "--messages", String(records), "--timeout", "60000"]);
  const lines = out.trim().split("\n");
  const header = lines.find((l) => l.includes("nMsg.sec"))?.split(",").map((s) => s.trim());
  const values = lines[lines.length - 1]!.split(",").map((s) => s.trim());
  const i = header?.indexOf("nMsg.sec") ?? -1;
  return i >= 0 ? Number(values[i]) : NaN;
}

/**
 * How many records of `topic` a `read_committed` consumer reads (ConsumerPerformance, a group of
 * its own): the broker's count of what committed transactions wrote, for checking a row's output.
 * It asks for one more than `expected` and stops 5 s after the last record, so a duplicate counts.
 */
export async function committedCount(brokers: string[], topic: string, expected: number): Promise<number> {
  const out = java(["org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server", brokers.join(","), "--topic", topic, "--num-records", String(expected + 1), "--timeout", "5000", "--command-property", "isolation.level=read_committed"]);
  const lines = out.trim().split("\n");
  const header = lines.find((l) => l.includes("data.consumed.in.nMsg"))?.split(",").map((s) => s.trim());
  const values = lines[lines.length - 1]!.split(",").map((s) => s.trim());
  const i = header?.indexOf("data.consumed.in.nMsg") ?? -1;
  return i >= 0 ? Number(values[i]) : NaN;
}
