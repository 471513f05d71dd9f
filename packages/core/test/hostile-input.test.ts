/**
 * Issue 15, "What was found": one group per class of hostile input. Each test hands core the
 * value that used to throw, reject or hang, and asserts the Result it returns instead.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  configFromEnv,
  createStreamingClient,
  err,
  isQiError,
  mayHaveBeenWritten,
  memoryConnector,
  messagesToResend,
  registerConnector,
  silentLogger,
  toQiError,
  unregisterConnector,
  type ConsumerDriver,
  type IStreamingConnector,
  type ProducerDriver,
  type QiError,
  type StreamingClient,
} from "./both-surfaces.js";

const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** A revoked Proxy: every operation on it throws a TypeError. */
function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}
/** An object whose every property read throws. */
const throwingGetter = (): object =>
  new Proxy({}, { get: () => { throw new Error("get trap"); }, ownKeys: () => { throw new Error("ownKeys trap"); } });
/** A Proxy whose `has` trap throws (the `in` operator). */
const throwingHas = (): object => new Proxy({ value: "x", topics: ["t"] }, { has: () => { throw new Error("has trap"); } });
/** An object whose getter throws. */
const getterThrows = (key: string): object => Object.defineProperty({}, key, { enumerable: true, get: () => { throw new Error(`${key} getter`); } });

const HOSTILE: Record<string, () => unknown> = {
  "revoked Proxy": revoked,
  "throwing get trap": throwingGetter,
  "throwing has trap": throwingHas,
  "prototype-less object": () => Object.create(null),
  BigInt: () => 10n,
  symbol: () => Symbol("s"),
  "cyclic object": () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    return o;
  },
};

function expectValidation(r: { isErr(): boolean; error?: unknown }): QiError {
  expect(r.isErr()).toBe(true);
  const e = (r as { error: QiError }).error;
  expect(isQiError(e)).toBe(true);
  expect(e.category).toBe("VALIDATION");
  return e;
}

async function roles(client: StreamingClient, topic: string) {
  const producer = (await client.getProducer())._unsafeUnwrap();
  const consumer = (await client.getConsumer({ groupId: unique("g") }))._unsafeUnwrap();
  const admin = (await client.getAdmin())._unsafeUnwrap();
  for (const r of [producer, consumer, admin]) (await r.connect())._unsafeUnwrap();
  (await admin.createTopics([{ topic, numPartitions: 2 }]))._unsafeUnwrap();
  return { producer, consumer, admin };
}

describe("values with no prototype, BigInt, symbols and wrong primitive types are VALIDATION errors", () => {
  it("createStreamingClient names the field and describes the value", () => {
    const e = expectValidation(createStreamingClient({ connectionTimeout: Object.create(null) as never }));
    expect(e.context.field).toBe("connectionTimeout");
    expect(e.message).toContain("must be a positive integer");
    expect(expectValidation(createStreamingClient({ brokers: [10n as never] })).message).toContain("10n");
    expect(expectValidation(createStreamingClient({ clientId: Symbol("x") as never })).context.field).toBe("clientId");
    expect(expectValidation(createStreamingClient({ retry: { retries: 2n as never } })).context.field).toBe("retry.retries");
  });

  it("configFromEnv refuses null and values that are not strings, naming the variable", () => {
    expect(expectValidation(configFromEnv(null as never)).context.field).toBe("env");
    expect(configFromEnv(Object.create(null) as never).isOk()).toBe(true); // an environment with no variable set
    const e = expectValidation(configFromEnv({ QI_STREAMING_BROKERS: 42 as never }));
    expect(e.context.field).toBe("QI_STREAMING_BROKERS");
    expect(expectValidation(configFromEnv({ QI_STREAMING_CLIENT_ID: Object.create(null) as never })).message).toContain("no prototype");
    expect(configFromEnv({ QI_STREAMING_CLIENT_ID: "ok", UNRELATED: 42 as never }).isOk()).toBe(true);
  });

  it("send refuses a BigInt key, a symbol topic and a prototype-less message", async () => {
    const client = createStreamingClient({ logger: silentLogger, options: { autoCreateTopics: true } })._unsafeUnwrap();
    const topic = unique("t");
    const { producer } = await roles(client, topic);
    expectValidation(await producer.send(topic, { value: "v", key: 10n as never }));
    expectValidation(await producer.send(Symbol("t") as never, { value: "v" }));
    expectValidation(await producer.send(topic, Object.create(null) as never));
    expectValidation(await producer.send(topic, { value: Object.create(null) as never }));
    expect((await producer.send(topic, { value: "still works" })).isOk()).toBe(true);
    await client.disconnect();
  });
});

