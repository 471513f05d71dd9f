/**
 * Starting, stopping, killing and restarting one real Apache Kafka node (KRaft, broker+controller)
 * for tests, on free loopback ports, with a PLAINTEXT and a SASL_PLAINTEXT listener.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultCredentials, freePorts, randomClusterId, renderServerProperties, scramFormatArgument, type BrokerPorts } from "./config.js";
import { kafkaApiVersions } from "./probe.js";
import { checkJava, harnessPaths, javaBinary, KafkaHarnessError, provisionKafka } from "./provision.js";
import { DATA_DIR_PREFIX, dismissReaper, spawnReaper, sweepStaleBrokers, track, untrack } from "./reaper.js";
import type { LocalKafkaBroker, StartKafkaOptions, StopOptions } from "./types.js";

export type { KafkaBroker, LocalKafkaBroker, StartKafkaOptions, StopOptions } from "./types.js";

const STARTED = "Kafka Server started";

/** The last `lines` lines of a file, or "" if it cannot be read. */
function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

const sizeOf = (file: string): number => (existsSync(file) ? statSync(file).size : 0);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when the child exits (or at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once("exit", () => r()));
}

/** Waits for the child to exit, up to `ms`; true if it did. A ref'd timer keeps Node alive meanwhile. */
async function exitedWithin(child: ChildProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const ok = await Promise.race([exited(child).then(() => true as const), timeout]);
  clearTimeout(timer);
  return ok;
}

class PortInUse extends Error {}

