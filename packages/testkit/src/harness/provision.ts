/**
 * Provisioning: where the testkit's Kafka broker comes from.
 *
 * Apache Kafka is fetched from Maven Central with Maven (`kafka/pom.xml` beside this package's
 * `src`), and every runtime jar is copied into one cache folder. Once that folder is complete a
 * marker file is written, so later runs need neither Maven nor the network; a copy that was cut
 * short (no marker) is done again from scratch.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** An environment problem the harness cannot work around (no Java, no Maven, a failed download). */
export class KafkaHarnessError extends Error {
  /** Always `"KafkaHarnessError"`. */
  override readonly name = "KafkaHarnessError";
}

/** What to install, said once, in every "cannot start a broker" error. */
export const INSTALL_HINT =
  "Install Java 17+ and Maven (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless maven`), " +
  "or set KAFKA_BROKERS=host:port[,host:port] to test against an existing Kafka cluster.";

/** Where the harness's own files are. */
export interface HarnessPaths {
  /** The testkit package folder (holds `kafka/pom.xml`). */
  packageDir: string;
  /** The monorepo root (holds `pnpm-workspace.yaml`); falls back to two levels above the package. */
  repoRoot: string;
  /** The Maven pom that names the Kafka jars. */
  pom: string;
  /** The log4j2 configuration the broker is started with. */
  log4jConfig: string;
}

