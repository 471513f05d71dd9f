/**
 * One run's context: where to read and write, and the client, created on first use from the
 * environment (`configFromEnv()`) with `--connector` and `--brokers` over it. Help and usage
 * errors never create a client, so they work whatever the environment holds.
 */
import { configFromEnv, createStreamingClient, ok, type IStreamingAdmin, type Logger, type QiError, type Result, type StreamingClient, type StreamingConfig } from "@qi/streaming";
import { EXIT, must, printable } from "./failure.js";
import { Output, type OutputStream } from "./output.js";

/** What `runCli` reads from and writes to: the process's streams in the bin, buffers in tests. */
export interface CliIo {
  /** Read by `produce` (one message per line). */
  readonly stdin: NodeJS.ReadableStream;
  /** Data: tables, JSON, consumed messages, counts. */
  readonly stdout: OutputStream;
  /** Errors, notes and warnings. */
  readonly stderr: OutputStream;
  /** `QI_STREAMING_*` (read by `configFromEnv()`) and `NO_COLOR`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM (the bin wires it): `consume` leaves its group and exits 0. */
  readonly signal?: AbortSignal;
}

/** `--connector` and `--brokers`, when given. */
export interface ConnectionFlags {
  /** Overrides QI_STREAMING_CONNECTOR. */
  readonly connector?: string | undefined;
  /** Overrides QI_STREAMING_BROKERS (comma-separated). */
  readonly brokers?: string | undefined;
}

/** The client id the tool uses unless QI_STREAMING_CLIENT_ID says otherwise. */
export const CLI_CLIENT_ID = "qi-streaming-cli";

/**
 * The client config: code default for the client id, then the environment, then the flags. The
 * result holds the password as a `Secret` (from configFromEnv); it is never printed.
 */
export function cliConfig(env: CliIo["env"], flags: ConnectionFlags, logger: Logger): Result<StreamingConfig, QiError> {
  const fromEnv = configFromEnv(env);
  if (fromEnv.isErr()) return fromEnv;
  const brokers = flags.brokers?.split(",").map((b) => b.trim()).filter((b) => b.length > 0);
  return ok({
    clientId: CLI_CLIENT_ID,
    ...fromEnv.value,
    ...(flags.connector ? { connector: flags.connector } : {}),
    ...(brokers && brokers.length > 0 ? { brokers } : {}),
    logger,
  });
}

/**
 * The library's log lines on the run's stderr (already scrubbed of secrets by the library),
 * labelled `log warn:` so they do not read as the command's own `error:` line.
 */
function stderrLogger(out: Output): Logger {
  const at =
    (level: string) =>
    (message: string): void =>
      out.note(message, `log ${level}`);
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A command's view of the run. */
export class Context {
  /** The run's writer. */
  readonly out: Output;
  /** Aborted on the interrupt signal; never aborted when the caller gave none. */
  readonly signal: AbortSignal;
  private client: StreamingClient | undefined;
  private admin: IStreamingAdmin | undefined;

  constructor(
    readonly io: CliIo,
    private readonly flags: ConnectionFlags,
    out?: Output,
  ) {
    this.out = out ?? new Output(io.stdout, io.stderr, io.env);
    this.signal = io.signal ?? new AbortController().signal;
  }

  /** The client (created once); a bad config is a usage error (exit 2): nothing was tried. */
  streamingClient(): StreamingClient {
    if (this.client) return this.client;
    const config = must(cliConfig(this.io.env, this.flags, stderrLogger(this.out)), EXIT.usage);
    this.client = must(createStreamingClient(config), EXIT.usage);
    // Each invocation is its own process: what the in-process broker holds is gone when it ends.
    if (this.client.connectorName === "memory" && this.io.stderr.isTTY === true) {
      this.out.note("the memory connector runs in this process: nothing is kept after the command (set QI_STREAMING_CONNECTOR and QI_STREAMING_BROKERS)");
    }
    return this.client;
  }

  /** The connected admin (once per run). */
  async connectedAdmin(): Promise<IStreamingAdmin> {
    if (this.admin) return this.admin;
    const admin = must(await this.streamingClient().getAdmin());
    must(await admin.connect());
    this.admin = admin;
    return admin;
  }

  /** Disconnects what the run created; the error, if any, is printed and returned. */
  async close(): Promise<QiError | undefined> {
    if (!this.client) return undefined;
    const closed = await this.client.disconnect();
    if (closed.isOk()) return undefined;
    this.out.error(printable(closed.error));
    return closed.error;
  }
}
