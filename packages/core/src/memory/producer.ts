/** The memory connector's producer: appends to the in-process cluster. */
import type { ProducerDriver } from "../connector.js";
import type { OutgoingRecord, ProduceResult } from "../messages/types.js";
import type { MemoryCluster } from "./cluster.js";

export class MemoryProducerDriver implements ProducerDriver {
  constructor(
    private readonly cluster: MemoryCluster,
    private readonly autoCreateTopics: boolean,
  ) {}

  async connect(): Promise<void> {}

  async send(records: readonly OutgoingRecord[]): Promise<readonly ProduceResult[]> {
    // Check every record first: a batch is written whole or not at all.
    for (const r of records) {
      const count = this.cluster.partitionCount(r.topic);
      if (count === undefined && this.autoCreateTopics) continue;
      if (count === undefined || (r.partition !== undefined && r.partition >= count)) {
        this.cluster.append(r, false); // throws the same error a write would
      }
    }
    const results = records.map((r) => this.cluster.append(r, this.autoCreateTopics));
    this.cluster.appended();
    return results;
  }

  async flush(): Promise<void> {}

  async disconnect(): Promise<void> {}

  native(): unknown {
    return this.cluster;
  }
}
