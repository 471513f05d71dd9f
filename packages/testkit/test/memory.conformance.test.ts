/** The memory connector against the whole suite: the reference every other connector matches. */
import { memoryConnector } from "@qi/streaming/connector";
import { runConformanceSuite } from "../src/index.js";

runConformanceSuite({ connector: memoryConnector });
