// runCli in process, on buffers: what a test sees is exactly what a terminal or a pipe would get.
import { randomUUID } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { runCli } from "../src/index.js";

/** What one run printed and returned. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** A writable that keeps what it is given; `isTTY` to pretend to be a terminal. */
export class Capture extends Writable {
  text = "";
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Options of one run. */
export interface RunOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  tty?: boolean;
  signal?: AbortSignal;
}

/** Runs the CLI in this process (memory connector unless env says otherwise). */
export async function cli(argv: string[], options: RunOptions = {}): Promise<Ran> {
  const stdout = new Capture(options.tty ?? false);
  const stderr = new Capture(options.tty ?? false);
  const code = await runCli(argv, {
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout,
    stderr,
    env: options.env ?? {},
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A fresh name: the memory cluster is shared by every run of this process. */
export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** One line of `consume --json`. */
export interface Line {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string | string[]>;
  timestamp: string;
}

/** The JSON lines of a `consume --json` output. */
export const lines = (stdout: string): Line[] => stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line);
