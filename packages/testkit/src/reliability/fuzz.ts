/**
 * Bad input (issue 15): a fuzzer over every public function and method, in any order, for the
 * connector under test, the memory connector and a hostile connector whose drivers throw and
 * reject with non-Error values. It draws from every class of hostile value: prototype-less
 * objects, BigInt, symbols, wrong primitive types, getters that throw (at once or on their
 * second read), revoked Proxies, Proxies whose `get`/`has`/`ownKeys`/`getPrototypeOf` traps
 * throw, cyclic and frozen objects, `Result` look-alikes whose `isErr` throws, configs changed
 * (or revoked) after the client was created, handlers that throw, reject or return `err` of
 * such values, hang until their signal aborts, or hang forever.
 *
 * It counts synchronous throws, rejections, unhandled rejections, uncaught exceptions, calls
 * that return something other than a `Result` where one is promised, and calls that do not
 * settle within 5 s: all must be 0. The seed is fixed and printed; `QI_FUZZ_SEED` replays a
 * run, `QI_FUZZ_CALLS` sets the number of calls (default `fuzzRuns`, 50,000), `QI_FUZZ_LONG=1`
 * runs 500,000.
 */
import { configFromEnv, createStreamingClient, err, isQiError, mayHaveBeenWritten, messagesToResend, registerConnector, silentLogger, type IStreamingAdmin, type IStreamingConsumer, type IStreamingProducer, type QiError, type StreamingClient, type StreamingConfig } from "@qi/streaming";
import { memoryConnector, unregisterConnector, type AdminDriver, type ConsumerDriver, type IStreamingConnector, type ProducerDriver } from "@qi/streaming/connector";
import { expect } from "vitest";
import { must, sleep } from "../suite/bed.js";
import { defineGroup } from "../suite/group.js";
import type { ReliabilityOptions } from "./options.js";

/** A call that has not settled after this long counts as a hang. */
const SETTLE_MS = 5_000;
const DEFAULT_SEED = 0x15f022;
const MAX_IN_FLIGHT = 16;

/** mulberry32: small, fast, and the same sequence for a seed on every platform. */
class Rng {
  constructor(private state: number) {}
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile values, by class.

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

const TRAPS = ["get", "has", "ownKeys", "getPrototypeOf", "getOwnPropertyDescriptor"] as const;

/** A value to throw: an Error, or anything else a handler or a driver might throw. */
function throwable(r: Rng): unknown {
  switch (r.int(10)) {
    case 0:
      return new Error("fuzz error");
    case 1:
      return Object.create(null);
    case 2:
      return revoked();
    case 3:
      return 42n;
    case 4:
      return Symbol("thrown");
    case 5:
      return undefined;
    case 6:
      return "a thrown string";
    case 7:
      return trapProxy(r, { message: "trap" });
    case 8:
      return getterThrows({ message: "m", code: "ECONNRESET" }, "message");
    default:
      return { code: 3, message: "protocol-looking", cause: revoked() };
  }
}

function trapProxy(r: Rng, target: object): object {
  const trap = r.pick(TRAPS);
  const seed = r.int(1000);
  return new Proxy(target, {
    [trap]: () => {
      throw throwable(new Rng(seed));
    },
  });
}

function getterThrows(base: Record<string, unknown>, key: string): object {
  return Object.defineProperty({ ...base }, key, {
    enumerable: true,
    get: () => {
      throw Object.create(null);
    },
  });
}

/** A getter that answers `value` once, then throws. */
function secondReadThrows(base: Record<string, unknown>, key: string): object {
  let reads = 0;
  const value = base[key];
  return Object.defineProperty({ ...base }, key, {
    enumerable: true,
    get: () => {
      if (++reads > 1) throw revoked();
      return value;
    },
  });
}

const PRIMITIVES: readonly unknown[] = [undefined, null, NaN, -1, 0, 1.5, 2 ** 31, -0, Infinity, "", " ", "bad topic!", "..", "a".repeat(300), "0", "-1", "1e3", "99999999999999999999", true, false, 10n, -1n, Symbol("s"), Symbol.iterator];

/** Any hostile value (depth-limited). */
function junk(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 1 ? 4 : 14)) {
    case 0:
    case 1:
      return r.pick(PRIMITIVES);
    case 2:
      return revoked();
    case 3:
      return Object.create(null);
    case 4:
      return Object.assign(Object.create(null), { topic: "t", value: "v", groupId: "g" });
    case 5:
      return trapProxy(r, r.chance(0.5) ? {} : []);
    case 6:
      return getterThrows({}, r.pick(["value", "topic", "topics", "groupId", "length", "isErr"]));
    case 7: {
      const o: Record<string, unknown> = { value: "v", topic: "t" };
      o.self = o;
      return o;
    }
    case 8:
      return Object.freeze([junk(r, depth + 1), junk(r, depth + 1)]);
    case 9:
      return [junk(r, depth + 1), junk(r, depth + 1), junk(r, depth + 1)];
    case 10: {
      const thrown = throwable(r);
      return () => {
        throw thrown;
      };
    }
    case 11:
      return r.pick([Buffer.from("b"), new Date(Number.NaN), new Map([["a", 1]]), new Uint8Array(2), /re/]);
    case 12:
      return { isErr: () => { throw Object.create(null); }, isOk: () => true, value: 1 };
    default:
      return Object.freeze({ nested: Object.create(null), big: 1n, sym: Symbol("x") });
  }
}

