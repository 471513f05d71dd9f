/**
 * KIP-848 (`groupProtocol: "consumer"`). platformatic joins a consumer-protocol group only from
 * `consume()`, whose MessagesStream would fetch and commit by itself. This driver makes one such
 * stream and never reads it: a stream nobody reads never fetches (platformatic's fetch loop
 * returns while `readableFlowing` is null), so it is only the membership; the driver's own fetch
 * loop reads, as under the classic protocol.
 *
 * The coordinator answers every ConsumerGroupHeartbeat with the member's epoch and, when it
 * changed, its whole assignment. platformatic acts on an answer at once: the next heartbeat
 * already hands the revoked partitions back. Core must first end their deliveries and commit
 * them, or the next owner would start below what this member still handles. So the driver sees
 * each answer before platformatic does: `kGetApi` (platformatic's exported extension point,
 * through which every request finds its API) gives platformatic a ConsumerGroupHeartbeat that
 * waits for the revocation before handing the answer on. No heartbeat goes out meanwhile; core
 * bounds the wait (closeTimeoutMs), well inside the broker's rebalance and session timeouts.
 */
import type { TopicPartition } from "@qi/streaming";
import { findErrorBy, kGetApi, type Consumer, type MessagesStream } from "@platformatic/kafka";
import type { Membership } from "./membership.js";

type Client = Consumer<Buffer, Buffer, Buffer, Buffer>;

/** What this module reads of a ConsumerGroupHeartbeat answer. */
interface HeartbeatAnswer {
  readonly memberEpoch: number;
  readonly assignment: { readonly topicPartitions: readonly { readonly topicId: string; readonly partitions: readonly number[] }[] } | null;
}

type Assigned = NonNullable<HeartbeatAnswer["assignment"]>["topicPartitions"];

/** An API as `kGetApi` hands it over: a function carrying its key and version. */
type Api = ((...args: unknown[]) => void) & { key?: number; version?: number };
type GetApi = (name: string, callback: (error: Error | null, api?: Api) => void) => void;

/** The member epoch a leave sends; its answer carries no assignment. */
const LEAVING = -1;

export class ConsumerProtocolMember {
  /** The member epoch of the last answer (TxnOffsetCommit names the member by it). */
  epoch = 0;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  private readonly undo: () => void;
  /**
   * The last assignment an answer carried, until its topic ids are known by name. The
   * coordinator sends an assignment only when it changes: one the metadata could not name
   * (a look-up that failed) is taken at a later answer, never dropped.
   */
  private pending: Assigned | undefined;

  /**
   * @param lost the membership stream ended while the member was running (the member is out of its group)
   */
  constructor(
    private readonly consumer: Client,
    private readonly membership: Membership,
    private readonly lost: (error: unknown) => void,
  ) {
    this.undo = intercept(consumer, (answer, error) => this.answered(answer, error));
  }

  /** Joins (platformatic's first heartbeat); the assignment follows in a later answer. */
  async join(topics: readonly string[]): Promise<void> {
    if (this.stream) return;
    const stream = await this.consumer.consume({ topics: [...topics], autocommit: false });
    this.stream = stream;
    // An error destroys the stream and platformatic drops its topics: the member then subscribes to nothing.
    stream.once("error", (error: unknown) => this.lost(error));
    stream.once("close", () => {
      if (this.stream === stream) this.stream = undefined;
    });
  }

  /** Ends the membership stream (platformatic refuses to leave the group while one is open). */
  async leave(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream && !stream.closed) await stream.close().catch(() => {});
  }

  dispose(): void {
    this.undo();
  }

  /**
   * Before platformatic reads an answer: partitions the new assignment leaves out are revoked
   * (core ends their deliveries, commits them). Returns what runs once platformatic has taken
   * the answer (its new epoch then names the member's look-ups of committed offsets): taking
   * the new partitions. A fenced or unknown member owns nothing any more: all is given back.
   */
  private async answered(answer: HeartbeatAnswer | undefined, error: unknown): Promise<(() => void) | undefined> {
    if (!answer) {
      const err = error as Error | null;
      if (findErrorBy(err, "apiId", "FENCED_MEMBER_EPOCH") || findErrorBy(err, "apiId", "UNKNOWN_MEMBER_ID")) {
        this.pending = undefined;
        await this.membership.revokeMissing([]);
      }
      return undefined;
    }
    this.epoch = answer.memberEpoch;
    if (answer.assignment) this.pending = answer.assignment.topicPartitions;
    const assigned = this.pending;
    if (!assigned) return undefined;
    const now = await this.names(assigned);
    if (!now) return undefined;
    this.pending = undefined;
    await this.membership.revokeMissing(now);
    return () => this.membership.reassigned(now);
  }

  /** The assignment by topic name (the answer names topics by id), or undefined while an id is unknown. */
  private async names(assigned: Assigned): Promise<TopicPartition[] | undefined> {
    const topics = this.consumer.topics.current;
    let metadata = await this.consumer.metadata({ topics }).catch(() => undefined);
    const known = (): boolean => assigned.every((a) => [...(metadata?.topics.values() ?? [])].some((t) => t.id === a.topicId));
    if (!known()) metadata = await this.consumer.metadata({ topics, forceUpdate: true }).catch(() => metadata);
    if (!known()) return undefined;
    const byId = new Map([...(metadata?.topics ?? [])].map(([name, t]) => [t.id, name]));
    return assigned.flatMap((a) => a.partitions.map((partition) => ({ topic: byId.get(a.topicId)!, partition })));
  }
}

/**
 * Makes `consumer`'s heartbeats wait for `answered` (which never rejects) before platformatic
 * reads their outcome, and runs what it returns right after. Returns the undo.
 */
function intercept(consumer: Client, answered: (answer: HeartbeatAnswer | undefined, error: unknown) => Promise<(() => void) | undefined>): () => void {
  const target = consumer as unknown as Record<typeof kGetApi, GetApi>;
  const original = target[kGetApi];
  const getApi: GetApi = (name, callback) =>
    original.call(consumer, name, (error, api) => {
      if (error || !api || name !== "ConsumerGroupHeartbeat") return callback(error, api);
      const heartbeat: Api = (...args: unknown[]) => {
        const done = args.pop() as (error: unknown, answer?: HeartbeatAnswer) => void;
        // (connection, groupId, memberId, memberEpoch, ...): a leave is handed on untouched.
        if (args[3] === LEAVING) return api(...args, done);
        api(...args, (e: unknown, answer?: HeartbeatAnswer) => {
          void answered(e ? undefined : answer, e).catch(() => undefined).then((after) => {
            done(e, answer);
            after?.();
          });
        });
      };
      heartbeat.key = api.key;
      heartbeat.version = api.version;
      callback(null, heartbeat);
    });
  target[kGetApi] = getApi;
  return () => {
    // The own property goes: the prototype's method shows through again.
    if (target[kGetApi] === getApi) delete (target as Partial<Record<typeof kGetApi, GetApi>>)[kGetApi];
  };
}
