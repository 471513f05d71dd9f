/**
 * Kafka's own command-line tools from the harness's jars, for counting what is in a log without
 * trusting any client under test.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { javaBinary, provisionKafka } from "./provision.js";

/**
 * The end offset (the offset the next record will get) of every partition of `topic`, as Kafka's
 * `GetOffsetShell` reads them from the broker. For a topic written without transactions, their
 * sum is the number of records in the log.
 */
export function logEndOffsets(brokers: readonly string[], topic: string, timeoutMs = 60_000): Promise<Map<number, number>> {
  const classPath = join(provisionKafka({ quiet: true }).libDir, "*");
  const args = ["-Xmx256m", "-cp", classPath, "org.apache.kafka.tools.GetOffsetShell", "--bootstrap-server", brokers.join(","), "--topic", topic, "--time", "-1"];
  return new Promise((resolve, reject) => {
    execFile(javaBinary(), args, { encoding: "utf8", timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`GetOffsetShell for ${topic} failed (${error.message.split("\n")[0]}): ${stderr.trim().slice(0, 400)}`));
      const offsets = new Map<number, number>();
      for (const line of stdout.split("\n")) {
        // topic:partition:offset (a topic name may hold no ':', Kafka forbids it)
        const m = /^(.+):(\d+):(\d+)$/.exec(line.trim());
        if (m && m[1] === topic) offsets.set(Number(m[2]), Number(m[3]));
      }
      if (offsets.size === 0) return reject(new Error(`GetOffsetShell printed no offsets for ${topic}: ${stdout.trim().slice(0, 200)} ${stderr.trim().slice(0, 200)}`));
      resolve(offsets);
    });
  });
}

/** How many records the log of `topic` holds: the sum of its partitions' end offsets (see {@link logEndOffsets}). */
export async function logRecordCount(brokers: readonly string[], topic: string, timeoutMs?: number): Promise<number> {
  let total = 0;
  for (const offset of (await logEndOffsets(brokers, topic, timeoutMs)).values()) total += offset;
  return total;
}
