/** The memory connector's producer: appends routed records to the in-process cluster, in a transaction when it has one. */
import type { ProducerDriver, TransactionDriver } from "../connector.js";
import type { ResolvedProducerConfig } from "../config/roles.js";
import type { ProduceResult, RoutedRecord, TopicPartitionOffset } from "../messages/types.js";
import type { MemoryCluster, MemoryTransaction } from "./cluster.js";

export class MemoryProducerDriver implements ProducerDriver {
  /** In process, a send is as cheap as a batch: nothing to gather. */
  readonly batchesAcrossCalls = true;
  readonly transactions?: TransactionDriver;
  /** This producer's epoch of its transactional id (from `connect`). */
  private epoch = -1;
  private open: MemoryTransaction | undefined;

  constructor(
    private readonly cluster: MemoryCluster,
    private readonly autoCreateTopics: boolean,
    private readonly config: Pick<ResolvedProducerConfig, "transactionalId" | "transactionTimeoutMs">,
  ) {
    const id = config.transactionalId;
    if (id !== undefined) {
      this.transactions = {
        begin: async () => {
          this.open = this.cluster.beginTransaction(id, this.epoch, this.config.transactionTimeoutMs);
        },
        sendOffsets: async (groupId: string, offsets: readonly TopicPartitionOffset[]) => {
          this.cluster.addOffsets(this.transaction(), groupId, offsets);
        },
        commit: async () => this.end(true),
        abort: async () => this.end(false),
      };
    }
  }

  /** A transactional producer registers its id: a newer epoch fences the older producers. */
  async connect(): Promise<void> {
    if (this.config.transactionalId !== undefined) this.epoch = this.cluster.initTransactional(this.config.transactionalId);
  }

  /** With `autoCreateTopics`, asking for a missing topic creates it (one partition), as a broker would. */
  async partitionCount(topic: string): Promise<number | undefined> {
    if (this.autoCreateTopics && !this.cluster.hasTopic(topic)) this.cluster.createTopic({ topic, numPartitions: 1, replicationFactor: 1, configs: {} });
    return this.cluster.partitionCount(topic);
  }

  async send(records: readonly RoutedRecord[]): Promise<readonly ProduceResult[]> {
    const transaction = this.transactions ? this.transaction() : undefined;
    if (transaction) this.cluster.checkTransaction(transaction);
    // Check every record first (the topic may be gone since core routed): written whole or not at all.
    for (const r of records) this.cluster.check(r);
    const results = records.map((r) => this.cluster.append(r, transaction));
    this.cluster.appended();
    return results;
  }

  async flush(): Promise<void> {}

  async disconnect(): Promise<void> {}

  native(): unknown {
    return this.cluster;
  }

  private transaction(): MemoryTransaction {
    if (!this.open) throw new Error("no transaction is open on this producer");
    return this.open;
  }

  private end(commit: boolean): void {
    const transaction = this.transaction();
    this.open = undefined;
    this.cluster.finishTransaction(transaction, commit);
  }
}