/**
 * A variant of a valid argument: as it is (so calls also succeed), one field hostile, dropped
 * or added, the whole prototype-less, behind a throwing trap, with a getter that throws (at once
 * or on the second read), cyclic, frozen, or replaced by junk. Keys in `keep` are never dropped.
 */
function variant(r: Rng, valid: Record<string, unknown>, keep: readonly string[] = []): unknown {
  const keys = Object.keys(valid);
  const key = keys.length > 0 ? r.pick(keys) : "x";
  switch (r.int(12)) {
    case 0:
    case 1:
    case 2:
      return valid;
    case 3:
      return keep.includes(key) ? valid : { ...valid, [key]: junk(r) };
    case 4:
      if (keep.includes(key)) return valid;
      return Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key));
    case 5:
      return { ...valid, [r.pick(["unknownKey", "__proto__", "constructor"])]: junk(r) };
    case 6:
      return Object.assign(Object.create(null), valid);
    case 7:
      return trapProxy(r, { ...valid });
    case 8:
      return getterThrows(valid, key);
    case 9:
      return secondReadThrows(valid, key);
    case 10: {
      const o: Record<string, unknown> = { ...valid };
      o[keep.includes(key) ? "extra" : key] = o;
      return o;
    }
    default:
      return r.chance(0.5) ? Object.freeze({ ...valid }) : junk(r);
  }
}

// ---------------------------------------------------------------------------------------------
// The world: clients and roles of three kinds, reused across calls in any order.

type Kind = "target" | "memory" | "hostile";
interface Entry<T> {
  readonly value: T;
  readonly kind: Kind;
  /** Set up by the test and kept connected: never disconnected by a drawn call. */
  readonly fixed?: boolean;
}

interface World {
  readonly r: Rng;
  /** For what happens when a call settles (pool upkeep): the draws stay the same whatever the timing. */
  readonly later: Rng;
  readonly topic: string;
  readonly memoryTopic: string;
  readonly clients: Entry<StreamingClient>[];
  readonly producers: Entry<IStreamingProducer>[];
  readonly consumers: Entry<IStreamingConsumer>[];
  readonly admins: Entry<IStreamingAdmin>[];
  /** Configs given to clients, mutated (or revoked) afterwards. */
  readonly configs: { value: Record<string, unknown>; revoke?: () => void }[];
  /** Errors returned by sends, for messagesToResend / mayHaveBeenWritten. */
  readonly errors: QiError[];
  readonly baseTarget: () => StreamingConfig;
  readonly hostileName: string;
  readonly cluster: string;
  /** Broker-reaching connects left (they are slow on some clients). */
  connectsLeft: number;
  /** Topics left to create on the broker (the rest of the createTopics calls there are hostile). */
  topicsLeft: number;
}

const POOL = 10;

function add<T>(pool: Entry<T>[], entry: Entry<T>, r: Rng, onDrop?: (e: Entry<T>) => void): void {
  // A client caches its producer and admin: the same object is one entry (a fixed one stays fixed).
  if (pool.some((e) => e.value === entry.value)) return;
  if (pool.length >= POOL) {
    const at = pool.findIndex((e, i) => !e.fixed && i >= r.int(pool.length));
    if (at >= 0) {
      const [dropped] = pool.splice(at, 1);
      if (dropped) onDrop?.(dropped);
    } else return;
  }
  pool.push(entry);
}

/** A handler: fine, slow, throwing, rejecting, `err`, junk, waiting for its signal, or hanging forever. */
function handler(r: Rng, allowForever: boolean): (m: unknown, c: { signal: AbortSignal }) => unknown {
  const mode = r.int(allowForever ? 9 : 8);
  const seed = r.int(1 << 30);
  return (_m, c) => {
    const h = new Rng(seed);
    switch (mode) {
      case 0:
        return undefined;
      case 1:
        return sleep(h.int(5));
      case 2:
        throw throwable(h);
      case 3:
        return Promise.reject(throwable(h));
      case 4:
        return err(throwable(h));
      case 5:
        return junk(h);
      case 6:
        return new Promise((_, reject) => c.signal.addEventListener("abort", () => reject(c.signal.reason)));
      case 7:
        return h.chance(0.5) ? undefined : Promise.reject(revoked());
      default:
        return new Promise(() => {}); // ignores its signal, never settles
    }
  };
}

