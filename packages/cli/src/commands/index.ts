/** Every command, in the order help lists them. */
import type { CommandDef } from "../args.js";
import { consumeCommand } from "./consume.js";
import { groupCommands } from "./groups.js";
import { healthCommand } from "./health.js";
import { produceCommand } from "./produce.js";
import { topicCommands } from "./topics.js";

/** The commands of `qi-streaming`. */
export const COMMANDS: readonly CommandDef[] = [...topicCommands, produceCommand, consumeCommand, ...groupCommands, healthCommand];
