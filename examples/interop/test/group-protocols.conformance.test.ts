// One consumer group, two group protocols (docs/group-protocols.md): a classic member (kafkajs,
// or platformatic) and a member of another client with groupProtocol "consumer" (KIP-848:
// confluent or platformatic), on Kafka 4.x. The broker
// migrates the group online between its two types (group.consumer.migration.policy, BIDIRECTIONAL
// by default): a consumer-protocol member joining a classic group upgrades it, and a classic
// member may join a consumer group. The group's type comes from the broker (Kafka's
// GroupsCommand), the counts from the log's end offsets and the committed offsets.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createStreamingClient, type IStreamingConnector, type IStreamingConsumer, type GroupProtocol, type StreamingClient } from "@qi/streaming";
import { confluentConnector } from "@qi/streaming-confluent";
import { kafkajsConnector } from "@qi/streaming-kafkajs";
import { platformaticConnector } from "@qi/streaming-platformatic";
import { kafkaTestBrokers, kafkaTestConfig, logRecordCount, must, provisionKafka } from "@qi/streaming-testkit";

const clients: StreamingClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()));
});

const unique = (p: string): string => `qi-${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function client(connector: IStreamingConnector): StreamingClient {
  const c = must(createStreamingClient({ ...kafkaTestConfig(), clientId: unique(connector.name), connector }));
  clients.push(c);
  return c;
}

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

interface Member {
  readonly consumer: IStreamingConsumer;
  readonly received: string[];
}

async function member(connector: IStreamingConnector, groupId: string, topic: string, groupProtocol: GroupProtocol): Promise<Member> {
  const consumer = must(await client(connector).getConsumer({ groupId, groupProtocol }));
  const received: string[] = [];
  must(await consumer.connect());
  must(await consumer.subscribe({ topics: [topic], fromBeginning: true }));
  must(
    await consumer.run({
      eachMessage: async (m) => {
        received.push(`${m.partition}/${m.offset}`);
      },
    }),
  );
  return { consumer, received };
}

/** The group's type as the broker lists it (`Classic` or `Consumer`), from Kafka's own GroupsCommand. */
function groupType(groupId: string): Promise<string | undefined> {
  const classPath = join(provisionKafka({ quiet: true }).libDir, "*");
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java";
  const args = ["-Xmx256m", "-cp", classPath, "org.apache.kafka.tools.GroupsCommand", "--bootstrap-server", kafkaTestBrokers().join(","), "--list"];
  return new Promise((resolve, reject) => {
    execFile(java, args, { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`GroupsCommand failed: ${stderr.slice(0, 300)}`));
      // GROUP  TYPE  PROTOCOL
      const line = stdout.split("\n").find((l) => l.trim().split(/\s+/)[0] === groupId);
      resolve(line?.trim().split(/\s+/)[1]);
    });
  });
}

const split = (a: Member, b: Member, partitions: number) => () => {
  const x = a.consumer.assignment().length;
  const y = b.consumer.assignment().length;
  return x > 0 && y > 0 && x + y === partitions;
};

/** Produces `count` messages, waits for both members to have them, and checks each was consumed once and committed. */
async function consumeOnceAcross(a: Member, b: Member, topic: string, groupId: string, count: number): Promise<void> {
  const producer = must(await client(kafkajsConnector).getProducer());
  must(await producer.connect());
  must(await producer.sendBatch(Array.from({ length: count }, (_, i) => ({ topic, message: { key: `k${i}`, value: `v${i}` } }))));
  expect(await logRecordCount(kafkaTestBrokers(), topic)).toBe(count);
  await waitFor(() => a.received.length + b.received.length >= count, `${count} messages across both members`).catch((error: unknown) => {
    const owns = (m: Member) => `${m.received.length} received, owning ${m.consumer.assignment().map((tp) => tp.partition).join(",")}`;
    throw new Error(`${String(error)} (first member: ${owns(a)}; second: ${owns(b)})`);
  });
  await sleep(500);
  const all = [...a.received, ...b.received];
  expect(all).toHaveLength(count);
  expect(new Set(all).size).toBe(count);
  expect(a.received.length).toBeGreaterThan(0);
  expect(b.received.length).toBeGreaterThan(0);
  // Both members' commits, read back from the broker.
  const admin = must(await client(kafkajsConnector).getAdmin());
  must(await admin.connect());
  await waitFor(async () => must(await admin.fetchCommittedOffsets(groupId, topic)).reduce((n, o) => n + Number(o.offset), 0) === count, `committed offsets summing to ${count}`, 15_000);
}

async function topicOf(partitions: number): Promise<string> {
  const topic = unique("mixed");
  const admin = must(await client(kafkajsConnector).getAdmin());
  must(await admin.connect());
  must(await admin.createTopics([{ topic, numPartitions: partitions }]));
  return topic;
}

// kafkajs speaks classic only; platformatic and confluent speak both (docs/group-protocols.md).
// Each pair shares one group: a classic member and a consumer-protocol member of another client.
const PAIRS = [
  { classic: kafkajsConnector, next: confluentConnector },
  { classic: platformaticConnector, next: confluentConnector },
  { classic: kafkajsConnector, next: platformaticConnector },
].map((p) => [p.classic.name, p.next.name, p] as const);

describe.each(PAIRS)("one group, a classic %s member and a consumer-protocol %s member (Kafka 4 online migration)", (_classic, _next, { classic: classicConnector, next: nextConnector }) => {
  test("a classic member joins a consumer-protocol group: the group stays Consumer, the partitions split, each message is consumed once", async () => {
    const topic = await topicOf(4);
    const groupId = unique("g");
    const next = await member(nextConnector, groupId, topic, "consumer");
    await waitFor(() => next.consumer.assignment().length === 4, "the consumer-protocol member to own the 4 partitions");
    expect(await groupType(groupId)).toBe("Consumer");
    const classic = await member(classicConnector, groupId, topic, "classic");
    await waitFor(split(next, classic, 4), "the 4 partitions split between the two members");
    expect(await groupType(groupId)).toBe("Consumer");
    await consumeOnceAcross(next, classic, topic, groupId, 400);
  }, 120_000);

  test("a consumer-protocol member joins a classic group: the broker upgrades it to Consumer; when that member leaves, it goes back to Classic", async () => {
    const topic = await topicOf(4);
    const groupId = unique("g");
    const classic = await member(classicConnector, groupId, topic, "classic");
    await waitFor(() => classic.consumer.assignment().length === 4, "the classic member to own the 4 partitions");
    expect(await groupType(groupId)).toBe("Classic");
    const next = await member(nextConnector, groupId, topic, "consumer");
    await waitFor(split(classic, next, 4), "the 4 partitions split between the two members");
    expect(await groupType(groupId)).toBe("Consumer");
    await consumeOnceAcross(classic, next, topic, groupId, 400);
    // The last consumer-protocol member leaving downgrades the group (BIDIRECTIONAL policy).
    must(await next.consumer.disconnect());
    await waitFor(() => classic.consumer.assignment().length === 4, "all 4 partitions back on the classic member");
    await waitFor(async () => (await groupType(groupId)) === "Classic", "the group back to Classic", 20_000);
  }, 120_000);
});
