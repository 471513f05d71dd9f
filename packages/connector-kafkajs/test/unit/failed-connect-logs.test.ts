// What a failed connect writes to the logger at the default level: the testkit's check.
import { expectFailedConnectLogs } from "@qi/streaming-testkit";
import { test } from "vitest";
import { kafkajsConnector as connector } from "../../src/index.js";

test("a failed connect logs one line per event, no stacks, and nothing after disconnect()", () => expectFailedConnectLogs(connector), 30_000);
