/** How a group of conformance tests is declared: a fresh test bed per test, skips by capability. */
import { afterEach, beforeEach, describe, it } from "vitest";
import type { ConnectorCapabilities } from "@qi/streaming/connector";
import { TestBed } from "./bed.js";
import { capabilitiesOf, type ConformanceOptions, type GroupName } from "./options.js";

/** The names of the on/off capability flags (`seek`, `sasl`, ...), for `TestOptions.needs`. */
export type BooleanCapability = { [K in keyof ConnectorCapabilities]: ConnectorCapabilities[K] extends boolean ? K : never }[keyof ConnectorCapabilities];

/** Per-test options inside a group: what it needs, its timeout. */
export interface TestOptions {
  /** Capabilities the test needs; without them it is skipped (and reported as skipped). */
  readonly needs?: readonly BooleanCapability[];
  /** A computed condition (from capabilities); the test is skipped when false. @default true */
  readonly when?: boolean;
  /** Its own timeout in ms before scaling. @default 30000 */
  readonly timeout?: number;
}

export interface GroupContext<O extends ConformanceOptions = ConformanceOptions> {
  readonly caps: ConnectorCapabilities;
  /** The suite's options, as the caller gave them. */
  readonly options: O;
  readonly test: (name: string, fn: (bed: TestBed) => Promise<void>, options?: TestOptions) => void;
}

/** A group function: call it with the suite options inside a vitest file. */
export type ConformanceGroup = (options: ConformanceOptions) => void;

export function defineGroup<O extends ConformanceOptions = ConformanceOptions>(group: GroupName | string, body: (context: GroupContext<O>) => void): (options: O) => void {
  return (options) => {
    const caps = capabilitiesOf(options);
    const scale = options.timeoutMultiplier ?? 1;
    describe(group, () => {
      let bed: TestBed;
      beforeEach(() => {
        bed = new TestBed(options);
      });
      afterEach(async () => {
        await bed.cleanup();
      });
      body({
        caps,
        options,
        test: (name, fn, testOptions = {}) => {
          const missing = (testOptions.needs ?? []).filter((c) => !caps[c]);
          it.skipIf(missing.length > 0 || testOptions.when === false)(name, () => fn(bed), Math.round((testOptions.timeout ?? 30_000) * scale));
        },
      });
    });
  };
}
