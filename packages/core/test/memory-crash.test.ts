// The memory connector's crash hook for tests (`MemoryCluster.crashConsumerForTesting`): the
// member vanishes as a SIGKILLed process would. Gone from its group at once, nothing revoked to
// core and nothing committed; its later commits are refused (a QiError, returned not thrown) and
// it fetches nothing more; the next member reads from what was committed before.
import { describe, expect, it } from "vitest";
import { createStreamingClient, silentLogger, type IStreamingConnector, type QiError } from "../src/index.js";
import type { ConsumerDriver } from "../src/connector.js";
import { memoryCluster } from "../src/memory/cluster.js";
import { memoryConnector } from "../src/memory/connector.js";
import { client, closeClientsAfterEach, seededTopic, unique } from "./fixtures/memory-clients.js";

closeClientsAfterEach();

/** A client of `cluster` whose consumer drivers land in `drivers`. */
function recordingClient(cluster: string, drivers: ConsumerDriver[]) {
  const connector: IStreamingConnector = {
    ...memoryConnector,
    createConsumer(context, config) {
      const driver = memoryConnector.createConsumer(context, config);
      drivers.push(driver);
      return driver;
    },
  };
  return createStreamingClient({ logger: silentLogger, connector, options: { cluster } })._unsafeUnwrap();
}

describe("memory: crashConsumerForTesting", () => {
  it("drops the member at once with no revocation and no commit; its commits are refused, it fetches nothing more", async () => {
    const { cluster, topic, admin: a, producer } = await seededTopic("crash", [0, 1].map((partition) => ({ key: `k${partition}`, value: `first-${partition}`, partition })));
    const groupId = unique("g");

    const drivers: ConsumerDriver[] = [];
    const doomedClient = recordingClient(cluster, drivers);
    const errors: QiError[] = [];
    const doomed = (await doomedClient.getConsumer({ groupId, onError: (e) => void errors.push(e) }))._unsafeUnwrap();
    const revoked: unknown[] = [];
    doomed.on("revoked", (e) => void revoked.push(e));
    (await doomed.connect())._unsafeUnwrap();
    (await doomed.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const finished: string[] = [];
    (await doomed.run({ concurrency: { by: "key", limit: 4 }, eachMessage: async (m) => {
      started.push(m.value!.toString());
      await gate;
      finished.push(m.value!.toString());
    } }))._unsafeUnwrap();
    await expect.poll(() => started.length).toBe(2);
    expect(drivers).toHaveLength(1);

    expect(memoryCluster(cluster).crashConsumerForTesting(drivers[0]!)).toBe(true);
    // Gone at once, as at the end of its session timeout.
    expect((await a.describeGroups([groupId]))._unsafeUnwrap()[0]!.members).toEqual([]);

    // The handlers in flight finish; nothing of theirs reaches the cluster.
    release();
    await expect.poll(() => finished.length).toBe(2);
    const commit = await doomed.commitOffsets([{ topic, partition: 0, offset: "1" }]);
    expect(commit.isErr()).toBe(true);
    expect(commit._unsafeUnwrapErr()).toMatchObject({ category: "STATE", code: "UNKNOWN_MEMBER_ID", context: { kafkaErrorCode: 25 } });
    expect((await a.fetchCommittedOffsets(groupId, topic))._unsafeUnwrap()).toEqual([]);
    expect(revoked, "revocations heard by the crashed member").toEqual([]);

    // Nothing more is fetched for it; a new member gets every partition from the start.
    (await producer.send(topic, { key: "k0", value: "after", partition: 0 }))._unsafeUnwrap();
    const next: string[] = [];
    const survivor = (await client(cluster).getConsumer({ groupId }))._unsafeUnwrap();
    (await survivor.connect())._unsafeUnwrap();
    (await survivor.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
    (await survivor.run({ eachMessage: (m) => void next.push(m.value!.toString()) }))._unsafeUnwrap();
    await expect.poll(() => [...next].sort()).toEqual(["after", "first-0", "first-1"]);
    expect(started, "messages the crashed member was handed").toEqual(expect.arrayContaining(["first-0", "first-1"]));
    expect(started).toHaveLength(2);
    const survivorCommits = async () => (await a.fetchCommittedOffsets(groupId, topic))._unsafeUnwrap().map((o) => `${o.partition}:${o.offset}`).sort();
    await expect.poll(survivorCommits).toEqual(["0:2", "1:1"]);

    // Its disconnect commits nothing either (its pending 0:1 would move the group back): it says
    // so, and the consumer is disconnected all the same.
    const disconnected = await doomed.disconnect();
    expect(disconnected.isErr() && disconnected.error.code).toBe("UNKNOWN_MEMBER_ID");
    expect(doomed.isConnected()).toBe(false);
    expect(await survivorCommits()).toEqual(["0:2", "1:1"]);
    expect(errors.map((e) => e.code)).toContain("UNKNOWN_MEMBER_ID");
    await doomedClient.disconnect();
  });

  it("does nothing and says false for a driver that is not one of the cluster's memory consumers", async () => {
    const drivers: ConsumerDriver[] = [];
    const other = recordingClient(unique("other"), drivers);
    (await other.getConsumer({ groupId: unique("g") }))._unsafeUnwrap();
    const cluster = memoryCluster(unique("c"));
    expect(cluster.crashConsumerForTesting(drivers[0]!)).toBe(false);
    expect(cluster.crashConsumerForTesting({ native: () => cluster } as unknown as ConsumerDriver)).toBe(false);
    await other.disconnect();
  });
});
