/** Helpers for connectors' pass-through options (`config.options`), shared by every connector. */
import { revealSecret } from "./secrets.js";

/** The options among `keys` that are set, for the client object they belong to (a secret-looking one revealed: it goes to the client). */
export function pickOptions(options: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (options[k] !== undefined) out[k] = revealSecret(options[k]);
  return out;
}

/** Every key of a connector's pass-through option groups (its `optionKeys`). */
export function allOptionKeys(groups: Readonly<Record<string, readonly string[]>>): readonly string[] {
  return [...new Set(Object.values(groups).flat())];
}