/** Walks up from `start` until `probe(dir)` is true. */
function findUp(start: string, probe: (dir: string) => boolean): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (probe(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

let cachedPaths: HarnessPaths | undefined;

/**
 * Locates the package and repo folders. Searched upward (rather than a fixed `../..`) so the same
 * code works from `src/harness/*.ts` under tsx/vitest and from a bundled `dist/index.js`.
 */
export function harnessPaths(): HarnessPaths {
  if (cachedPaths) return cachedPaths;
  // import.meta.url is empty in a CJS bundle; the working directory is the next best start.
  let here = process.cwd();
  try {
    if (import.meta.url) here = dirname(fileURLToPath(import.meta.url));
  } catch {
    /* keep cwd */
  }
  const hasPom = (d: string): boolean => existsSync(join(d, "kafka", "pom.xml"));
  const packageDir =
    findUp(here, hasPom) ??
    [join(process.cwd(), "packages", "testkit")].find(hasPom) ??
    (() => {
      throw new KafkaHarnessError(`cannot find the testkit's kafka/pom.xml above ${here}`);
    })();
  const repoRoot = findUp(packageDir, (d) => existsSync(join(d, "pnpm-workspace.yaml"))) ?? resolve(packageDir, "..", "..");
  cachedPaths = {
    packageDir,
    repoRoot,
    pom: join(packageDir, "kafka", "pom.xml"),
    log4jConfig: join(packageDir, "kafka", "log4j2.properties"),
  };
  return cachedPaths;
}

/**
 * The Kafka version to run: `QI_KAFKA_VERSION` if set, else the `kafka.version` pinned in the pom
 * (one place to change it).
 */
export function kafkaVersion(): string {
  const fromEnv = process.env.QI_KAFKA_VERSION?.trim();
  if (fromEnv) return fromEnv;
  const pom = readFileSync(harnessPaths().pom, "utf8");
  const m = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom);
  if (!m?.[1]) throw new KafkaHarnessError(`no <kafka.version> in ${harnessPaths().pom}`);
  return m[1];
}

/**
 * The cache folder of one Kafka version: `$QI_KAFKA_HOME` if set (used as is, whatever the version),
 * else `<repo>/.cache/kafka/<version>`. The jars are in its `lib` folder.
 */
export function kafkaHome(version = kafkaVersion()): string {
  const fromEnv = process.env.QI_KAFKA_HOME?.trim();
  return fromEnv ? resolve(fromEnv) : join(harnessPaths().repoRoot, ".cache", "kafka", version);
}

/** The `java` to run: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else the one on PATH. */
export function javaBinary(): string {
  const home = process.env.JAVA_HOME;
  const candidate = home ? join(home, "bin", "java") : undefined;
  return candidate && existsSync(candidate) ? candidate : "java";
}

/** Parses the major version out of `java -version` output (`"17.0.15"`, `"1.8.0_402"`, `"21"`). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m?.[1]) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

/** Checks that Java 17 or newer is present (Kafka 4's broker needs 17); returns the major version. */
export function checkJava(): number {
  const java = javaBinary();
  const r = spawnSync(java, ["-version"], { encoding: "utf8", timeout: 30_000 });
  if (r.error || r.status !== 0) {
    throw new KafkaHarnessError(`cannot run \`${java} -version\` (${r.error?.message ?? `exit ${r.status}`}). ${INSTALL_HINT}`);
  }
  const major = parseJavaMajor(`${r.stderr}\n${r.stdout}`);
  if (major === undefined || major < 17) {
    throw new KafkaHarnessError(`Kafka 4 needs Java 17 or newer; \`${java} -version\` says ${JSON.stringify(r.stderr.split("\n")[0] ?? "")}. ${INSTALL_HINT}`);
  }
  return major;
}

/** Checks that Maven runs (only needed while the jar cache is incomplete). */
export function checkMaven(): void {
  const r = spawnSync("mvn", ["-v"], { encoding: "utf8", timeout: 60_000 });
  if (r.error || r.status !== 0) {
    throw new KafkaHarnessError(`Kafka is not in the cache yet and \`mvn -v\` fails (${r.error?.message ?? `exit ${r.status}`}). ${INSTALL_HINT}`);
  }
}

/** The result of {@link provisionKafka}. */
export interface ProvisionedKafka {
  /** The Kafka version provisioned. */
  version: string;
  /** The cache folder ({@link kafkaHome}). */
  home: string;
  /** The folder of jars; the class path is `<libDir>/*`. */
  libDir: string;
  /** True when this call ran Maven; false when the cache was already complete. */
  downloaded: boolean;
  /** How long the call took. */
  millis: number;
}

const MARKER = ".complete";

/** Marker contents: enough to notice a cache made for another version by mistake. */
function markerText(version: string, jars: number): string {
  return JSON.stringify({ version, jars, at: new Date().toISOString() }) + "\n";
}

/** The version a complete cache holds, or undefined when the cache is missing or half-done. */
function markerVersion(libDir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(libDir, MARKER), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Makes sure the Kafka jars are in the cache: runs Maven only when the cache's marker is missing.
 * CI can call this on its own to pre-warm the cache (`node -e` / tsx), before any test starts.
 * Safe to call from two processes at once: each copies into its own temporary folder and the first
 * finished rename wins.
 */
export function provisionKafka(options: { version?: string; quiet?: boolean } = {}): ProvisionedKafka {
  const started = Date.now();
  const version = options.version ?? kafkaVersion();
  const home = kafkaHome(version);
  const libDir = join(home, "lib");
  const done = (downloaded: boolean): ProvisionedKafka => ({ version, home, libDir, downloaded, millis: Date.now() - started });
  if (markerVersion(libDir) === version) return done(false);

  checkMaven();
  mkdirSync(home, { recursive: true });
  const staging = join(home, `lib.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const { pom } = harnessPaths();
  if (!options.quiet) process.stderr.write(`[kafka-harness] fetching Apache Kafka ${version} with Maven into ${libDir} ...\n`);
  const r = spawnSync(
    "mvn",
    ["-B", "-q", "-Dstyle.color=never", "-f", pom, `-Dkafka.version=${version}`, "dependency:copy-dependencies", `-DoutputDirectory=${staging}`],
    { encoding: "utf8", cwd: dirname(pom), timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.error || r.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    // eslint-disable-next-line no-control-regex -- strip any ANSI colour codes Maven still emits
    const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.replace(/\u001b\[[0-9;]*m/g, "").trim().split("\n").slice(-25).join("\n");
    throw new KafkaHarnessError(
      `Maven could not fetch Apache Kafka ${version} (${r.error?.message ?? `exit ${r.status}`}).\n${tail}\n` +
        `Check that Maven Central is reachable and that version ${version} exists, or set KAFKA_BROKERS to an existing cluster.`,
    );
  }
  const jars = readdirSync(staging).filter((f) => f.endsWith(".jar"));
  if (!jars.some((j) => j.startsWith(`kafka_2.13-${version}`))) {
    rmSync(staging, { recursive: true, force: true });
    throw new KafkaHarnessError(`Maven ran but no kafka_2.13-${version}.jar landed in ${staging}`);
  }
  // The marker goes in before the rename, so a complete `lib` always carries it.
  writeFileSync(join(staging, MARKER), markerText(version, jars.length));
  // A half-done copy, or (with QI_KAFKA_HOME) another version's jars: replace them.
  if (existsSync(libDir) && markerVersion(libDir) !== version) rmSync(libDir, { recursive: true, force: true });
  try {
    renameSync(staging, libDir);
  } catch (e) {
    // Another process finished first: theirs is as good as ours.
    rmSync(staging, { recursive: true, force: true });
    if (markerVersion(libDir) !== version) throw e;
  }
  return done(true);
}
