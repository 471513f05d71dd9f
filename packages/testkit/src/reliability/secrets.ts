/**
 * Secrets that cannot be printed, on a real SASL broker: neither the right password (a full
 * round trip) nor a wrong one (AUTHENTICATION) is in any printed form of the client, its
 * producer, consumer and admin, their errors, a debug-level log, stdout/stderr or `reports/`.
 * A leak is reported by where it was found, never by the text (which would print the secret).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import type { Logger, QiError } from "@qi/streaming";
import { expect } from "vitest";
import { must, mustFail } from "../suite/bed.js";
import { defineGroup } from "../suite/group.js";
import type { ReliabilityOptions } from "./options.js";
import { captureOutput } from "./security.js";

const TIMEOUTS = { connectionTimeout: 3000, requestTimeout: 5000, retry: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 200 } };

/** Every way a user might print `x`; a throw (a circular or uncloneable object) prints nothing. */
function printed(x: unknown, { raw = true } = {}): string[] {
  const tryIt = (f: () => unknown): string => {
    try {
      return String(f());
    } catch (e) {
      return String(e);
    }
  };
  const deep = (v: unknown, customInspect = true): string => inspect(v, { depth: Infinity, showHidden: true, customInspect, maxArrayLength: Infinity, maxStringLength: Infinity });
  const forms = [deep(x), tryIt(() => JSON.stringify(x)), tryIt(() => String(x)), tryIt(() => `${x as string}`), tryIt(() => deep(structuredClone(x)))];
  return raw ? [...forms, tryIt(() => deep(x, false))] : forms;
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * Prints a role object with its native client shown as a placeholder: `getNativeClient()`'s
 * object holds the credentials (the one documented exception), everything else must not. The
 * placeholder is an own `inspect.custom`/`toJSON` on the native object, removed afterwards; so
 * the `customInspect: false` form, which would walk into it, is left out.
 */
function printedRole(role: { getNativeClient(): unknown }): string[] {
  const native = role.getNativeClient();
  if (typeof native !== "object" || native === null) return printed(role, { raw: false });
  const keys = [INSPECT, "toJSON"] as const;
  const saved = keys.map((k) => Object.getOwnPropertyDescriptor(native, k));
  try {
    for (const k of keys) Object.defineProperty(native, k, { value: () => "[native client]", configurable: true, writable: true });
  } catch {
    return printed(role, { raw: false }); // a frozen native object: printed as it is
  }
  try {
    return printed(role, { raw: false });
  } finally {
    keys.forEach((k, i) => (saved[i] ? Object.defineProperty(native, k, saved[i]) : delete (native as Record<PropertyKey, unknown>)[k]));
  }
}

/** The text of every file under `dir` (the run's reports so far: vitest JSON, broker logs, bench). */
function filesUnder(dir: string): [string, string][] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name): [string, string][] => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [[path, readFileSync(path, "utf8")]];
  });
}

