/**
 * The Java client's default partitioner for keyed messages:
 * `(murmur2(key bytes) & 0x7fffffff) % numPartitions`. Every connector routes keys with this,
 * so a key lands on the same partition whichever client (or language) wrote it.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`), as a signed 32-bit int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) + ((data[i4 + 1]! & 0xff) << 8) + ((data[i4 + 2]! & 0xff) << 16) + ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length4 * 4;
  const rest = length % 4;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition the Java client picks for a key. */
export function partitionForKey(key: Uint8Array | string, numPartitions: number): number {
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  return (murmur2(bytes) & 0x7fffffff) % numPartitions;
}

/**
 * Chooses a partition for a record without an explicit one: keyed records by murmur2, key-less
 * ones round-robin per topic so they spread over every partition.
 */
export class JavaCompatiblePartitioner {
  private readonly counters = new Map<string, number>();

  /** The partition for a record of `topic` among `numPartitions`; `key` null spreads round-robin. */
  partition(topic: string, key: Uint8Array | null, numPartitions: number): number {
    if (key !== null) return partitionForKey(key, numPartitions);
    const next = this.counters.get(topic) ?? Math.floor(Math.random() * numPartitions);
    this.counters.set(topic, (next + 1) % 0x7fffffff);
    return next % numPartitions;
  }
}