describe("objects whose reads throw (getters, revoked Proxies, throwing traps) are VALIDATION errors, never throws", () => {
  it("createStreamingClient, configFromEnv and registerConnector", () => {
    const unreadable = ["revoked Proxy", "throwing get trap"];
    for (const [name, make] of Object.entries(HOSTILE)) {
      // A prototype-less object with no key is an empty config: valid.
      expect(createStreamingClient(make() as never).isErr() || name === "prototype-less object", name).toBe(true);
      expect(createStreamingClient({ options: make() } as never).isErr() || name === "prototype-less object" || name === "throwing has trap", name).toBe(true);
      expect(createStreamingClient({ security: { sasl: make() } } as never).isErr(), name).toBe(true);
      // An object none of whose QI_STREAMING_* reads throw is an environment with nothing set.
      expect(configFromEnv(make() as never).isErr() || !unreadable.includes(name), name).toBe(true);
      expect(registerConnector(make() as never).isErr(), name).toBe(true);
      expect(registerConnector({ ...memoryConnector, name: "hostile-caps", capabilities: make() } as never).isErr() || !unreadable.includes(name), name).toBe(true);
      unregisterConnector("hostile-caps");
    }
    expect(expectValidation(createStreamingClient(getterThrows("brokers") as never)).message).toContain("brokers getter");
    const isErrThrows = { isErr: () => { throw new Error("isErr"); }, isOk: () => true };
    expect(expectValidation(createStreamingClient(isErrThrows as never)).message).toContain("isErr");
    expect(registerConnector({ ...memoryConnector, name: "hostile-getter", get createAdmin(): never { throw new Error("x"); } } as never).isErr()).toBe(true);
  });

  it("getProducer, getConsumer and every role method given a hostile argument", async () => {
    const client = createStreamingClient({ logger: silentLogger, options: { autoCreateTopics: true } })._unsafeUnwrap();
    const topic = unique("t");
    const { producer, consumer, admin } = await roles(client, topic);
    (await consumer.subscribe({ topics: [topic] }))._unsafeUnwrap();
    (await consumer.run({ eachMessage: () => undefined }))._unsafeUnwrap();
    for (const [name, make] of Object.entries(HOSTILE)) {
      const calls = {
        getProducer: () => client.getProducer(make() as never),
        getConsumer: () => client.getConsumer(make() as never),
        getConsumerRetry: () => client.getConsumer({ groupId: "g", retry: make() } as never),
        send: () => producer.send(topic, make() as never),
        sendValue: () => producer.send(topic, { value: make() } as never),
        sendHeaders: () => producer.send(topic, { value: "v", headers: { h: make() } } as never),
        sendBatch: () => producer.sendBatch(make() as never),
        sendBatchItem: () => producer.sendBatch([make()] as never),
        subscribe: () => consumer.subscribe(make() as never),
        run: () => consumer.run(make() as never),
        commitOffsets: () => consumer.commitOffsets(make() as never),
        commitOffsetsItem: () => consumer.commitOffsets([make()] as never),
        pause: () => consumer.pause([make()] as never),
        resume: () => consumer.resume(make() as never),
        createTopics: () => admin.createTopics([make()] as never),
        createTopicsConfigs: () => admin.createTopics([{ topic: unique("c"), configs: make() }] as never),
        deleteTopics: () => admin.deleteTopics(make() as never),
        getTopicMetadata: () => admin.getTopicMetadata([make()] as never),
      };
      for (const [call, fn] of Object.entries(calls)) {
        let r: { isErr(): boolean; isOk(): boolean; error?: unknown };
        try {
          r = await fn();
        } catch (thrown) {
          throw new Error(`${call}(${name}) threw or rejected: ${String(thrown)}`);
        }
        // `run` and `subscribe` on a running consumer are STATE errors before they read anything.
        if (r.isErr()) expect(isQiError(r.error), `${call}(${name})`).toBe(true);
        // What cannot be read is always refused; an empty or readable object may be a valid argument.
        else expect(["revoked Proxy", "throwing get trap", "BigInt", "symbol"].includes(name), `${call}(${name}) succeeded`).toBe(false);
      }
    }
    (await consumer.disconnect())._unsafeUnwrap();
    expect((await producer.send(topic, { value: "still works" })).isOk()).toBe(true);
    await client.disconnect();
  });

  it("a message whose getter throws is refused naming the message, with the getter's error", async () => {
    const client = createStreamingClient({ logger: silentLogger, options: { autoCreateTopics: true } })._unsafeUnwrap();
    const topic = unique("t");
    const { producer } = await roles(client, topic);
    const e = expectValidation(await producer.send(topic, getterThrows("value") as never));
    expect(e.message).toContain("value getter");
    expect(e.outcomes).toEqual([{ status: "not-written", topic }]);
    await client.disconnect();
  });

  it("messagesToResend, mayHaveBeenWritten and isQiError answer for unreadable values", () => {
    expect(messagesToResend([1, 2], revoked() as never)).toEqual([]);
    expect(messagesToResend(revoked() as never, { category: "STATE" } as never)).toEqual([]);
    expect(mayHaveBeenWritten(revoked() as never)).toBe(true);
    expect(mayHaveBeenWritten(throwingGetter() as never)).toBe(true);
    expect(isQiError(revoked())).toBe(false);
    expect(isQiError(throwingGetter())).toBe(false);
  });
});

