/**
 * Everything the tool writes: tables, JSON, error lines, colour and the TTY-only status line.
 * Decoration (colour, the rewritten status line) only goes to a terminal, so piped output stays
 * plain text a script can parse.
 */
import { styleText } from "node:util";

/** A stream the tool writes to: `process.stdout`, or anything with `write` (tests). */
export interface OutputStream {
  /** Writes text; false when the stream wants the writer to wait for `drain`. */
  write(chunk: string): boolean;
  /** True for a terminal. */
  readonly isTTY?: boolean;
  /** Optional: the stream's events (`drain`, `close`), for back-pressure. */
  once?(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Optional: listens to every `error` (a reader that went away: EPIPE). */
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Optional: removes a listener added with `once` or `on`. */
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** What `error:` lines are made of: a `QiError`, or a usage error of the tool's own. */
export interface ErrorLike {
  /** `VALIDATION`, `NOT_FOUND`, ... */
  readonly category: string;
  /** `TOPIC_NOT_FOUND`, `USAGE`, ... */
  readonly code: string;
  /** One line, never a secret (the library scrubs its errors; the tool's own name no values but flags). */
  readonly message: string;
}

type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan";

/** True when `stream` is a terminal and the user did not ask for no colour (https://no-color.org). */
export function wantsDecoration(stream: OutputStream, env: Readonly<Record<string, string | undefined>>): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined;
}

/** Pads cells to their column's width; numeric columns (by index) are right-aligned. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** The tool's writer for one run. */
export class Output {
  /** True when stdout is a terminal and NO_COLOR is unset: colour and status lines are on. */
  readonly decorated: boolean;
  private readonly errDecorated: boolean;
  private statusShown = false;

  constructor(
    readonly stdout: OutputStream,
    readonly stderr: OutputStream,
    env: Readonly<Record<string, string | undefined>>,
  ) {
    this.decorated = wantsDecoration(stdout, env);
    this.errDecorated = wantsDecoration(stderr, env);
  }

  /** `text` in `style` when stdout is decorated, else as it is. */
  style(style: Style, text: string): string {
    return this.decorated ? styleText(style, text, { validateStream: false }) : text;
  }

  /** One line on stdout. */
  line(text = ""): void {
    this.clearStatus();
    this.stdout.write(`${text}\n`);
  }

  /** A JSON document on stdout (list, describe, lag, health with `--json`). */
  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** A table on stdout; the header is bold on a terminal. */
  table(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): void {
    const [head, ...body] = renderTable(headers, rows, right);
    this.line(this.style("bold", head ?? ""));
    for (const row of body) this.line(row);
  }

  /** `error: CATEGORY CODE: message` on stderr. */
  error(e: ErrorLike): void {
    this.clearStatus();
    const label = this.errDecorated ? styleText("red", "error:", { validateStream: false }) : "error:";
    this.stderr.write(`${label} ${e.category} ${e.code}: ${oneLine(e.message)}\n`);
  }

  /** A note on stderr (`note: ...`, `warn: ...`); never on stdout, which holds the data. */
  note(text: string, label = "note"): void {
    this.clearStatus();
    const shown = this.errDecorated ? styleText("yellow", `${label}:`, { validateStream: false }) : `${label}:`;
    this.stderr.write(`${shown} ${oneLine(text)}\n`);
  }

  /** Plain text on stderr (usage). */
  errText(text: string): void {
    this.clearStatus();
    this.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** A line that rewrites itself (progress, rate); only on a terminal, a no-op when piped. */
  status(text: string): void {
    if (!this.decorated) return;
    this.stdout.write(`\r\x1b[2K${this.style("dim", text)}`);
    this.statusShown = true;
  }

  /** Erases the status line, so the next line starts clean. */
  clearStatus(): void {
    if (!this.statusShown) return;
    this.statusShown = false;
    this.stdout.write("\r\x1b[2K");
  }
}

/** Messages are one line: an error line with a newline in it would read as two. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, " ");
}