/**
 * Starts a fresh single-node Kafka (provisioning it with Maven first if the cache is empty) and
 * resolves once it is ready: the log says "Kafka Server started" and both client listeners answer a
 * Kafka ApiVersions request. Rejects with a {@link KafkaHarnessError} naming what to install when
 * Java 17+ or Maven is missing, or with the broker log's tail when the broker does not come up.
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<LocalKafkaBroker> {
  const say = options.log ?? ((line: string) => process.stderr.write(`[kafka-harness] ${line}\n`));
  checkJava();
  const provisioned = provisionKafka({ ...(options.version ? { version: options.version } : {}) });
  if (provisioned.downloaded) say(`fetched Apache Kafka ${provisioned.version} in ${(provisioned.millis / 1000).toFixed(1)} s`);
  if (!options.parentDir) sweepStaleBrokers();

  const { repoRoot, log4jConfig } = harnessPaths();
  const version = provisioned.version;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  const defaults = defaultCredentials();
  const credentials = { plain: options.credentials?.plain ?? defaults.plain, scram256: options.credentials?.scram256 ?? defaults.scram256 };

  const dataDir = mkdtempSync(join(options.parentDir ?? tmpdir(), DATA_DIR_PREFIX));
  // Written first, so a sweep by another run never mistakes this half-made dir for an orphan.
  writeFileSync(join(dataDir, "owner.pid"), `${process.pid}\n`);
  const logsDir = join(dataDir, "logs");
  const logFile = join(logsDir, "server.log");
  const consoleFile = join(logsDir, "console.log");
  const propsFile = join(dataDir, "server.properties");
  const pidFile = join(dataDir, "kafka.pid");
  const classPath = join(provisioned.libDir, "*");
  const jvmLogArgs = [`-Dlog4j2.configurationFile=${log4jConfig}`, `-Dkafka.logs.dir=${logsDir}`];

  let ports: BrokerPorts = { plaintext: 0, sasl: 0, controller: 0 };
  let child: ChildProcess | undefined;
  let reaper: ChildProcess | undefined;
  let removed = false;

  /** Writes server.properties on new ports and formats a fresh metadata log with the SCRAM user. */
  const configureAndFormat = async (): Promise<void> => {
    ports = await freePorts();
    const kraftDir = join(dataDir, "kraft");
    rmSync(kraftDir, { recursive: true, force: true });
    mkdirSync(logsDir, { recursive: true });
    writeFileSync(
      propsFile,
      renderServerProperties({
        ports,
        logDir: kraftDir,
        ...credentials,
        autoCreateTopics: options.autoCreateTopics ?? false,
        internalTopicPartitions: options.internalTopicPartitions ?? 5,
        extra: options.serverProperties ?? {},
      }),
      { mode: 0o600 },
    );
    const r = spawnSync(
      javaBinary(),
      [...jvmLogArgs, "-cp", classPath, "kafka.tools.StorageTool", "format", "-t", randomClusterId(), "-c", propsFile, "--add-scram", scramFormatArgument(credentials.scram256)],
      { encoding: "utf8", timeout: 120_000 },
    );
    if (r.error || r.status !== 0) {
      // The arguments hold the SCRAM password: report the output, never the command line.
      throw new KafkaHarnessError(`kafka.tools.StorageTool format failed (${r.error?.message ?? `exit ${r.status}`}):\n${`${r.stdout}${r.stderr}`.trim()}\n${tail(logFile)}`);
    }
  };

  /** Spawns the broker JVM (no shell, so signals reach java itself) and waits until it is ready. */
  const launch = async (): Promise<void> => {
    const logOffset = sizeOf(logFile);
    const consoleFd = openSync(consoleFile, "a");
    const heap = options.heapMb ?? 512;
    const jvm = [`-Xmx${heap}m`, `-Xms${Math.min(heap, 256)}m`, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData", "-Djava.awt.headless=true", "-Dqi.streaming.testkit=1"];
    try {
      child = spawn(javaBinary(), [...jvm, ...jvmLogArgs, "-cp", classPath, "kafka.Kafka", propsFile], {
        stdio: ["ignore", consoleFd, consoleFd],
        detached: false,
        cwd: dataDir,
      });
    } finally {
      closeSync(consoleFd);
    }
    const proc = child;
    const spawnError = new Promise<Error>((r) => proc.once("error", r));
    if (proc.pid === undefined) throw new KafkaHarnessError(`cannot start java: ${(await spawnError).message}`);
    // unref: a script that forgets stop() still ends; the exit handler then kills the broker.
    proc.unref();
    track(proc);
    writeFileSync(pidFile, `${proc.pid}\n`);
    reaper = spawnReaper(proc.pid);

    const deadline = Date.now() + startTimeoutMs;
    const fail = async (why: string): Promise<never> => {
      await hardStop();
      const stdout = tail(consoleFile, 15);
      throw new KafkaHarnessError(`Kafka broker ${why}.\n--- ${logFile} (tail) ---\n${tail(logFile)}${stdout ? `\n--- ${consoleFile} (tail) ---\n${stdout}` : ""}`);
    };
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        const text = readFileSync(logFile, "utf8").slice(logOffset) + tail(consoleFile, 50);
        if (/BindException|Address already in use/.test(text)) {
          await hardStop();
          throw new PortInUse();
        }
        return fail(`exited during start-up (${proc.exitCode ?? proc.signalCode})`);
      }
      if (Date.now() > deadline) return fail(`was not ready within ${startTimeoutMs / 1000} s`);
      let started = false;
      try {
        started = readFileSync(logFile).subarray(logOffset).includes(STARTED);
      } catch {
        /* log not created yet */
      }
      if (started) {
        try {
          await kafkaApiVersions("127.0.0.1", ports.plaintext);
          await kafkaApiVersions("127.0.0.1", ports.sasl);
          return;
        } catch {
          /* listeners not answering yet: poll again */
        }
      }
      await sleep(200);
    }
  };

  /** SIGKILL and wait for the exit. */
  const hardStop = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    untrack(proc.pid);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await exitedWithin(proc, 10_000);
    dismissReaper(reaper);
    child = undefined;
    rmSync(pidFile, { force: true });
  };

  /** SIGTERM (Kafka's controlled shutdown), then SIGKILL after `stopTimeoutMs`. */
  const softStop = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      if (!(await exitedWithin(proc, stopTimeoutMs))) say(`broker did not stop within ${stopTimeoutMs / 1000} s of SIGTERM; killing it`);
    }
    await hardStop();
  };

  /** Deletes the data dir, first copying the log to reports/ if asked; returns the copy's path. */
  const removeDataDir = (keepLogs: boolean): string | undefined => {
    if (removed) return undefined;
    removed = true;
    let kept: string | undefined;
    if (keepLogs) {
      const reports = join(repoRoot, "reports");
      mkdirSync(reports, { recursive: true });
      kept = join(reports, "kafka-broker.log");
      if (existsSync(logFile)) copyFileSync(logFile, kept);
      const consoleText = existsSync(consoleFile) ? readFileSync(consoleFile, "utf8") : "";
      if (consoleText.trim()) writeFileSync(kept, `\n--- broker stdout/stderr (${consoleFile}) ---\n${consoleText}`, { flag: "a" });
      say(`broker log kept at ${kept}`);
    }
    rmSync(dataDir, { recursive: true, force: true });
    return kept;
  };

  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await configureAndFormat();
      await launch();
      break;
    } catch (e) {
      if (e instanceof PortInUse && attempt < 3) {
        await hardStop();
        say(`a port was taken while the broker started; retrying on new ports`);
        continue;
      }
      await hardStop();
      const kept = removeDataDir(true);
      if (e instanceof Error && kept) e.message += `\n(the whole broker log is kept at ${kept})`;
      throw e;
    }
  }
  say(`Apache Kafka ${version} ready in ${((Date.now() - started) / 1000).toFixed(1)} s: PLAINTEXT 127.0.0.1:${ports.plaintext}, SASL_PLAINTEXT 127.0.0.1:${ports.sasl}`);

  return {
    external: false,
    brokers: [`127.0.0.1:${ports.plaintext}`],
    saslBrokers: [`127.0.0.1:${ports.sasl}`],
    credentials,
    logFile,
    dataDir,
    version,
    ports,
    get pid() {
      return child?.pid;
    },
    async stop(stopOptions: StopOptions = {}) {
      await softStop();
      removeDataDir(stopOptions.keepLogs ?? false);
    },
    async kill() {
      await hardStop();
    },
    async restart() {
      if (removed) throw new KafkaHarnessError("restart() after stop(): the broker's data is gone; start a new one");
      await softStop();
      const t0 = Date.now();
      try {
        await launch();
      } catch (e) {
        if (e instanceof PortInUse) throw new KafkaHarnessError(`cannot restart the broker: one of its ports (${Object.values(ports).join(", ")}) was taken by another process`);
        throw e;
      }
      say(`Apache Kafka restarted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    },
  };
}
