/**
 * The harness's public types: a Kafka cluster handle for tests, and the options of start and stop.
 */
import type { BrokerPorts, SaslCredentials } from "./config.js";

/** Where a Kafka cluster listens and who may log in. Holds passwords: do not log it whole. */
export interface KafkaEndpoints {
  /** True for a cluster from `KAFKA_BROKERS` (not ours to stop, kill or restart). */
  external: boolean;
  /** PLAINTEXT bootstrap addresses, e.g. `["127.0.0.1:40123"]`. */
  brokers: string[];
  /** SASL_PLAINTEXT bootstrap addresses, when there is such a listener. */
  saslBrokers: string[] | undefined;
  /** SASL users: `plain` for SASL/PLAIN, `scram256` for SCRAM-SHA-256 (when known). */
  credentials: {
    /** The SASL/PLAIN user. */
    plain?: SaslCredentials;
    /** The SCRAM-SHA-256 user. */
    scram256?: SaslCredentials;
  };
}

/** A Kafka cluster that tests can use: one the harness started, or an external one. */
export interface KafkaBroker extends KafkaEndpoints {
  /** The broker's log4j log (harness brokers only). */
  logFile: string | undefined;
  /** The broker's temporary folder: config, data, logs (harness brokers only). */
  dataDir: string | undefined;
  /** The Kafka version (harness brokers only). */
  version: string | undefined;
  /** Stops the broker and deletes its data; `keepLogs` first copies its log to `<repo>/reports/`. */
  stop(options?: StopOptions): Promise<void>;
  /** SIGKILLs the broker and leaves its data as a crash would (for crash tests; then `restart()`). */
  kill(): Promise<void>;
  /** Stops the broker if it runs (SIGTERM) and starts it again on the same ports and data. */
  restart(): Promise<void>;
}

/** A broker started by {@link startKafka}: every field is known. */
export interface LocalKafkaBroker extends KafkaBroker {
  external: false;
  saslBrokers: string[];
  credentials: {
    /** The SASL/PLAIN user. */
    plain: SaslCredentials;
    /** The SCRAM-SHA-256 user. */
    scram256: SaslCredentials;
  };
  logFile: string;
  dataDir: string;
  version: string;
  /** The broker's listener ports. */
  ports: BrokerPorts;
  /** The java process id while it runs. */
  readonly pid: number | undefined;
}

/** Options of {@link KafkaBroker.stop}. */
export interface StopOptions {
  /** Copy the broker log to `<repo>/reports/kafka-broker.log` (and say where) before deleting. */
  keepLogs?: boolean;
}

/** Options of {@link startKafka}. */
export interface StartKafkaOptions {
  /** Kafka version; default: `QI_KAFKA_VERSION`, else the pom's. */
  version?: string;
  /** `auto.create.topics.enable`; default false (tests expect producing to a missing topic to fail). */
  autoCreateTopics?: boolean;
  /** How long to wait for the broker to be ready, per start; default 120 s. */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL; default 20 s. */
  stopTimeoutMs?: number;
  /** Java heap (-Xmx) in MiB; default 512. */
  heapMb?: number;
  /** Partitions of `__consumer_offsets` / `__transaction_state`; default 5 (Kafka's 50 is slow to create on 2 cores). */
  internalTopicPartitions?: number;
  /** Extra broker properties, written last (they override the harness's). */
  serverProperties?: Record<string, string | number | boolean>;
  /** SASL users; default: `qi-plain` / `qi-scram` with random passwords. */
  credentials?: {
    /** The SASL/PLAIN user. */
    plain?: SaslCredentials;
    /** The SCRAM-SHA-256 user. */
    scram256?: SaslCredentials;
  };
  /** Where to create the data dir; default the OS temp dir. */
  parentDir?: string;
  /** Progress lines (never passwords); default: stderr. Pass `() => {}` to silence. */
  log?: (line: string) => void;
}

/** What tests get from `inject("kafka")`. Holds passwords: do not log it whole. */
export interface KafkaTestInfo extends KafkaEndpoints {
  /** The Kafka version (harness brokers only). */
  version: string | undefined;
  /** The broker's log file (harness brokers only). */
  logFile: string | undefined;
}
