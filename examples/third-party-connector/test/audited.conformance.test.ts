// Certifying a connector takes three lines.
import { runConformanceSuite } from "@qi/streaming-testkit";
import { auditedConnector } from "../src/audited-connector.js";

runConformanceSuite({ connector: auditedConnector });
