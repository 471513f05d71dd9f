// Group states: librdkafka reports numbers of its ConsumerGroupStates; the admin gives Kafka's
// names. No broker needed.
import { expect, test } from "vitest";
import { groupState } from "../../src/admin.js";

test("every state of the installed client has Kafka's name; an unknown number is passed on", () => {
  expect([0, 1, 2, 3, 4, 5].map(groupState)).toEqual(["Unknown", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty"]);
  expect(groupState(99)).toBe("99");
});
