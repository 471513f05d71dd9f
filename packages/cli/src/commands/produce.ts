/**
 * `produce <topic>`: one message per line of stdin, in order. One `sendBatch` is in flight at a
 * time and the lines read meanwhile go in the next one: a line typed at a terminal goes at once,
 * a file goes in batches (kafkajs is about ten times faster so), and unawaited single sends are
 * avoided because they may be written out of order. Reading waits while a batch is full, so stdin
 * is read no faster than the broker takes it.
 */
import { createInterface } from "node:readline";
import type { IStreamingProducer, QiError, StreamingMessage } from "@qi/streaming";
import { flag, intOption, str, strings, type CommandDef } from "../args.js";
import type { Context } from "../context.js";
import { EXIT, Failure, must, printable, usageError } from "../failure.js";
import { parseJsonLine, type Defaults, type Headers } from "./produce-input.js";

/** Most messages, and about the most bytes, of one batch (the bytes bound memory for long lines). */
const BATCH_MESSAGES = 1000;
const BATCH_BYTES = 1024 * 1024;

/** `--header k=v`, repeatable; a name given twice is sent twice (Kafka allows repeated names). */
function headerFlags(values: readonly string[]): Headers {
  const out: Record<string, string | string[]> = {};
  for (const v of values) {
    const at = v.indexOf("=");
    if (at <= 0) throw usageError(`--header takes name=value (got "${v.slice(0, 40)}")`);
    const [name, value] = [v.slice(0, at), v.slice(at + 1)];
    const had = out[name];
    out[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  return out;
}

/** Counts what was acknowledged; on a terminal, a rate line every quarter second. */
function meter(ctx: Context, topic: string): { add(n: number): void; done(): { count: number; seconds: number } } {
  const started = Date.now();
  let count = 0;
  const rate = (): string => `${Math.round(count / Math.max((Date.now() - started) / 1000, 0.001))} msg/s`;
  const timer = ctx.out.decorated ? setInterval(() => ctx.out.status(`produced ${count} to ${topic} (${rate()})`), 250) : undefined;
  timer?.unref();
  return {
    add: (n) => {
      count += n;
    },
    done: () => {
      clearInterval(timer);
      ctx.out.clearStatus();
      return { count, seconds: (Date.now() - started) / 1000 };
    },
  };
}

/** Sends what it is given in order, one batch in flight; remembers the first failure and then sends no more. */
class Sender {
  private pending: { message: StreamingMessage; bytes: number }[] = [];
  private pendingBytes = 0;
  private flight: Promise<void> | undefined;
  failure: QiError | undefined;

  constructor(
    private readonly producer: IStreamingProducer,
    private readonly topic: string,
    private readonly sent: (n: number) => void,
  ) {}

  /** Queues a message; resolves once there is room for the next (the batch being filled is not full). */
  async add(message: StreamingMessage, bytes: number): Promise<void> {
    this.pending.push({ message, bytes });
    this.pendingBytes += bytes;
    this.pump();
    while (this.flight && !this.failure && (this.pending.length >= BATCH_MESSAGES || this.pendingBytes >= BATCH_BYTES)) await this.flight;
  }

  /** Resolves once everything queued was sent (or a send failed). */
  async drain(): Promise<void> {
    while (this.flight) await this.flight;
  }

  private pump(): void {
    if (this.flight || this.failure || this.pending.length === 0) return;
    const batch = this.pending.splice(0, BATCH_MESSAGES);
    for (const b of batch) this.pendingBytes -= b.bytes;
    this.flight = (async () => {
      const r = await this.producer.sendBatch(batch.map(({ message }) => ({ topic: this.topic, message })));
      if (r.isOk()) this.sent(batch.length);
      else {
        this.failure = r.error;
        // Kafka writes partitions independently: count what this batch did write.
        this.sent(r.error.outcomes?.filter((o) => o.status === "written").length ?? 0);
      }
      this.flight = undefined;
      this.pump();
    })();
  }
}

/** The `produce` command. */
export const produceCommand: CommandDef = {
  path: ["produce"],
  args: ["<topic>"],
  summary: "send each line of stdin as a message",
  details: [
    "Text: each line is a value. --json: each line is {\"key\"?, \"value\", \"headers\"?, \"partition\"?, \"timestamp\"?};",
    "a value that is not a string or null is sent as its JSON text; blank lines are skipped.",
    "Example: printf 'a\\nb\\n' | qi-streaming produce orders --key k1 --header source=cli",
  ],
  handlesSignal: true,
  options: {
    json: { type: "boolean", help: "read JSON lines instead of text" },
    key: { type: "string", value: "K", help: "the key of every message (a JSON line's own key wins)" },
    header: { type: "string", multiple: true, value: "k=v", help: "a header on every message" },
    partition: { type: "string", value: "N", help: "send every message to this partition" },
  },
  async run(ctx, parsed) {
    const topic = parsed.args[0]!;
    const partition = intOption(parsed, "partition", 0);
    const key = str(parsed, "key");
    const defaults: Defaults = { headers: headerFlags(strings(parsed, "header")), ...(key === undefined ? {} : { key }), ...(partition === undefined ? {} : { partition }) };
    const json = flag(parsed, "json");
    const producer = must(await ctx.streamingClient().getProducer());
    must(await producer.connect());

    const lines = createInterface({ input: ctx.io.stdin, crlfDelay: Infinity });
    const stop = (): void => lines.close();
    ctx.signal.addEventListener("abort", stop, { once: true });
    const counter = meter(ctx, topic);
    const sender = new Sender(producer, topic, counter.add);
    let bad: Failure | undefined;
    let lineNo = 0;
    try {
      for await (const line of lines) {
        lineNo++;
        const message: StreamingMessage | undefined = json ? parseJsonLine(line, lineNo, defaults) : { value: line, ...defaults };
        if (message !== undefined) await sender.add(message, line.length);
        if (sender.failure) break;
      }
    } catch (error) {
      // A bad JSON line: what was sent before it stays sent.
      if (!(error instanceof Failure)) throw error;
      bad = error;
    } finally {
      ctx.signal.removeEventListener("abort", stop);
      lines.close();
    }
    await sender.drain();
    const { count, seconds } = counter.done();
    const rate = ctx.out.decorated ? ` in ${seconds.toFixed(1)} s (${Math.round(count / Math.max(seconds, 0.001))} msg/s)` : "";
    ctx.out.line(`produced ${count} message${count === 1 ? "" : "s"} to ${topic}${rate}`);
    if (sender.failure) throw new Failure(printable(sender.failure), EXIT.failed);
    if (bad) throw bad;
    return ctx.signal.aborted ? EXIT.interrupted : EXIT.ok;
  },
};
