/** The memory connector's name, for `{ connector: "memory" }` (kept apart so the root entry does not load the connector). */
export const MEMORY_CONNECTOR_NAME = "memory";
