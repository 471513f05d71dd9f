/** The memory connector against the whole suite: the reference every other connector matches. */
import { memoryConnector, type MemoryCluster } from "@qi/streaming/connector";
import { runConformanceSuite } from "../src/index.js";

runConformanceSuite({
  connector: memoryConnector,
  // Its cluster lives in this process, so no child process can join it: the concurrency group's
  // SIGKILL test crashes its member in process instead (a memory driver's native() is its cluster).
  crashConsumer: (driver) => {
    if (!(driver.native() as MemoryCluster).crashConsumerForTesting(driver)) throw new Error("not a memory consumer driver: nothing crashed");
  },
});
