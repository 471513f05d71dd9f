/**
 * `consume <topic>`: tails a topic until `--max` messages, SIGINT/SIGTERM, or a closed stdout,
 * then disconnects (commits what was printed, leaves the group) and exits 0. A message is
 * committed only once it was written out: what `--max` cut off stays unread for the group.
 */
import { randomUUID } from "node:crypto";
import type { ConsumedMessage, QiError } from "@qi/streaming";
import { flag, intOption, str, type CommandDef } from "../args.js";
import type { Context } from "../context.js";
import { EXIT, must, printable } from "../failure.js";
import type { OutputStream } from "../output.js";

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString("utf8"));

/** One message as `consume --json` prints it (bytes decoded as UTF-8). */
export function messageJson(m: ConsumedMessage): Record<string, unknown> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, v] of Object.entries(m.headers)) headers[name] = Array.isArray(v) ? v.map((b) => b.toString("utf8")) : v.toString("utf8");
  const ms = m.timestamp.getTime();
  return { topic: m.topic, partition: m.partition, offset: m.offset, key: text(m.key), value: text(m.value), headers, timestamp: Number.isNaN(ms) ? null : m.timestamp.toISOString() };
}

/** Text mode: the value (like kafka-console-consumer), with a dim partition/offset/key prefix on a terminal. */
function messageText(ctx: Context, m: ConsumedMessage): string {
  const value = text(m.value) ?? "null";
  if (!ctx.out.decorated) return value;
  const key = m.key === null ? "" : ` key=${m.key.toString("utf8")}`;
  return `${ctx.out.style("dim", `${m.topic}/${m.partition}@${m.offset}${key}`)} ${value}`;
}

/** Writes and waits for `drain` when the stream asks, so a slow reader slows the consumer, not memory. */
function write(stream: OutputStream, chunk: string, signal: AbortSignal): Promise<void> {
  if (stream.write(chunk) || !stream.once || !stream.off) return Promise.resolve();
  const on = stream.once.bind(stream);
  const off = stream.off.bind(stream);
  return new Promise((resolve) => {
    const done = (): void => {
      off("drain", done);
      off("close", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    on("drain", done);
    on("close", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

const untilAborted = (signal: AbortSignal): Promise<void> =>
  signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

/** The `consume` command. */
export const consumeCommand: CommandDef = {
  path: ["consume"],
  args: ["<topic>"],
  summary: "print a topic's messages as they arrive, until --max or Ctrl-C",
  details: [
    "Without --group, a throwaway group that commits nothing (so it leaves nothing behind).",
    "Text: one value per line. --json: {topic, partition, offset, key, value, headers, timestamp} per line.",
    "Example: qi-streaming consume orders --group audit --from-beginning --max 10 --json",
  ],
  handlesSignal: true,
  options: {
    group: { type: "string", value: "G", help: "consumer group (commits what it printed)" },
    "from-beginning": { type: "boolean", help: "start at the earliest offset where the group has committed none" },
    json: { type: "boolean", help: "print JSON lines instead of values" },
    max: { type: "string", value: "N", help: "stop after N messages" },
  },
  async run(ctx, parsed) {
    const topic = parsed.args[0]!;
    const max = intOption(parsed, "max", 1);
    const named = str(parsed, "group");
    const json = flag(parsed, "json");
    // The consumer is stopped by our own controller: on the signal, on --max, on a closed stdout.
    const stopping = new AbortController();
    const stop = (): void => stopping.abort();
    ctx.signal.addEventListener("abort", stop, { once: true });
    let fatal: QiError | undefined;
    const consumer = must(
      await ctx.streamingClient().getConsumer({
        groupId: named ?? `qi-streaming-cli-${randomUUID()}`,
        autoCommit: named !== undefined,
        onError: (e) => ctx.out.note(`${e.category} ${e.code}: ${e.message}`, "warn"),
      }),
    );
    const fail = ({ error }: { error: QiError }): void => {
      fatal ??= error;
      stop();
    };
    consumer.on("crashed", fail);
    consumer.on("stopped", fail);
    // A reader that went away (`| head`): stop, as on Ctrl-C.
    ctx.io.stdout.on?.("error", stop);

    let seen = 0;
    const handle = async (m: ConsumedMessage, signal: AbortSignal): Promise<void> => {
      if (max !== undefined && seen >= max) {
        // Past --max: hold the message until the consumer stops, then fail it, so it is not committed.
        await untilAborted(signal);
        throw new Error("past --max");
      }
      seen++;
      await write(ctx.io.stdout, `${json ? JSON.stringify(messageJson(m)) : messageText(ctx, m)}\n`, stopping.signal);
      if (seen === max) stop();
    };
    try {
      must(await consumer.connect());
      must(await consumer.subscribe({ topics: [topic], ...(flag(parsed, "from-beginning") ? { fromBeginning: true } : {}) }));
      const running = consumer.run({ eachMessage: (m, { signal }) => handle(m, signal) });
      // Joining takes seconds on Kafka: a Ctrl-C meanwhile stops at once.
      const joined = await Promise.race([running, untilAborted(stopping.signal).then(() => undefined)]);
      if (joined !== undefined) must(joined);
      await untilAborted(stopping.signal);
    } finally {
      ctx.signal.removeEventListener("abort", stop);
      ctx.io.stdout.off?.("error", stop);
    }
    must(await consumer.disconnect());
    if (ctx.out.decorated) ctx.io.stderr.write(`consumed ${seen} message${seen === 1 ? "" : "s"}\n`);
    if (fatal) {
      ctx.out.error(printable(fatal));
      return EXIT.failed;
    }
    return EXIT.ok;
  },
};
