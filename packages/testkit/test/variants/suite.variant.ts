/** Runs the whole suite against the broken variant named by QI_BROKEN_VARIANT (see teeth.test.ts). */
import { runConformanceSuite } from "../../src/index.js";
import { BROKEN_VARIANTS } from "./broken-connectors.js";

const name = process.env.QI_BROKEN_VARIANT ?? "";
const connector = BROKEN_VARIANTS[name];
if (!connector) throw new Error(`unknown variant "${name}"`);
runConformanceSuite({ connector, name });
