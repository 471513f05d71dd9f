/**
 * Making sure no broker outlives the test run that started it, however the run ends.
 *
 * Three layers, each covering what the one before cannot:
 * 1. `exit` / SIGINT / SIGTERM / SIGHUP handlers in this process SIGKILL every live broker
 *    synchronously (a normal end, an uncaught error, Ctrl-C).
 * 2. A tiny detached-free "reaper" node process per broker watches this process: if this process
 *    is SIGKILLed (no handler runs), the reaper's stdin pipe closes and it is re-parented, and it
 *    stops the broker (SIGTERM, then SIGKILL after 10 s).
 * 3. Every broker's data dir holds `kafka.pid` and `owner.pid`; the next start sweeps dirs whose
 *    owner is gone and kills a broker still running there (if even the reaper was killed).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Brokers of this process that are running now, by pid. */
const live = new Map<number, ChildProcess>();
let handlersInstalled = false;

/** True when a process with this pid exists (EPERM: it exists but is not ours). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** SIGKILLs every live broker of this process, synchronously (safe inside an `exit` handler). */
export function killAllSync(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllSync();
  // Installing a listener switched off Node's default "exit on this signal". If nobody else
  // listens (vitest may), restore the default and re-raise, so Ctrl-C still ends the process.
  if (process.listenerCount(signal) <= 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAllSync);
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onSignal);
}

/** Records a running broker so the exit and signal handlers kill it. */
export function track(child: ChildProcess): void {
  if (child.pid === undefined) return;
  installHandlers();
  const pid = child.pid;
  live.set(pid, child);
  child.once("exit", () => live.delete(pid));
}

/** Forgets a broker that has exited or is being stopped on purpose. */
export function untrack(pid: number | undefined): void {
  if (pid !== undefined) live.delete(pid);
}

// The reaper, run with `node -e`: argv = [node, ownerPid, targetPid]. Kept inline so it survives
// bundling. It ignores SIGINT/SIGHUP (they go to the whole terminal process group, and the owner
// handles those), exits on SIGTERM (the owner dismissing it), and exits once the target is gone.
const REAPER_SOURCE = `
const owner = Number(process.argv[1]), target = Number(process.argv[2]);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === "EPERM"; } };
let reaping = false;
function reap() {
  if (reaping) return; reaping = true;
  try { process.kill(target, "SIGTERM"); } catch {}
  const t0 = Date.now();
  setInterval(() => {
    if (!alive(target)) process.exit(0);
    if (Date.now() - t0 > 10000) { try { process.kill(target, "SIGKILL"); } catch {} process.exit(0); }
  }, 100);
}
process.on("SIGINT", () => {}); process.on("SIGHUP", () => {});
process.on("SIGTERM", () => process.exit(0));
process.stdin.on("end", reap); process.stdin.on("error", reap); process.stdin.resume();
setInterval(() => {
  if (reaping) return;
  if (!alive(target)) process.exit(0);
  if (process.ppid !== owner || !alive(owner)) reap();
}, 500);
`;

/**
 * Starts the reaper for one broker. Its stdin is a pipe from this process that is never written:
 * the kernel closes it when this process dies in any way, SIGKILL included, which wakes the reaper
 * at once; a 500 ms parent-pid poll backs that up. Both handles are unref'd so the reaper never
 * keeps this process alive.
 */
export function spawnReaper(targetPid: number): ChildProcess {
  const reaper = spawn(process.execPath, ["-e", REAPER_SOURCE, String(process.pid), String(targetPid)], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: false,
    env: {},
  });
  reaper.on("error", () => {
    /* best effort: layers 1 and 3 still hold */
  });
  (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  reaper.unref();
  return reaper;
}

/** Dismisses a reaper whose broker was stopped on purpose. */
export function dismissReaper(reaper: ChildProcess | undefined): void {
  if (!reaper || reaper.exitCode !== null || reaper.signalCode !== null) return;
  try {
    reaper.kill("SIGTERM");
  } catch {
    /* gone */
  }
  reaper.stdin?.destroy();
}

/** The folder-name prefix of broker data dirs, so the sweep finds them. */
export const DATA_DIR_PREFIX = "qi-kafka-";

const readPid = (file: string): number | undefined => {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
};

/** True when `pid` is a harness broker (checked through /proc where there is one). */
function isHarnessBroker(pid: number): boolean {
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync("/proc/self")) return true;
  try {
    const cmd = readFileSync(cmdline, "utf8");
    return cmd.includes("kafka.Kafka") && cmd.includes("qi.streaming.testkit");
  } catch {
    return false;
  }
}

/**
 * Sweeps `parent` (the temp dir by default) for data dirs left by runs whose owner process is gone:
 * kills their broker if it still runs, and deletes the dir. Returns how many dirs it removed.
 */
export function sweepStaleBrokers(parent = tmpdir()): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(parent).filter((e) => e.startsWith(DATA_DIR_PREFIX));
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const dir = join(parent, entry);
    const owner = readPid(join(dir, "owner.pid"));
    if (owner === undefined || isAlive(owner)) continue;
    const broker = readPid(join(dir, "kafka.pid"));
    if (broker !== undefined && isAlive(broker) && isHarnessBroker(broker)) {
      try {
        process.kill(broker, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
