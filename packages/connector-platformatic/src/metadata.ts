/** Metadata helpers shared by the three drivers. */
import { findErrorBy, type Base } from "@platformatic/kafka";

/** platformatic turns UNKNOWN_TOPIC_OR_PARTITION in a metadata answer into a plain UserError. */
export function isUnknownTopic(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (findErrorBy(error, "apiCode", 3)) return true;
  return (error as { code?: unknown }).code === "PLT_KFK_USER" && /^Unknown topic /.test(error.message);
}

/** The partition count of a topic, or undefined when it does not exist (one retry, for fresh topics). */
export async function partitionCount(client: Base, topic: string): Promise<number | undefined> {
  try {
    const meta = await client.metadata({ topics: [topic], forceUpdate: true, retries: 1 });
    return meta.topics.get(topic)?.partitionsCount;
  } catch (error) {
    if (isUnknownTopic(error)) return undefined;
    throw error;
  }
}

/**
 * platformatic connects lazily: asking for cluster metadata proves the broker answers. A client
 * that could not connect is closed, so it keeps no sockets or retry timers alive.
 */
export async function probe(client: Base, close: () => Promise<void>): Promise<void> {
  try {
    await client.metadata({ topics: [] });
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
