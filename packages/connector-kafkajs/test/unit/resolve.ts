// What core hands this connector's factories for a given user config (the testkit's resolvedFor).
import type { ConsumerConfig, ProducerConfig, StreamingConfig } from "@qi/streaming";
import { resolvedFor, type ResolvedForConnector } from "@qi/streaming-testkit";
import { kafkajsConnector } from "../../src/index.js";

export type Resolved = ResolvedForConnector;

export const resolve = (config: Omit<StreamingConfig, "connector"> = {}, producer?: ProducerConfig, consumer?: ConsumerConfig): Promise<Resolved> =>
  resolvedFor(kafkajsConnector, config, producer, consumer);