function messageBase(r: Rng): Record<string, unknown> {
  return { key: r.chance(0.5) ? `k${r.int(8)}` : null, value: r.chance(0.9) ? `v${r.int(1000)}` : null, headers: { h: "x" } };
}

function consumerBase(w: World): Record<string, unknown> {
  const r = w.r;
  return {
    groupId: `fuzz-${w.cluster}-${r.int(1 << 30)}`,
    // Every drawn consumer bounds its disconnect (a drawn handler may hang forever).
    closeTimeoutMs: r.between(20, 1200),
    retry: { attempts: r.between(1, 2), initialBackoffMs: 1, maxBackoffMs: 5 },
    onFailure: r.pick(["skip", "stop", { deadLetterTopic: "fuzz-dlq" }]),
    ...(r.chance(0.3) ? { handlerTimeoutMs: r.between(5, 200) } : {}),
    ...(r.chance(0.3) ? { onError: () => { throw revoked(); } } : {}),
  };
}

function producerBase(r: Rng): Record<string, unknown> {
  return { maxBlockMs: r.between(10, 1000), closeTimeoutMs: r.between(10, 1000), timeout: r.between(500, 2000), ...(r.chance(0.3) ? { lingerMs: r.int(5) } : {}), ...(r.chance(0.2) ? { bufferMemory: r.between(1, 4096) } : {}) };
}

/** The hostile connector: memory underneath, each driver call throwing or rejecting non-Error values a third of the time each. */
function hostileConnector(name: string, seed: number): IStreamingConnector {
  const r = new Rng(seed);
  const wrap = <T extends object>(real: T): T =>
    new Proxy(real, {
      get(target, key) {
        const v: unknown = Reflect.get(target, key);
        if (typeof v !== "function" || key === "batchesAcrossCalls") return v;
        // `assignment` and `native` answer at once: they throw, never reject.
        const sync = key === "assignment" || key === "native";
        return (...args: unknown[]) => {
          const roll = r.int(6);
          if (roll === 0) throw throwable(r);
          if (roll === 1 && !sync) return Promise.reject(throwable(r));
          return Reflect.apply(v as (...a: unknown[]) => unknown, target, args);
        };
      },
    });
  return {
    ...memoryConnector,
    name,
    capabilities: { ...memoryConnector.capabilities },
    createProducer: (ctx, cfg) => wrap(memoryConnector.createProducer(ctx, cfg)) as ProducerDriver,
    createConsumer: (ctx, cfg) => wrap(memoryConnector.createConsumer(ctx, cfg)) as ConsumerDriver,
    createAdmin: (ctx) => wrap(memoryConnector.createAdmin(ctx)) as AdminDriver,
    healthCheck: () => (r.chance(0.5) ? Promise.reject(throwable(r)) : Promise.resolve(true)),
    classifyError: () => {
      if (r.chance(0.3)) throw throwable(r);
      return undefined;
    },
  };
}

function clientConfig(w: World, kind: Kind): Record<string, unknown> {
  const r = w.r;
  if (kind === "target") return { ...w.baseTarget(), logger: silentLogger, connectionTimeout: 3000, requestTimeout: 3000 } as Record<string, unknown>;
  const logger = r.chance(0.2) ? { debug: () => { throw revoked(); }, info: () => {}, warn: () => {}, error: () => { throw Object.create(null); } } : silentLogger;
  return { connector: kind === "memory" ? "memory" : w.hostileName, clientId: `fuzz-${r.int(100)}`, logger, options: { cluster: w.cluster, autoCreateTopics: true }, retry: { retries: r.between(1, 3) } };
}

// ---------------------------------------------------------------------------------------------
// The calls. Each is one call of the public API; `expect` says what it must return.

type Expect = "result" | "async" | "boolean" | "array" | "any";
interface Call {
  readonly name: string;
  /** Whose object the call is on (set for role and client calls). */
  kind?: Kind;
  readonly expect: Expect;
  readonly run: () => unknown;
}

const pickEntry = <T>(r: Rng, pool: Entry<T>[]): Entry<T> | undefined => (pool.length === 0 ? undefined : r.pick(pool));

/** Picks one call, with its arguments, from the world. */
function draw(w: World): Call | undefined {
  const picked: { kind?: Kind } = {};
  const call = drawCall(w, picked);
  if (call && picked.kind) call.kind = picked.kind;
  return call;
}

