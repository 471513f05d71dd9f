/**
 * A third-party connector, written only against the published connector kit
 * (`@qi/streaming/connector`): it keeps
 * an audit trail of every record written and delegates storage to the built-in memory
 * connector. A real one would map a client library's calls the same way.
 */
import type { IStreamingConnector } from "@qi/streaming";
import { memoryConnector, type RoutedRecord } from "@qi/streaming/connector";

/** Every record any producer of this connector wrote, in order (topic and key only). */
export const auditTrail: { topic: string; key: string | null }[] = [];

export const auditedConnector: IStreamingConnector = {
  ...memoryConnector,
  name: "audited-memory",
  createProducer(context, config) {
    const inner = memoryConnector.createProducer(context, config);
    return {
      connect: () => inner.connect(),
      partitionCount: (topic) => inner.partitionCount(topic),
      async send(records: readonly RoutedRecord[]) {
        const results = await inner.send(records);
        for (const r of records) auditTrail.push({ topic: r.topic, key: r.key?.toString("utf8") ?? null });
        return results;
      },
      flush: () => inner.flush(),
      // The memory connector's transactions, as they are: its capabilities are this one's.
      ...(inner.transactions ? { transactions: inner.transactions } : {}),
      disconnect: () => inner.disconnect(),
      native: () => inner.native(),
    };
  },
};
