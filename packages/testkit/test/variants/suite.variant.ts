/**
 * Runs the suite against the broken variant named by QI_BROKEN_VARIANT (see teeth.test.ts):
 * every group, or the groups QI_VARIANT_GROUPS names (comma-separated).
 */
import { GROUPS, runConformanceSuite, type GroupName } from "../../src/index.js";
import { BROKEN_VARIANTS } from "./broken-connectors.js";

const name = process.env.QI_BROKEN_VARIANT ?? "";
const connector = BROKEN_VARIANTS[name];
if (!connector) throw new Error(`unknown variant "${name}"`);
const only = (process.env.QI_VARIANT_GROUPS ?? "").split(",").filter((g): g is GroupName => (GROUPS as readonly string[]).includes(g));
runConformanceSuite({ connector, name, ...(only.length > 0 ? { groups: only } : {}) });