function drawCall(w: World, picked: { kind?: Kind }): Call | undefined {
  const r = w.r;
  const roll = r.int(100);
  const kind: Kind = r.chance(0.2) ? "target" : r.chance(0.7) ? "memory" : "hostile";
  const topicOf = (k: Kind): string => (k === "target" ? w.topic : w.memoryTopic);

  if (roll < 4) {
    const base = clientConfig(w, r.chance(0.1) ? "target" : kind === "target" ? "memory" : kind);
    const isTarget = base.connector !== "memory" && base.connector !== w.hostileName;
    const revocable = r.chance(0.2) ? Proxy.revocable({ ...base }, {}) : undefined;
    const config = revocable ? revocable.proxy : (variant(r, base, ["logger", "connector", "options"]) as Record<string, unknown>);
    return {
      name: "createStreamingClient",
      expect: "result",
      run: () => {
        const made = createStreamingClient(config as never);
        if (made.isOk()) {
          add(w.clients, { value: made.value, kind: isTarget ? "target" : base.connector === "memory" ? "memory" : "hostile" }, r, (e) => void e.value.disconnect());
          if (typeof config === "object" && config !== null) w.configs.push({ value: config, revoke: revocable?.revoke });
          if (w.configs.length > 20) w.configs.shift();
        }
        return made;
      },
    };
  }
  if (roll < 5) {
    const arg = r.pick([() => configFromEnv(), () => err(throwable(r)), () => junk(r), () => ({ isErr: () => { throw revoked(); } })])();
    return { name: "createStreamingClient(result)", expect: "result", run: () => createStreamingClient(arg as never) };
  }
  if (roll < 7) {
    const env = r.chance(0.3) ? junk(r) : variant(r, { QI_STREAMING_CONNECTOR: "memory", QI_STREAMING_BROKERS: "localhost:9092", QI_STREAMING_SASL_PASSWORD: "pw", QI_STREAMING_RETRY_RETRIES: "3" });
    return { name: "configFromEnv", expect: "result", run: () => configFromEnv(env as never) };
  }
  if (roll < 8) {
    const name = `fuzz-reg-${r.int(5)}`;
    const connector = r.chance(0.3) ? junk(r) : variant(r, { ...hostileConnector(name, r.int(1000)) } as unknown as Record<string, unknown>);
    return {
      name: "registerConnector",
      expect: "result",
      run: () => {
        const result = registerConnector(connector as never);
        unregisterConnector(name);
        return result;
      },
    };
  }
  if (roll < 9) {
    // Mutate (or revoke) a config after its client was created: no library call, the next ones must not care.
    const c = w.configs.length > 0 ? r.pick(w.configs) : undefined;
    if (c) {
      try {
        if (c.revoke && r.chance(0.5)) c.revoke();
        else {
          const k = r.pick(["brokers", "options", "clientId", "connector", "logger", "retry"]);
          if (r.chance(0.5)) c.value[k] = junk(r);
          else Object.defineProperty(c.value, k, { configurable: true, enumerable: true, get: () => { throw revoked(); } });
        }
      } catch {
        // frozen or revoked already: nothing to change
      }
    }
    return undefined;
  }

  const client = pickEntry(r, w.clients.filter((c) => c.kind === kind)) ?? pickEntry(r, w.clients);
  if (roll < 22 && client) {
    const c = client.value;
    picked.kind = client.kind;
    const which = r.int(9);
    switch (which) {
      case 0:
        return {
          name: "client.getProducer",
          expect: "async",
          run: () => {
            const cfg = r.chance(0.15) ? undefined : variant(r, producerBase(r), ["maxBlockMs", "closeTimeoutMs", "timeout"]);
            return c.getProducer(cfg as never).map((p) => (add(w.producers, { value: p, kind: client.kind }, w.later), p));
          },
        };
      case 1:
      case 2:
        return {
          name: "client.getConsumer",
          expect: "async",
          run: () => c.getConsumer(variant(r, consumerBase(w), ["closeTimeoutMs", "groupId"]) as never).map((k) => (add(w.consumers, { value: k, kind: client.kind }, w.later), k)),
        };
      case 3:
        return { name: "client.getAdmin", expect: "async", run: () => c.getAdmin().map((a) => (add(w.admins, { value: a, kind: client.kind }, w.later), a)) };
      case 4:
        return { name: "client.isHealthy", expect: "async", run: () => c.isHealthy() };
      case 5:
        if (client.fixed) return { name: "client.isHealthy", expect: "async", run: () => c.isHealthy() };
        return { name: "client.disconnect", expect: "async", run: () => c.disconnect() };
      case 6:
        return { name: "client.toJSON", expect: "any", run: () => JSON.stringify(c) };
      case 7:
        return { name: "client.config", expect: "any", run: () => c.config };
      default:
        return { name: "client.inspect", expect: "any", run: () => String((c as unknown as Record<symbol, () => string>)[Symbol.for("nodejs.util.inspect.custom")]!()) };
    }
  }

  if (roll < 50) {
    const p = pickEntry(r, w.producers.filter((e) => e.kind === kind)) ?? pickEntry(r, w.producers);
    if (!p) return undefined;
    picked.kind = p.kind;
    const producer = p.value;
    const topic = topicOf(p.kind);
    const remember = (res: { isErr(): boolean; error?: unknown }): void => {
      if (res.isErr() && w.errors.length < 50) w.errors.push(res.error as QiError);
    };
    switch (r.int(12)) {
      case 0:
        if (p.kind === "target" && !producer.isConnected() && w.connectsLeft-- <= 0) return undefined;
        return { name: "producer.connect", expect: "async", run: () => producer.connect() };
      case 1:
      case 2:
      case 3:
        return { name: "producer.send", expect: "async", run: () => producer.send(r.chance(0.85) ? topic : (junk(r) as string), variant(r, messageBase(r)) as never).map((x) => x).mapErr((e) => (remember({ isErr: () => true, error: e }), e)) };
      case 4: {
        const batch = r.chance(0.2) ? junk(r) : Array.from({ length: r.int(4) }, () => (r.chance(0.8) ? { topic, message: variant(r, messageBase(r)) } : junk(r)));
        return { name: "producer.sendBatch", expect: "async", run: () => producer.sendBatch(batch as never).mapErr((e) => (remember({ isErr: () => true, error: e }), e)) };
      }
      case 5:
        return { name: "producer.flush", expect: "async", run: () => producer.flush() };
      case 6:
        return { name: "producer.waitForRoom", expect: "async", run: () => producer.waitForRoom() };
      case 7:
        return { name: "producer.hasRoom", expect: "boolean", run: () => producer.hasRoom() };
      case 8:
        if (p.fixed) return { name: "producer.isConnected", expect: "boolean", run: () => producer.isConnected() };
        return { name: "producer.disconnect", expect: "async", run: () => producer.disconnect() };
      case 9:
        return { name: "producer.isConnected", expect: "boolean", run: () => producer.isConnected() };
      case 10:
        // The world's producers are plain ones: NOT_TRANSACTIONAL, or a STATE error when not connected.
        return { name: "producer.transaction", expect: "async", run: () => producer.transaction() };
      default:
        return { name: "producer.getNativeClient", expect: "any", run: () => void producer.getNativeClient() };
    }
  }

  if (roll < 75) {
    const k = pickEntry(r, w.consumers.filter((e) => e.kind === kind)) ?? pickEntry(r, w.consumers);
    if (!k) return undefined;
    picked.kind = k.kind;
    const consumer = k.value;
    const topic = topicOf(k.kind);
    const tp = (): unknown => variant(r, { topic, partition: r.int(3) });
    const list = (make: () => unknown): unknown => (r.chance(0.15) ? junk(r) : Array.from({ length: r.between(0, 3) }, make));
    switch (r.int(12)) {
      case 0:
        // A drawn consumer of the connector under test never joins a group: a join takes seconds on a broker.
        if (k.kind === "target" && !k.fixed) return { name: "consumer.isConnected", expect: "boolean", run: () => consumer.isConnected() };
        return { name: "consumer.connect", expect: "async", run: () => consumer.connect() };
      case 1:
        return { name: "consumer.subscribe", expect: "async", run: () => consumer.subscribe(variant(r, { topics: r.chance(0.9) ? [topic] : [junk(r)], fromBeginning: r.chance(0.5) }) as never) };
      case 2: {
        if (k.kind === "target" && consumer.isConnected()) return { name: "consumer.assignment", expect: "array", run: () => consumer.assignment() };
        const key = r.chance(0.8) ? "eachMessage" : "eachBatch";
        return { name: "consumer.run", expect: "async", run: () => consumer.run(variant(r, { [key]: handler(r, k.kind !== "target") }) as never) };
      }
      case 3:
        return { name: "consumer.commitOffsets", expect: "async", run: () => consumer.commitOffsets(r.chance(0.3) ? undefined : (list(() => variant(r, { topic, partition: r.int(2), offset: String(r.int(10)) })) as never)) };
      case 4:
        return { name: "consumer.seek", expect: "async", run: () => consumer.seek(r.chance(0.8) ? topic : (junk(r) as string), (r.chance(0.8) ? r.int(2) : junk(r)) as number, (r.chance(0.8) ? String(r.int(5)) : junk(r)) as string) };
      case 5:
        return { name: "consumer.pause", expect: "async", run: () => consumer.pause(list(tp) as never) };
      case 6:
        return { name: "consumer.resume", expect: "async", run: () => consumer.resume(list(tp) as never) };
      case 7:
        return { name: "consumer.assignment", expect: "array", run: () => consumer.assignment() };
      case 8:
      case 9:
        if (k.fixed) return { name: "consumer.assignment", expect: "array", run: () => consumer.assignment() };
        return { name: "consumer.disconnect", expect: "async", run: () => consumer.disconnect() };
      case 10:
        return { name: "consumer.isConnected", expect: "boolean", run: () => consumer.isConnected() };
      default:
        return { name: "consumer.getNativeClient", expect: "any", run: () => void consumer.getNativeClient() };
    }
  }

  if (roll < 90) {
    const a = pickEntry(r, w.admins.filter((e) => e.kind === kind)) ?? pickEntry(r, w.admins);
    if (!a) return undefined;
    picked.kind = a.kind;
    const admin = a.value;
    const topic = topicOf(a.kind);
    switch (r.int(10)) {
      case 0:
        if (a.kind === "target" && !admin.isConnected() && w.connectsLeft-- <= 0) return undefined;
        return { name: "admin.connect", expect: "async", run: () => admin.connect() };
      case 1: {
        // Topics are created on a broker only a few times per run; otherwise the argument is hostile.
        const real = a.kind !== "target" || w.topicsLeft-- > 0;
        const name = `fuzz-${w.cluster}-${r.int(1 << 30)}`;
        const valid = { topic: name, numPartitions: r.between(1, 3), configs: { "retention.ms": "60000" } };
        const arg = real ? [r.chance(0.5) ? valid : variant(r, valid)] : [junk(r), valid].slice(0, 1);
        return { name: "admin.createTopics", expect: "async", run: () => admin.createTopics((r.chance(0.1) ? junk(r) : arg) as never) };
      }
      case 2: {
        // On a broker, only topics that do not exist: a real deletion is controller work that can
        // take seconds on a loaded machine (the conformance suite deletes topics).
        const names = r.chance(0.5) ? [`fuzz-missing-${r.int(100)}`] : r.chance(0.5) ? [junk(r)] : junk(r);
        return { name: "admin.deleteTopics", expect: "async", run: () => admin.deleteTopics(names as never) };
      }
      case 3:
        return { name: "admin.listTopics", expect: "async", run: () => admin.listTopics() };
      case 4:
        return { name: "admin.getTopicMetadata", expect: "async", run: () => admin.getTopicMetadata((r.chance(0.7) ? [topic] : r.chance(0.5) ? [junk(r)] : junk(r)) as never) };
      case 5:
        return { name: "admin.fetchCommittedOffsets", expect: "async", run: () => admin.fetchCommittedOffsets((r.chance(0.7) ? "fuzz-group" : junk(r)) as string, (r.chance(0.6) ? topic : junk(r)) as string) };
      case 6:
        if (a.fixed) return { name: "admin.listTopics", expect: "async", run: () => admin.listTopics() };
        return { name: "admin.disconnect", expect: "async", run: () => admin.disconnect() };
      case 7:
        return { name: "admin.isConnected", expect: "boolean", run: () => admin.isConnected() };
      default:
        return { name: "admin.getNativeClient", expect: "any", run: () => void admin.getNativeClient() };
    }
  }

  const error = r.chance(0.7) && w.errors.length > 0 ? r.pick(w.errors) : junk(r);
  const items = r.chance(0.8) ? Array.from({ length: r.int(4) }, () => messageBase(r)) : junk(r);
  if (r.chance(0.5)) return { name: "messagesToResend", expect: "array", run: () => messagesToResend(items as never, error as never, (r.chance(0.7) ? { includeUnknown: r.chance(0.5) } : junk(r)) as never) };
  return { name: "mayHaveBeenWritten", expect: "boolean", run: () => mayHaveBeenWritten(error as never) };
}

