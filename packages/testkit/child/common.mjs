// What every reliability child process starts with: its job (JSON in QI_CHILD), a client of the
// connector it names, and `must`, which ends the process with code 3 on an error Result.
import { createStreamingClient } from "@qi/streaming";

export const job = JSON.parse(process.env.QI_CHILD ?? "{}");

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A client of the job's connector module, with no logging. */
export async function jobClient(clientId) {
  const connector = (await import(job.module))[job.exportName ?? "connector"];
  const base = { connector, brokers: job.brokers, clientId, logger: silent, ...(job.options ? { options: job.options } : {}), ...(job.config ?? {}) };
  return createStreamingClient(base)._unsafeUnwrap();
}

export function must(r) {
  if (r.isErr()) {
    console.error(`child: ${r.error.category}/${r.error.code}: ${r.error.message}`);
    process.exit(3);
  }
  return r.value;
}
