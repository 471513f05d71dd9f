/**
 * A child process of the testkit's `child/` scripts that prints each message it finished as a
 * `partition:offset` line: the lines read so far, and a way to SIGKILL it mid-stream.
 */
import { spawn } from "node:child_process";

export interface LineChild {
  /** `partition:offset` of every message the child reported finished, in order. */
  readonly finished: string[];
  /** What the child wrote to stderr so far. */
  stderr(): string;
  /** Resolves on "close": every byte it wrote before it ended has been read. */
  readonly ended: Promise<void>;
  kill(): void;
}

/** Runs `script` with `job` in `QI_CHILD` (JSON). */
export function spawnLineChild(script: string, job: Record<string, unknown>): LineChild {
  const child = spawn(process.execPath, [script], { env: { ...process.env, QI_CHILD: JSON.stringify(job) }, stdio: ["ignore", "pipe", "pipe"] });
  const finished: string[] = [];
  let buffer = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const l of lines) if (/^\d+:\d+$/.test(l)) finished.push(l);
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<void>((r) => child.on("close", () => r()));
  return { finished, stderr: () => stderr, ended, kill: () => void child.kill("SIGKILL") };
}
