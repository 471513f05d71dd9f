/**
 * What the client's KafkaJS-style admin lacks, from the library's lower-level `AdminClient`:
 * adding partitions, and the cluster's brokers, id and controller. librdkafka reads the cluster
 * id and the controller from every metadata response but no call of the library returns them;
 * it logs them (debug context `metadata`: "ClusterId: <id>, ControllerId: <n>"), so the client
 * made for `describeCluster` reads them from that line.
 *
 * One short-lived client per call (these are rare operations), closed once its call returned:
 * nothing is left in flight, and the KafkaJS admin's own client is not made verbose.
 */
import type { ClusterDescription, ResolvedConfig } from "@qi/streaming/connector";
import { routeLogs, type LogLevel } from "./logs.js";
import { lowLevelAdmin, severityLevel, type LowLevelAdmin, type LowLevelMetadata, type Session } from "./native.js";

/** The line librdkafka logs for each metadata response (rdkafka_metadata.c). */
const METADATA_IDS = /ClusterId: ([^,]*), ControllerId: (-?\d+)/;
/** ms to wait for that line once the metadata call returned (it comes first, as a rule). */
const LINE_GRACE_MS = 1000;

/**
 * Runs `call` on a lower-level admin client made for it, then closes the client. Its log lines
 * go where the other clients' go (the session sees them: a wrong password fails the call at
 * once); its debug lines also go to `onDebug`.
 */
async function withLowerAdmin<T>(config: ResolvedConfig, session: Session, call: (admin: LowLevelAdmin) => Promise<T>, debug?: { contexts: string; onDebug: (line: string) => void }): Promise<T> {
  return session.call(async () => {
    const admin = lowLevelAdmin(config, debug ? debugProperties(config, debug.contexts) : {});
    const logger = routeLogs(config.logger, (level, m) => session.observe(level, m)) as Record<LogLevel, (message: string, extra?: object) => void>;
    admin.on("event.log", (log) => {
      if (log.severity >= 7) debug?.onDebug(log.message);
      const level = severityLevel(log.severity);
      if (level) logger[level](log.message, { fac: log.fac });
    });
    // An `error` nobody listens to throws; what the call fails with is its own error.
    admin.on("event.error", () => {}).on("error", () => {});
    try {
      return await call(admin);
    } finally {
      admin.removeAllListeners();
      try {
        admin.disconnect();
      } catch {
        // Nothing is left to close.
      }
    }
  });
}

/** librdkafka's `debug` with `contexts` added to what the user's options set, and the level that logs it. */
function debugProperties(config: ResolvedConfig, contexts: string): Record<string, unknown> {
  const own = config.options["debug"];
  return { debug: typeof own === "string" && own.length > 0 ? `${own},${contexts}` : contexts, log_level: 7 };
}

/** Raises `topic`'s partition count to `count` (librdkafka CreatePartitions). */
export function createPartitions(config: ResolvedConfig, session: Session, topic: string, count: number): Promise<void> {
  return withLowerAdmin(config, session, (admin) => new Promise<void>((resolve, reject) => admin.createPartitions(topic, count, config.requestTimeout, (error) => (error ? reject(error) : resolve()))));
}

/** The brokers of a metadata response, and the cluster id and controller librdkafka logged for it. */
export async function describeCluster(config: ResolvedConfig, session: Session): Promise<ClusterDescription> {
  let ids: { clusterId: string | null; controller: number | null } | undefined;
  let seen: (() => void) | undefined;
  const onDebug = (line: string) => {
    const m = METADATA_IDS.exec(line);
    if (!m) return;
    const controller = Number(m[2]);
    ids = { clusterId: m[1] ? m[1] : null, controller: controller >= 0 ? controller : null };
    seen?.();
  };
  const metadata = await withLowerAdmin(
    config,
    session,
    async (admin) => {
      const md = await new Promise<LowLevelMetadata>((resolve, reject) => admin.getMetadata({ allTopics: false, timeout: config.requestTimeout }, (error, m) => (error || !m ? reject(error ?? new Error("no metadata")) : resolve(m))));
      if (!ids) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          seen = resolve;
          timer = setTimeout(resolve, LINE_GRACE_MS);
        });
        clearTimeout(timer);
      }
      return md;
    },
    { contexts: "metadata", onDebug },
  );
  return {
    clusterId: ids?.clusterId ?? null,
    controller: ids?.controller ?? null,
    brokers: metadata.brokers.map((b) => ({ nodeId: b.id, host: b.host, port: b.port })),
  };
}