/** Secrets group: passwords kept out of everything printable, on every connector. */
export const secretTests = defineGroup<ReliabilityOptions>("secrets", ({ test, options }) => {
  test("neither the right nor a wrong SASL password is in the printed client, roles, errors, debug log, output or reports/", async (bed) => {
    const sasl = options.sasl?.();
    if (!sasl) throw new Error("the suite was given no SASL endpoint (options.sasl)");
    const { username, password: right } = sasl.plain;
    const wrong = `qi-wrong-${bed.name("pw")}`;
    const lines: string[] = [];
    // Every level, debug included, with its fields printed in full.
    const line = (level: string) => (message: string, meta?: Record<string, unknown>) => void lines.push(`${level} ${message} ${inspect(meta, { depth: Infinity })}`);
    const logger: Logger = { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
    const config = (password: string) => ({ brokers: sasl.brokers, ...TIMEOUTS, logger, security: { sasl: { mechanism: "plain" as const, username, password } } });
    const texts: [string, string][] = [];
    const nativeHolders = new Set<string>();
    // Printed while connected: some drivers let go of their native client on disconnect.
    const look = (name: string, x: unknown): void => void texts.push(...printed(x).map((t, i): [string, string] => [`${name} #${i}`, t]));
    // A client printed with `customInspect: false` walks into its roles and their native clients:
    // checked only where no native client prints the password.
    const rawClients: [string, string][] = [];
    const lookClient = (name: string, client: unknown): void => {
      texts.push(...printed(client, { raw: false }).map((t, i): [string, string] => [`${name} #${i}`, t]));
      rawClients.push([`${name} (customInspect: false)`, inspect(client, { depth: Infinity, showHidden: true, customInspect: false })]);
    };
    const lookRole = (name: string, role: { getNativeClient(): unknown }): void => {
      texts.push(...printedRole(role).map((t, i): [string, string] => [`${name} #${i}`, t]));
      // The exception itself, measured: whether the native object prints the password.
      const native = inspect(role.getNativeClient(), { depth: Infinity, showHidden: true });
      if (native.includes(right) || native.includes(wrong)) nativeHolders.add(name);
    };

    const { output } = await captureOutput(async () => {
      const good = bed.client(config(right));
      const admin = must(await good.getAdmin());
      must(await admin.connect());
      const topic = bed.name("secrets");
      must(await admin.createTopics([{ topic }]));
      const producer = must(await good.getProducer());
      must(await producer.connect());
      must(await producer.send(topic, { value: "x" }));
      const errors: QiError[] = [];
      const consumer = must(await good.getConsumer({ groupId: bed.name("g"), onError: (e) => void errors.push(e) }));
      let received = 0;
      must(await consumer.connect());
      must(await consumer.subscribe({ topics: [topic], fromBeginning: true }));
      must(await consumer.run({ eachMessage: () => void received++ }));
      await bed.waitFor(() => received > 0, "the message");
      errors.push(mustFail(await producer.send(topic, { value: "x", partition: 99 })), mustFail(await admin.getTopicMetadata([bed.name("missing")])));
      lookClient("client", good);
      look("client.config", good.config);
      lookRole("producer", producer);
      lookRole("consumer", consumer);
      lookRole("admin", admin);

      const bad = bed.client(config(wrong));
      const [badAdmin, badProducer, badConsumer] = [must(await bad.getAdmin()), must(await bad.getProducer()), must(await bad.getConsumer({ groupId: bed.name("g") }))];
      // Some clients connect lazily (a consumer may only fail at run()): keep the errors there are.
      for (const role of [badAdmin, badProducer, badConsumer]) {
        const connected = await role.connect();
        if (connected.isErr()) errors.push(connected.error);
      }
      lookClient("wrong client", bad);
      lookRole("wrong admin", badAdmin);
      lookRole("wrong producer", badProducer);
      lookRole("wrong consumer", badConsumer);
      errors.forEach((e, i) => look(`error ${i} (${e.code})`, e));
      expect(errors.filter((e) => e.category === "AUTHENTICATION").length).toBeGreaterThanOrEqual(2);
      must(await good.disconnect());
      must(await bad.disconnect());
    });

    if (nativeHolders.size === 0) texts.push(...rawClients);
    texts.push(["log", lines.join("\n")], ["bed log", bed.logs.join("\n")], ["stdout/stderr", output], ...filesUnder(join(process.cwd(), "reports")));
    // Where a secret was found, not the text around it.
    const leaks = texts.filter(([, t]) => t.includes(right) || t.includes(wrong)).map(([where]) => where);
    expect(leaks).toEqual([]);
    const native = nativeHolders.size > 0 ? `; the getNativeClient() object of ${[...nativeHolders].join(", ")} prints it (the documented exception; so does the client printed with customInspect: false, which walks into it)` : "";
    bed.report(`secrets: ${texts.length} printed forms and files searched, ${lines.length} log lines, no password found${native}`);
  }, { needs: ["sasl"], timeout: 60_000 });
});