describe("the client owns a snapshot of its config, taken at creation", () => {
  it("changing the caller's object afterwards changes nothing", async () => {
    const config: Record<string, unknown> = { clientId: "snapshot", options: { autoCreateTopics: true }, retry: { retries: 2 } };
    const client = createStreamingClient(config as never)._unsafeUnwrap();
    config.brokers = 42;
    config.connector = "kafkajs";
    (config.options as Record<string, unknown>).autoCreateTopics = "yes";
    (config.retry as Record<string, unknown>).retries = -1;
    expect(client.config.brokers).toBeUndefined();
    expect(client.config.retry?.retries).toBe(2);
    for (const r of [await client.getAdmin(), await client.getProducer(), await client.getConsumer({ groupId: "g" }), await client.isHealthy()]) expect(r.isOk()).toBe(true);
    const producer = (await client.getProducer())._unsafeUnwrap();
    (await producer.connect())._unsafeUnwrap();
    expect((await producer.send(unique("auto"), { value: "v" })).isOk()).toBe(true);
    await client.disconnect();
  });

  it("a getter that throws on its second read is read once", async () => {
    let reads = 0;
    const config = Object.defineProperty({}, "clientId", {
      enumerable: true,
      get: () => {
        if (++reads > 1) throw new Error("second read");
        return "read-once";
      },
    });
    const client = createStreamingClient(config as never)._unsafeUnwrap();
    expect(reads).toBe(1);
    for (const r of [await client.getAdmin(), await client.getProducer(), await client.getConsumer({ groupId: "g" }), await client.isHealthy()]) expect(r.isOk()).toBe(true);
    expect(client.toJSON().clientId).toBe("read-once");
    expect(reads).toBe(1);
    await client.disconnect();
  });

  it("a consumer's handler is read once at run()", async () => {
    const client = createStreamingClient({ logger: silentLogger, options: { autoCreateTopics: true } })._unsafeUnwrap();
    const topic = unique("t");
    const { producer, consumer } = await roles(client, topic);
    const seen: string[] = [];
    let reads = 0;
    const runConfig = Object.defineProperty({}, "eachMessage", {
      enumerable: true,
      get: () => {
        if (++reads > 1) throw new Error("second read");
        return (m: { value: Buffer | null }) => void seen.push(String(m.value));
      },
    });
    (await consumer.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
    (await consumer.run(runConfig as never))._unsafeUnwrap();
    (await producer.send(topic, { value: "once" }))._unsafeUnwrap();
    await expect.poll(() => seen).toEqual(["once"]);
    expect(reads).toBe(1);
    await client.disconnect();
  });
});

describe("whatever a handler or a driver throws becomes a QiError saying what was thrown", () => {
  let unhandled: unknown[];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  beforeEach(() => {
    unhandled = [];
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  it("toQiError and its message for non-Error values, never throwing", () => {
    expect(toQiError(Object.create(null)).message).toContain("an object with no prototype");
    expect(toQiError(revoked()).message).toContain("unreadable");
    expect(toQiError(10n).message).toContain("10n");
    expect(toQiError(Symbol("s")).message).toContain("Symbol(s)");
    expect(toQiError(throwingGetter()).category).toBe("INTERNAL");
    expect(toQiError({ cause: revoked(), errors: throwingGetter() }).code).toBe("UNEXPECTED_ERROR");
  });

  const throwables: Record<string, () => unknown> = {
    "Object.create(null)": () => Object.create(null),
    "a revoked Proxy": revoked,
    "a throwing get trap": throwingGetter,
    "a BigInt": () => 7n,
  };

  it.each(Object.entries(throwables))("a handler that throws, rejects or returns err(%s): reported via onError, no unhandled rejection", async (what, make) => {
    const client = createStreamingClient({ logger: silentLogger, options: { autoCreateTopics: true } })._unsafeUnwrap();
    const topic = unique("t");
    const { producer } = await roles(client, topic);
    const ways = [
      () => {
        throw make();
      },
      () => Promise.reject(make()),
      () => err(make()),
      // A returned value whose `isErr` cannot be read fails the attempt (any other value is a success).
      ...(["a revoked Proxy", "a throwing get trap"].includes(what) ? [() => make()] : []),
    ];
    for (const handler of ways) {
      const errors: QiError[] = [];
      const consumer = (await client.getConsumer({ groupId: unique("g"), retry: { attempts: 1 }, onFailure: "skip", onError: (e) => void errors.push(e) }))._unsafeUnwrap();
      (await consumer.connect())._unsafeUnwrap();
      (await consumer.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
      (await consumer.run({ eachMessage: handler as never }))._unsafeUnwrap();
      (await producer.send(topic, { value: "v" }))._unsafeUnwrap();
      await expect.poll(() => errors.length).toBeGreaterThan(0);
      const e = errors[0]!;
      expect(isQiError(e)).toBe(true);
      expect(e.message).toMatch(/handler failed: (a non-Error value was thrown: |.*)/);
      expect((await consumer.disconnect()).isOk()).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(unhandled).toEqual([]);
    await client.disconnect();
  });

  it("a driver that throws or rejects with non-Error values: every call returns an err saying what was thrown", async () => {
    const name = "hostile-driver";
    for (const [what, make] of Object.entries(throwables)) {
      const fail = (): never => {
        throw make();
      };
      const rejecting = (): Promise<never> => Promise.reject(make());
      const hostile: IStreamingConnector = {
        ...memoryConnector,
        name,
        capabilities: { ...memoryConnector.capabilities },
        optionKeys: memoryConnector.optionKeys,
        createProducer: (ctx, cfg): ProducerDriver => {
          const real = memoryConnector.createProducer(ctx, cfg);
          return { batchesAcrossCalls: true, connect: () => real.connect(), partitionCount: (t) => real.partitionCount(t), send: rejecting, flush: fail, disconnect: rejecting, native: fail };
        },
        createConsumer: (): ConsumerDriver =>
          ({ ...Object.fromEntries(["connect", "subscribe", "start", "stop", "commit", "seek", "pause", "resume", "disconnect"].map((m) => [m, rejecting])), assignment: fail, native: fail }) as unknown as ConsumerDriver,
        healthCheck: rejecting,
      };
      registerConnector(hostile)._unsafeUnwrap();
      try {
        const client = createStreamingClient({ connector: name, logger: silentLogger })._unsafeUnwrap();
        const producer = (await client.getProducer())._unsafeUnwrap();
        (await producer.connect())._unsafeUnwrap();
        const sent = await producer.send("t", { value: "v" });
        expect(sent.isErr(), what).toBe(true);
        expect(sent._unsafeUnwrapErr().message.length, what).toBeGreaterThan(0);
        expect((await producer.flush()).isErr(), what).toBe(true);
        expect(producer.getNativeClient(), what).toBeUndefined();
        const consumer = (await client.getConsumer({ groupId: "g" }))._unsafeUnwrap();
        const connected = await consumer.connect();
        expect(connected._unsafeUnwrapErr().message, what).toMatch(/non-Error value was thrown|unreadable|7n|no prototype/);
        expect(consumer.assignment()).toEqual([]);
        expect((await client.isHealthy())._unsafeUnwrap()).toBe(false);
        expect((await client.disconnect()).isErr()).toBe(true);
      } finally {
        unregisterConnector(name);
      }
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(unhandled).toEqual([]);
  });
});

describe("no hang: disconnect() is bounded whatever the handler does; a throwing connect() does not stick", () => {
  it("a handler that never settles: disconnect() aborts its signal, settles within 2 × closeTimeoutMs and reports the abandoned handler", async () => {
    const client = createStreamingClient({ logger: silentLogger, options: { autoCreateTopics: true } })._unsafeUnwrap();
    const topic = unique("t");
    const { producer } = await roles(client, topic);
    const errors: QiError[] = [];
    const groupId = unique("g");
    const consumer = (await client.getConsumer({ groupId, closeTimeoutMs: 300, onError: (e) => void errors.push(e) }))._unsafeUnwrap();
    (await consumer.connect())._unsafeUnwrap();
    (await consumer.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
    let signal: AbortSignal | undefined;
    let started = false;
    (await consumer.run({ eachMessage: (_m, c) => {
      signal = c.signal;
      started = true;
      return new Promise(() => {}); // ignores its signal and never settles
    } }))._unsafeUnwrap();
    (await producer.send(topic, { value: "hang" }))._unsafeUnwrap();
    await expect.poll(() => started).toBe(true);
    const t0 = Date.now();
    const closed = await consumer.disconnect();
    const took = Date.now() - t0;
    expect(closed.isOk()).toBe(true);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(600 + 200);
    expect(signal?.aborted).toBe(true);
    expect(errors.map((e) => e.code)).toContain("HANDLER_ABANDONED");
    // Nothing of the abandoned handler was committed.
    const admin = (await client.getAdmin())._unsafeUnwrap();
    expect((await admin.fetchCommittedOffsets(groupId, topic))._unsafeUnwrap()).toEqual([]);
    await client.disconnect();
  });

  it("a handler that honours its signal ends at disconnect() without waiting for the bound, and is not committed", async () => {
    const client = createStreamingClient({ logger: silentLogger, options: { autoCreateTopics: true } })._unsafeUnwrap();
    const topic = unique("t");
    const { producer } = await roles(client, topic);
    const errors: QiError[] = [];
    const consumer = (await client.getConsumer({ groupId: unique("g"), closeTimeoutMs: 5000, onFailure: "skip", onError: (e) => void errors.push(e) }))._unsafeUnwrap();
    (await consumer.connect())._unsafeUnwrap();
    (await consumer.subscribe({ topics: [topic], fromBeginning: true }))._unsafeUnwrap();
    let started = false;
    (await consumer.run({ eachMessage: (_m, c) => {
      started = true;
      return new Promise((_, reject) => c.signal.addEventListener("abort", () => reject(c.signal.reason)));
    } }))._unsafeUnwrap();
    (await producer.send(topic, { value: "abortable" }))._unsafeUnwrap();
    await expect.poll(() => started).toBe(true);
    const t0 = Date.now();
    expect((await consumer.disconnect()).isOk()).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(errors.map((e) => e.code)).not.toContain("HANDLER_ABANDONED");
    await client.disconnect();
  });

  it("deleteTopics of a missing topic is TOPIC_NOT_FOUND at once, whatever the client's retries (the driver is not asked)", async () => {
    const name = "slow-delete";
    let asked = 0;
    registerConnector({
      ...memoryConnector,
      name,
      createAdmin: (ctx) => {
        const real = memoryConnector.createAdmin(ctx);
        // As kafkajs: a missing topic is retried with back-off for seconds; here, forever.
        return Object.assign(Object.create(real) as object, { deleteTopics: () => ((asked++, new Promise(() => {}))) }) as never;
      },
    })._unsafeUnwrap();
    try {
      const client = createStreamingClient({ connector: name, logger: silentLogger })._unsafeUnwrap();
      const admin = (await client.getAdmin())._unsafeUnwrap();
      (await admin.connect())._unsafeUnwrap();
      const t0 = Date.now();
      const r = await admin.deleteTopics([unique("missing")]);
      expect(r._unsafeUnwrapErr()).toMatchObject({ category: "NOT_FOUND", code: "TOPIC_NOT_FOUND" });
      expect(Date.now() - t0).toBeLessThan(500);
      expect(asked).toBe(0);
      await client.disconnect();
    } finally {
      unregisterConnector(name);
    }
  });

  it("a driver whose connect() throws synchronously: connect() is an err, the role is not stuck connecting", async () => {
    const name = "sync-throw";
    let throwNext = true;
    registerConnector({
      ...memoryConnector,
      name,
      createProducer: (ctx, cfg) => {
        const real = memoryConnector.createProducer(ctx, cfg);
        return Object.assign(Object.create(real) as ProducerDriver, {
          connect: () => {
            if (throwNext) throw Object.create(null);
            return real.connect();
          },
        });
      },
      createAdmin: (ctx) => {
        const real = memoryConnector.createAdmin(ctx);
        return Object.assign(Object.create(real) as object, { connect: () => { throw new Error("sync"); }, disconnect: () => real.disconnect() }) as never;
      },
    })._unsafeUnwrap();
    try {
      const client = createStreamingClient({ connector: name, logger: silentLogger })._unsafeUnwrap();
      const producer = (await client.getProducer())._unsafeUnwrap();
      const first = await producer.connect();
      expect(first._unsafeUnwrapErr().message).toContain("no prototype");
      expect(producer.isConnected()).toBe(false);
      expect((await producer.send("t", { value: "v" }))._unsafeUnwrapErr().message).not.toContain("connecting");
      throwNext = false;
      expect((await producer.connect()).isOk()).toBe(true);
      expect(producer.isConnected()).toBe(true);
      const admin = (await client.getAdmin())._unsafeUnwrap();
      expect((await admin.connect()).isErr()).toBe(true);
      expect((await admin.disconnect()).isOk()).toBe(true);
      expect((await client.disconnect()).isOk()).toBe(true);
    } finally {
      unregisterConnector(name);
    }
  });
});
