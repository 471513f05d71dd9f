/** What a caller gives the reliability suite: the conformance options, plus what crashes need. */
import type { ConformanceOptions } from "../suite/options.js";

/** Options of `runReliabilitySuite` and its groups. */
export interface ReliabilityOptions extends ConformanceOptions {
  /**
   * A module (absolute path or file URL) exporting `connector`, for tests that run a consumer in
   * a child process (the consumer-crash and exit-by-itself tests). Without it they are skipped.
   */
  readonly connectorModule?: string;
  /** The export of `connectorModule` that holds the connector. @default "connector" */
  readonly connectorExport?: string;
  /** Generated calls in the fuzzing test (`QI_FUZZ_CALLS` overrides, `QI_FUZZ_LONG=1` runs 500,000). @default 50000 */
  readonly fuzzRuns?: number;
  /** Connect/disconnect cycles in the hygiene test. @default 1000 */
  readonly cycles?: number;
  /**
   * Gaps the connector declares and documents, each run inverted: the test asserts the gap is
   * still there and fails once it is closed. Today only `"exit-after-failed-connect"` (the
   * process lingers after `disconnect()` following a failed connect).
   */
  readonly knownGaps?: readonly "exit-after-failed-connect"[];
}