// ---------------------------------------------------------------------------------------------
// Counting.

interface Tally {
  calls: number;
  okResults: number;
  errResults: number;
  throws: number;
  rejections: number;
  notAResult: number;
  unhandled: number;
  uncaught: number;
  unsettled: number;
  /** Calls on the connector under test's clients and roles, and how many of those were ok. */
  target: number;
  targetOk: number;
  /** The first few failures, with the call's name, for the report. */
  readonly samples: string[];
}

const describe = (e: unknown): string => {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : typeof e === "symbol" ? e.toString() : typeof e === "object" && e !== null ? `object ${Object.keys(e).join(",")}` : String(e);
  } catch {
    return "an unreadable value";
  }
};

function isResult(v: unknown): v is { isOk(): boolean; isErr(): boolean; error?: unknown } {
  return typeof v === "object" && v !== null && typeof (v as { isOk?: unknown }).isOk === "function" && typeof (v as { isErr?: unknown }).isErr === "function";
}

/** Runs `count` drawn calls with up to MAX_IN_FLIGHT unsettled at once. */
async function fuzz(w: World, count: number, tally: Tally): Promise<void> {
  const pending = new Map<number, { name: string; started: number; flagged: boolean }>();
  let id = 0;
  const sample = (line: string): void => void (tally.samples.length < 12 && tally.samples.push(line));
  const wrong = (line: string): void => {
    tally.notAResult++;
    sample(line);
  };
  const check = (call: Call, value: unknown): void => {
    if (call.expect === "boolean" && typeof value !== "boolean") wrong(`${call.name} returned ${describe(value)}`);
    if (call.expect === "array" && !Array.isArray(value)) wrong(`${call.name} returned ${describe(value)}`);
    if (call.expect === "result" || call.expect === "async") {
      if (!isResult(value)) wrong(`${call.name} settled with ${describe(value)}`);
      else if (value.isOk()) {
        tally.okResults++;
        if (call.kind === "target") tally.targetOk++;
      }
      else if (isQiError(value.error)) tally.errResults++;
      else wrong(`${call.name} returned an err that is not a QiError: ${describe(value.error)}`);
    }
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const p of pending.values()) {
      if (!p.flagged && now - p.started > SETTLE_MS) {
        p.flagged = true;
        tally.unsettled++;
        sample(`${p.name} did not settle within ${SETTLE_MS} ms`);
      }
    }
  }, 250);
  try {
    for (let i = 0; i < count; ) {
      const call = draw(w);
      if (!call) continue;
      i++;
      tally.calls++;
      if (call.kind === "target") tally.target++;
      let value: unknown;
      try {
        value = call.run();
      } catch (thrown) {
        tally.throws++;
        sample(`${call.name} threw ${describe(thrown)}${thrown instanceof Error ? ` at ${(thrown.stack ?? "").split("\n").slice(1, 4).join(" < ")}` : ""}`);
        continue;
      }
      const thenable = typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
      if (call.expect === "async" && !thenable) wrong(`${call.name} returned no ResultAsync`);
      if (!thenable) {
        check(call, value);
        continue;
      }
      const n = id++;
      pending.set(n, { name: call.name, started: Date.now(), flagged: false });
      (value as PromiseLike<unknown>).then(
        (settled) => {
          pending.delete(n);
          check(call, settled);
        },
        (rejected: unknown) => {
          pending.delete(n);
          tally.rejections++;
          sample(`${call.name} rejected with ${describe(rejected)}`);
        },
      );
      // Let I/O and timers run; keep at most MAX_IN_FLIGHT calls unsettled.
      if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
      while (pending.size >= MAX_IN_FLIGHT) await sleep(1);
    }
    const deadline = Date.now() + SETTLE_MS + 2_000;
    while (pending.size > 0 && Date.now() < deadline) await sleep(20);
  } finally {
    clearInterval(sweep);
  }
  for (const p of pending.values()) {
    if (!p.flagged) {
      tally.unsettled++;
      sample(`${p.name} did not settle within ${SETTLE_MS} ms`);
    }
  }
}

