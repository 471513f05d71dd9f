/**
 * kafkajs's round-robin assigner under the name every other client uses for it ("roundrobin":
 * Java, librdkafka, @platformatic/kafka), so members built on different connectors can share
 * one consumer group. The metadata and assignment formats are the standard consumer protocol's,
 * which kafkajs already writes; only the protocol name differs.
 */
import { PartitionAssigners, type PartitionAssigner } from "kafkajs";

export const STANDARD_ROUND_ROBIN = "roundrobin";

export const standardRoundRobin: PartitionAssigner = (config) => {
  const inner = PartitionAssigners.roundRobin(config);
  return {
    name: STANDARD_ROUND_ROBIN,
    version: inner.version,
    assign: (group) => inner.assign.call(inner, group),
    protocol: (subscription) => ({ ...inner.protocol.call(inner, subscription), name: STANDARD_ROUND_ROBIN }),
  };
};

/**
 * Preferred first: the standard name; then kafkajs's own, so a group of plain-kafkajs members
 * ("RoundRobinAssigner") can be joined too, during a move from kafkajs to qi-streaming.
 */
export const KAFKAJS_ASSIGNERS: PartitionAssigner[] = [standardRoundRobin, PartitionAssigners.roundRobin];
