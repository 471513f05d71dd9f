/** What a caller gives the conformance suite. */
import type { IStreamingConnector, StreamingConfig } from "@qi/streaming";
import { capabilitiesOf as declared, type ConnectorCapabilities, type ConsumerDriver } from "@qi/streaming/connector";

/** A SASL_PLAINTEXT endpoint and its users, for the authentication tests. */
export interface SaslTarget {
  /** SASL_PLAINTEXT bootstrap addresses. */
  readonly brokers: readonly string[];
  /** The SASL/PLAIN user. */
  readonly plain: {
    /** User name. */
    readonly username: string;
    /** Password. */
    readonly password: string;
  };
  /** The SCRAM-SHA-256 user; without it the SCRAM test is skipped. */
  readonly scram256?: {
    /** User name. */
    readonly username: string;
    /** Password. */
    readonly password: string;
  };
}

/** Options of `runConformanceSuite` and of each group (`producerTests(options)`, ...). */
export interface ConformanceOptions {
  /** The connector under test (an object: its capabilities decide what is skipped). */
  readonly connector: IStreamingConnector;
  /** Overrides of the connector's declared capabilities (to skip honestly, never to hide a failure). */
  readonly capabilities?: Partial<ConnectorCapabilities>;
  /** Base config of every client the suite creates (brokers, options); called per client. */
  readonly config?: () => Omit<StreamingConfig, "connector">;
  /** The SASL endpoint, when the broker has one; without it the SASL tests are skipped. */
  readonly sasl?: () => SaslTarget | undefined;
  /** Multiplies every timeout (slow machines, remote clusters). @default 1 */
  readonly timeoutMultiplier?: number;
  /** Label of the suite in reports. @default connector.name */
  readonly name?: string;
  /**
   * A module (absolute path or file URL) exporting the connector, for tests that run a member in
   * a child process (the concurrency group's SIGKILL test). Without it they are skipped (that
   * one runs in process instead when `crashConsumer` is given).
   */
  readonly connectorModule?: string;
  /** The export of `connectorModule` that holds the connector. @default "connector" */
  readonly connectorExport?: string;
  /**
   * For a connector whose cluster lives in the test's process (no `network`, so no child
   * process can join it): kills, in process, the consumer whose driver this is, as SIGKILL
   * kills a client process. Its membership ends at once or after its session timeout, with no
   * commit and no revocation; from then on the cluster refuses its commits and sends it nothing.
   * The concurrency group's crash test runs with it instead of a child process. A test hook
   * (the memory connector's is `MemoryCluster.crashConsumerForTesting`); without it, and without
   * `network` and `connectorModule`, that test is skipped.
   */
  readonly crashConsumer?: (driver: ConsumerDriver) => Promise<void> | void;
}

/** The capability flags in force: declared, then overridden. */
export function capabilitiesOf(options: ConformanceOptions): ConnectorCapabilities {
  return { ...declared(options.connector), ...options.capabilities };
}

/** The names of the suite's groups, in report order. */
export const GROUPS = ["lifecycle", "producer", "delivery", "consumer", "groups", "offsets", "admin", "admin-groups", "admin-offsets", "errors", "events", "policies", "transactions", "telemetry", "concurrency"] as const;
/** A conformance group's name (`"producer"`, `"consumer"`, ...). */
export type GroupName = (typeof GROUPS)[number];
