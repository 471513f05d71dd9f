// The memory connector under the reliability suite (the network faults are skipped by capability).
import { memoryConnector } from "@qi/streaming/connector";
import { runReliabilitySuite } from "../src/index.js";

runReliabilitySuite({ connector: memoryConnector, connectorModule: "@qi/streaming", connectorExport: "memoryConnector" });
