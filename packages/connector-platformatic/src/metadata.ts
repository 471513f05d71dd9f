/** Metadata calls the three drivers share: a topic's partition count, and the connect probe. */
import type { Base } from "@platformatic/kafka";
import { isUnknownTopic } from "./errors.js";

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
