/** Options of the memory connector (`config.options`). */
import { z } from "zod";
import { validationError } from "../errors/qi-error.js";
import type { ResolvedConfig } from "../config/types.js";

/** What `config.options` may hold for the memory connector. */
export interface MemoryOptions {
  /** Clients naming the same cluster share topics and groups. @default "default" */
  readonly cluster?: string;
  /** Create a missing topic (1 partition) on first produce, like `auto.create.topics.enable`. @default false */
  readonly autoCreateTopics?: boolean;
}

export const MEMORY_OPTION_KEYS = ["cluster", "autoCreateTopics"] as const;

/** The memory connector's options schema (zod 4, a Standard Schema). */
export const MEMORY_OPTIONS_SCHEMA = z.looseObject({
  cluster: z.string({ error: "must be a non-empty string" }).min(1, { error: "must be a non-empty string" }).optional(),
  autoCreateTopics: z.boolean({ error: "must be true or false" }).optional(),
});

/** Reads and checks the options; throws a `VALIDATION` QiError (core turns it into a Result). */
export function memoryOptions(config: ResolvedConfig): Required<MemoryOptions> {
  const { cluster = "default", autoCreateTopics = false } = config.options as MemoryOptions;
  if (typeof cluster !== "string" || cluster.length === 0) throw validationError("options.cluster", "must be a non-empty string", { connector: "memory" });
  if (typeof autoCreateTopics !== "boolean") throw validationError("options.autoCreateTopics", "must be a boolean", { connector: "memory" });
  return { cluster, autoCreateTopics };
}
