/**
 * The test broker's configuration: free loopback ports, SASL users, and `server.properties` for one
 * KRaft node that is both broker and controller.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";

/** A SASL user name and password. */
export interface SaslCredentials {
  /** The user name. */
  username: string;
  /** The password; never logged. */
  password: string;
}

/** The three listener ports of one broker. */
export interface BrokerPorts {
  /** PLAINTEXT: the plain bootstrap address, and the inter-broker listener. */
  plaintext: number;
  /** SASL_PLAINTEXT with PLAIN and SCRAM-SHA-256. */
  sasl: number;
  /** The KRaft controller listener (not for clients). */
  controller: number;
}

/** Everything `server.properties` is rendered from. */
export interface BrokerConfigInput {
  /** The listener ports. */
  ports: BrokerPorts;
  /** `log.dirs` (also the KRaft metadata log). */
  logDir: string;
  /** The SASL/PLAIN user. */
  plain: SaslCredentials;
  /** The SCRAM-SHA-256 user. */
  scram256: SaslCredentials;
  /** Whether producing to / fetching metadata of a missing topic creates it. Tests expect `false`. */
  autoCreateTopics: boolean;
  /** Partitions of `__consumer_offsets` and `__transaction_state` (Kafka's default is 50). */
  internalTopicPartitions: number;
  /** Extra or overriding broker properties, written last. */
  extra: Record<string, string | number | boolean>;
}

/**
 * One free TCP port on 127.0.0.1, found by binding port 0 and closing again. Another process can
 * take it in between; the broker start retries on "Address already in use" for that reason.
 */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error("no port from the OS"))));
    });
  });
}

/** Three distinct free loopback ports. */
export async function freePorts(): Promise<BrokerPorts> {
  const seen = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!seen.has(p)) {
        seen.add(p);
        return p;
      }
    }
  };
  return { plaintext: await next(), sasl: await next(), controller: await next() };
}

/**
 * A KRaft cluster id: 16 random bytes in unpadded base64url (22 characters), as Kafka's
 * `Uuid.randomUuid()` makes them. Kafka refuses ids that start with "-" (they read as options).
 */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-") && !/^A{21}[AQgw]$/.test(id)) return id;
  }
}

/** A random password that needs no quoting in JAAS or in StorageTool's `--add-scram` syntax. */
export function randomPassword(): string {
  return randomBytes(18).toString("hex");
}

/** Fresh users for the SASL listener: one for PLAIN, one for SCRAM-SHA-256. */
export function defaultCredentials(): { plain: SaslCredentials; scram256: SaslCredentials } {
  return {
    plain: { username: "qi-plain", password: randomPassword() },
    scram256: { username: "qi-scram", password: randomPassword() },
  };
}

// JAAS and `--add-scram` have their own quoting rules; rather than escape, accept only what needs none.
const SAFE = /^[A-Za-z0-9._@+-]+$/;

/** Throws unless the user name and password are safe to write into JAAS and StorageTool arguments. */
export function assertSafeCredentials(c: SaslCredentials, what: string): void {
  if (!SAFE.test(c.username) || !SAFE.test(c.password)) {
    throw new Error(`${what} credentials may contain only letters, digits and . _ @ + - (no quoting is done)`);
  }
}

/** The StorageTool argument that creates the SCRAM user in the metadata log at format time. */
export function scramFormatArgument(c: SaslCredentials): string {
  return `SCRAM-SHA-256=[name=${c.username},password=${c.password}]`;
}

/**
 * Renders `server.properties`. The values are the ones a single-node test cluster needs: every
 * internal topic at replication factor 1 and min ISR 1 (the defaults of 3 would leave groups and
 * transactions unavailable forever), no initial rebalance delay (tests would wait 3 s per group),
 * and 127.0.0.1 advertised rather than "localhost" (which may resolve to ::1 first and miss).
 */
export function renderServerProperties(c: BrokerConfigInput): string {
  assertSafeCredentials(c.plain, "PLAIN");
  assertSafeCredentials(c.scram256, "SCRAM-SHA-256");
  const { plaintext, sasl, controller } = c.ports;
  const props: Record<string, string | number | boolean> = {
    "process.roles": "broker,controller",
    "node.id": 1,
    "controller.quorum.voters": `1@127.0.0.1:${controller}`,
    listeners: `PLAINTEXT://127.0.0.1:${plaintext},SASL_PLAINTEXT://127.0.0.1:${sasl},CONTROLLER://127.0.0.1:${controller}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${plaintext},SASL_PLAINTEXT://127.0.0.1:${sasl}`,
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
    "inter.broker.listener.name": "PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "log.dirs": c.logDir,

    // SASL on its own listener only. Each mechanism gets its login module per listener, so no JAAS file.
    "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256",
    "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256",
    "listener.name.sasl_plaintext.plain.sasl.jaas.config":
      `org.apache.kafka.common.security.plain.PlainLoginModule required ` +
      `username="${c.plain.username}" password="${c.plain.password}" user_${c.plain.username}="${c.plain.password}";`,
    "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule required;",

    // One node: every internal topic at RF 1 / min ISR 1.
    "offsets.topic.replication.factor": 1,
    "offsets.topic.num.partitions": c.internalTopicPartitions,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "transaction.state.log.num.partitions": c.internalTopicPartitions,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    "default.replication.factor": 1,
    "min.insync.replicas": 1,

    "num.partitions": 1,
    "auto.create.topics.enable": c.autoCreateTopics,
    "delete.topic.enable": true,
    "group.initial.rebalance.delay.ms": 0,
    // After a SIGKILL the restarted node must wait out its own previous registration's session
    // (DuplicateBrokerRegistrationException until then): 9 s by default, 4 s here. Heartbeats every
    // 500 ms keep that safe from fencing the only broker on a busy machine.
    "broker.session.timeout.ms": 4_000,
    "broker.heartbeat.interval.ms": 500,
    // Two cores on CI: fewer threads than the defaults (3 network, 8 I/O) are plenty for tests.
    "num.network.threads": 2,
    "num.io.threads": 4,
    // Small segments keep the data dir small and retention checks cheap.
    "log.segment.bytes": 16 * 1024 * 1024,
    ...c.extra,
  };
  const lines = Object.entries(props).map(([k, v]) => `${k}=${escapeValue(String(v))}`);
  return `# Written by the qi-streaming testkit harness; regenerated on every fresh start.\n${lines.join("\n")}\n`;
}

/** java.util.Properties escaping for values: backslashes, and line breaks that would end the value. */
function escapeValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}