/** Bad-input group: the fuzzer. Every count must be 0, and the client works afterwards. */
export const fuzzTests = defineGroup<ReliabilityOptions>("bad input", ({ test, options }) => {
  const long = process.env.QI_FUZZ_LONG === "1";
  const calls = Number(process.env.QI_FUZZ_CALLS ?? (long ? 500_000 : (options.fuzzRuns ?? 50_000)));
  const seed = Number(process.env.QI_FUZZ_SEED ?? DEFAULT_SEED);
  test(
    `${calls.toLocaleString("en")} fuzzed calls over every public function and method, any order, hostile values of every class: 0 throws, rejections, unhandled rejections, uncaught exceptions, unsettled calls`,
    async (bed) => {
      const started = Date.now();
      console.log(`[fuzz] ${options.connector.name}: seed ${seed} (replay: QI_FUZZ_SEED=${seed} QI_FUZZ_CALLS=${calls})`);
      const r = new Rng(seed);
      const hostileName = `fuzz-hostile-${process.pid.toString(36)}`.slice(0, 60);
      must(registerConnector(hostileConnector(hostileName, seed)));
      const cluster = `fuzz${seed.toString(36)}${process.pid.toString(36)}`;
      const topic = await bed.topic(2);
      const tally: Tally = { calls: 0, okResults: 0, errResults: 0, throws: 0, rejections: 0, notAResult: 0, unhandled: 0, uncaught: 0, unsettled: 0, target: 0, targetOk: 0, samples: [] };
      const onUnhandled = (e: unknown): void => {
        tally.unhandled++;
        if (tally.samples.length < 12) tally.samples.push(`unhandled rejection: ${describe(e)}`);
      };
      const onUncaught = (e: unknown): void => {
        tally.uncaught++;
        if (tally.samples.length < 12) tally.samples.push(`uncaught exception: ${describe(e)}`);
      };
      process.on("unhandledRejection", onUnhandled);
      process.on("uncaughtException", onUncaught);
      const target = bed.client({ logger: silentLogger });
      const memory = must(createStreamingClient({ logger: silentLogger, options: { cluster, autoCreateTopics: true } }));
      const hostile = must(createStreamingClient({ connector: hostileName, logger: silentLogger, options: { cluster, autoCreateTopics: true } }));
      try {
        // The connector under test: a producer, an admin and a running consumer, kept connected.
        const producer = must(await target.getProducer());
        const admin = must(await target.getAdmin());
        must(await producer.connect());
        must(await admin.connect());
        const mode = { handler: handler(r, false) };
        const consumer = must(
          await target.getConsumer({ groupId: bed.name("fuzz"), closeTimeoutMs: 1500, handlerTimeoutMs: 300, retry: { attempts: 2, initialBackoffMs: 1, maxBackoffMs: 5 }, onFailure: "skip", onError: () => { throw Object.create(null); } }),
        );
        must(await consumer.connect());
        must(await consumer.subscribe({ topics: [topic], fromBeginning: true }));
        must(await consumer.run({ eachMessage: (m, c) => mode.handler(m, c) as never }));
        const w: World = {
          r,
          later: new Rng(seed ^ 0x2545f491),
          topic,
          memoryTopic: "fuzz-memory",
          clients: [
            { value: target, kind: "target", fixed: true },
            { value: memory, kind: "memory", fixed: true },
            { value: hostile, kind: "hostile", fixed: true },
          ],
          producers: [{ value: producer, kind: "target", fixed: true }],
          consumers: [{ value: consumer, kind: "target", fixed: true }],
          admins: [{ value: admin, kind: "target", fixed: true }],
          configs: [],
          errors: [],
          baseTarget: () => bed.baseConfig(),
          hostileName,
          cluster,
          connectsLeft: 60,
          topicsLeft: 2,
        };
        const swapRng = new Rng(seed ^ 0x5bd1e995);
        const swap = setInterval(() => (mode.handler = handler(swapRng, false)), 50);
        try {
          await fuzz(w, calls, tally);
        } finally {
          clearInterval(swap);
        }

        // A handler of the connector under test that hangs forever, ignoring its signal:
        // disconnect() must settle within 2 × closeTimeoutMs and report it abandoned.
        const abandoned: QiError[] = [];
        const hangs = must(await target.getConsumer({ groupId: bed.name("fuzz-hang"), closeTimeoutMs: 1000, onError: (e) => void abandoned.push(e) }));
        let entered = false;
        must(await hangs.connect());
        must(await hangs.subscribe({ topics: [topic], fromBeginning: true }));
        must(await hangs.run({ eachMessage: () => ((entered = true), new Promise(() => {})) }));
        must(await producer.send(topic, { key: "hang", value: "forever" }));
        const until = Date.now() + bed.t(20_000);
        while (!entered && Date.now() < until) await sleep(20);
        expect(entered).toBe(true);
        const t0 = Date.now();
        const closed = await hangs.disconnect();
        const closeMs = Date.now() - t0;
        tally.calls++;
        if (closed.isErr()) tally.errResults++;
        else tally.okResults++;
        expect(closeMs).toBeLessThan(SETTLE_MS);
        expect(abandoned.map((e) => e.code)).toContain("HANDLER_ABANDONED");

        // Everything drawn is closed (each counted: each must settle), then the client still works.
        const closing = w.clients.filter((c) => !c.fixed).map((c) => c.value.disconnect());
        const all = await Promise.race([Promise.all(closing), sleep(SETTLE_MS).then(() => undefined)]);
        if (all === undefined) tally.unsettled++;
        tally.calls += closing.length;
        must(await producer.send(topic, { key: "after", value: "fuzz" }));
        expect(must(await admin.listTopics())).toContain(topic);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        bed.report(
          `fuzzing (seed ${seed}): ${tally.calls.toLocaleString("en")} calls in ${seconds} s (${tally.okResults.toLocaleString("en")} ok, ${tally.errResults.toLocaleString("en")} err; ${tally.target.toLocaleString("en")} on ${options.connector.name}'s own clients and roles, ${tally.targetOk.toLocaleString("en")} of them ok); ${tally.throws} throws, ${tally.rejections} rejections, ${tally.unhandled} unhandled rejections, ${tally.uncaught} uncaught exceptions, ${tally.unsettled} unsettled, ${tally.notAResult} not a Result; a forever-hanging handler's disconnect ${closeMs} ms`,
        );
      } finally {
        // Uncounted: closing the test's own clients must not hide a failure above.
        await Promise.race([Promise.all([memory.disconnect(), hostile.disconnect()]), sleep(SETTLE_MS)]);
        await sleep(50);
        process.off("unhandledRejection", onUnhandled);
        process.off("uncaughtException", onUncaught);
        unregisterConnector(hostileName);
      }
      expect(tally.samples).toEqual([]);
      // The connector under test was exercised, not only memory and the hostile connector.
      expect(tally.targetOk).toBeGreaterThan(100);
      expect({ throws: tally.throws, rejections: tally.rejections, unhandled: tally.unhandled, uncaught: tally.uncaught, unsettled: tally.unsettled, notAResult: tally.notAResult }).toEqual({ throws: 0, rejections: 0, unhandled: 0, uncaught: 0, unsettled: 0, notAResult: 0 });
    },
    { timeout: 1_800_000 },
  );
});
