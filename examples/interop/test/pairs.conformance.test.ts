// Every ordered pair of broker connectors: one consumer group across a rolling move, one trace.
import { kafkaTestConfig, runPairsSuite } from "@qi/streaming-testkit";
import { confluentConnector } from "@qi/streaming-confluent";
import { kafkajsConnector } from "@qi/streaming-kafkajs";
import { platformaticConnector } from "@qi/streaming-platformatic";

runPairsSuite([
  { connector: kafkajsConnector, config: kafkaTestConfig },
  { connector: platformaticConnector, config: kafkaTestConfig },
  { connector: confluentConnector, config: kafkaTestConfig },
]);
