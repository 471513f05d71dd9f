/** The memory connector's producer: appends routed records to the in-process cluster. */
import type { ProducerDriver } from "../connector.js";
import type { ProduceResult, RoutedRecord } from "../messages/types.js";
import type { MemoryCluster } from "./cluster.js";

export class MemoryProducerDriver implements ProducerDriver {
  /** In process, a send is as cheap as a batch: nothing to gather. */
  readonly batchesAcrossCalls = true;

  constructor(
    private readonly cluster: MemoryCluster,
    private readonly autoCreateTopics: boolean,
  ) {}

  async connect(): Promise<void> {}

  /** With `autoCreateTopics`, asking for a missing topic creates it (one partition), as a broker would. */
  async partitionCount(topic: string): Promise<number | undefined> {
    if (this.autoCreateTopics && !this.cluster.hasTopic(topic)) this.cluster.createTopic({ topic, numPartitions: 1, replicationFactor: 1, configs: {} });
    return this.cluster.partitionCount(topic);
  }

  async send(records: readonly RoutedRecord[]): Promise<readonly ProduceResult[]> {
    // Check every record first (the topic may be gone since core routed): written whole or not at all.
    for (const r of records) this.cluster.check(r);
    const results = records.map((r) => this.cluster.append(r));
    this.cluster.appended();
    return results;
  }

  async flush(): Promise<void> {}

  async disconnect(): Promise<void> {}

  native(): unknown {
    return this.cluster;
  }
}
