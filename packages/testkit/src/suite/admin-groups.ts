/**
 * Admin, groups: a running group is listed and described as the broker sees it (members, client
 * ids, disjoint assignments covering every partition); deleting a group with members is refused
 * and deletes nothing; an unknown group is NOT_FOUND; bad input is VALIDATION.
 */
import { expect } from "vitest";
import type { IStreamingAdmin, QiError, Result } from "@qi/streaming";
import { must, mustFail } from "./bed.js";
import { defineGroup } from "./group.js";

/** The group's description once it is `Stable` with `members` members (a rebalance may be under way at first). */
async function stableGroup(admin: IStreamingAdmin, groupId: string, members: number, wait: (p: () => Promise<boolean>, what: string) => Promise<void>) {
  await wait(async () => {
    const d = await admin.describeGroups([groupId]);
    if (d.isErr()) return false;
    const g = d.value[0]!;
    return g.state === "Stable" && g.members.length === members && g.members.every((m) => m.assignment.length > 0);
  }, `group ${groupId} Stable with ${members} assigned members`);
  return must(await admin.describeGroups([groupId]))[0]!;
}

export const adminGroupTests = defineGroup("admin-groups", ({ test }) => {
  test("describeGroups shows both members of a running group, with their client ids and disjoint assignments covering every partition", async (bed) => {
    const topic = await bed.topic(4);
    const groupId = bed.name("g");
    const [idA, idB] = [bed.name("client-a"), bed.name("client-b")];
    const a = await bed.consumer([topic], { groupId }, { client: bed.client({ clientId: idA }) });
    const b = await bed.consumer([topic], { groupId }, { client: bed.client({ clientId: idB }) });
    await bed.waitFor(() => a.consumer.assignment().length > 0 && b.consumer.assignment().length > 0 && a.consumer.assignment().length + b.consumer.assignment().length === 4, "a split assignment");
    const admin = await bed.admin();
    const group = await stableGroup(admin, groupId, 2, (p, what) => bed.waitFor(p, what));
    expect(group).toMatchObject({ groupId, state: "Stable", protocolType: "consumer", protocol: "roundrobin" });
    expect(group.members.map((m) => m.clientId).sort()).toEqual([idA, idB].sort());
    for (const m of group.members) {
      expect(m.memberId.length, "a member id").toBeGreaterThan(0);
      expect(m.host.length, "a host").toBeGreaterThan(0);
      expect(m.assignment.map((x) => x.topic)).toEqual([topic]);
    }
    const owned = group.members.flatMap((m) => m.assignment.flatMap((x) => x.partitions));
    expect([...owned].sort(), "disjoint, and every partition").toEqual([0, 1, 2, 3]);
    // What the broker says each member owns is what that member says it owns.
    const byClient = new Map(group.members.map((m) => [m.clientId, m.assignment[0]!.partitions]));
    expect(byClient.get(idA)).toEqual(a.consumer.assignment().map((tp) => tp.partition).sort());
    expect(byClient.get(idB)).toEqual(b.consumer.assignment().map((tp) => tp.partition).sort());
  }, { timeout: 60_000 });

  test("listGroups lists a running group and a group that only has committed offsets", async (bed) => {
    const topic = await bed.topic(1);
    const [running, committedOnly] = [bed.name("g"), bed.name("g")];
    await bed.consumer([topic], { groupId: running });
    const admin = await bed.admin();
    must(await admin.resetOffsets(committedOnly, topic, "earliest"));
    await stableGroup(admin, running, 1, (p, what) => bed.waitFor(p, what));
    const listed = must(await admin.listGroups());
    expect(listed, "sorted by id").toEqual([...listed].sort((x, y) => x.groupId.localeCompare(y.groupId)));
    expect(listed.find((g) => g.groupId === running)).toMatchObject({ state: "Stable", protocolType: "consumer" });
    expect(listed.find((g) => g.groupId === committedOnly)).toMatchObject({ state: "Empty" });
  }, { timeout: 60_000 });

  test("describeGroups of an unknown group is NOT_FOUND / GROUP_ID_NOT_FOUND", async (bed) => {
    const admin = await bed.admin();
    const unknown = bed.name("no-such-group");
    expect(mustFail(await admin.describeGroups([unknown]))).toMatchObject({ category: "NOT_FOUND", code: "GROUP_ID_NOT_FOUND", context: { groupId: unknown } });
  });

  test("deleteGroups of a group with members is CONFLICT / NON_EMPTY_GROUP, and nothing is deleted", async (bed) => {
    const topic = await bed.topic(1);
    const [busy, idle] = [bed.name("g"), bed.name("g")];
    const admin = await bed.admin();
    must(await admin.resetOffsets(idle, topic, "earliest"));
    const { consumer } = await bed.consumer([topic], { groupId: busy, autoCommit: false });
    must(await consumer.commitOffsets([{ topic, partition: 0, offset: "0" }]));
    await stableGroup(admin, busy, 1, (p, what) => bed.waitFor(p, what));
    expect(mustFail(await admin.deleteGroups([idle, busy]))).toMatchObject({ category: "CONFLICT", code: "NON_EMPTY_GROUP", context: { groupId: busy } });
    // Neither group is gone: the refusal deleted nothing.
    expect(must(await admin.describeGroups([idle, busy])).map((g) => g.groupId)).toEqual([idle, busy]);
    expect(must(await admin.fetchCommittedOffsets(idle, topic))).toEqual([{ topic, partition: 0, offset: "0" }]);
  }, { timeout: 60_000 });

  test("deleteGroups of an empty group removes it and its committed offsets", async (bed) => {
    const topic = await bed.topic(2);
    await bed.produce(topic, 10, (i) => ({ value: `v${i}`, partition: i % 2 }));
    const groupId = bed.name("g");
    const a = await bed.consumer([topic], { groupId });
    await bed.waitFor(() => a.received.length >= 10, "10 messages");
    must(await a.consumer.disconnect());
    const admin = await bed.admin();
    await bed.waitFor(async () => {
      const d = await admin.describeGroups([groupId]);
      return d.isOk() && d.value[0]!.members.length === 0;
    }, "the group empty after its member left");
    expect(must(await admin.fetchCommittedOffsets(groupId, topic)).length, "offsets committed before the delete").toBe(2);
    must(await admin.deleteGroups([groupId]));
    expect(mustFail(await admin.describeGroups([groupId])).code).toBe("GROUP_ID_NOT_FOUND");
    expect(must(await admin.fetchCommittedOffsets(groupId, topic))).toEqual([]);
    expect(must(await admin.listGroups()).map((g) => g.groupId)).not.toContain(groupId);
  }, { timeout: 60_000 });

  test("deleteGroups of an unknown group is NOT_FOUND", async (bed) => {
    const admin = await bed.admin();
    expect(mustFail(await admin.deleteGroups([bed.name("no-such-group")]))).toMatchObject({ category: "NOT_FOUND", code: "GROUP_ID_NOT_FOUND" });
  });

  test("bad group ids are VALIDATION errors naming the field", async (bed) => {
    const admin = await bed.admin();
    const cases: [() => Promise<Result<unknown, QiError>>, string][] = [
      [async () => await admin.describeGroups([]), "groupIds"],
      [async () => await admin.describeGroups("g" as never), "groupIds"],
      [async () => await admin.describeGroups(["g", ""]), "groupIds[1]"],
      [async () => await admin.deleteGroups(["g", "g"]), "groupIds"],
      [async () => await admin.deleteGroups([42 as never]), "groupIds[0]"],
      [async () => await admin.groupLag(""), "groupId"],
    ];
    for (const [call, field] of cases) {
      const e = mustFail(await call());
      expect(e, field).toMatchObject({ category: "VALIDATION", context: { field } });
    }
  });
});
