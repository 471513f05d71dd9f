// Secrets that cannot be printed: each kind of secret is searched for in everything a user
// might print (the client, its config, its role objects, their errors, the log), while a fake
// connector still receives the real value.
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  configFromEnv,
  createStreamingClient,
  memoryConnector,
  registerConnector,
  unregisterConnector,
  type IStreamingConnector,
  type Logger,
  type ResolvedConfig,
  type StreamingConfig,
} from "./both-surfaces.js";
import { Secret, revealSecret } from "../src/config/secrets.js";

const SPY = "secret-spy";
const seen: ResolvedConfig[] = [];
// The memory connector, recording the config each role is created with (outside the connector
// object, which the role objects reach).
const spy: IStreamingConnector = {
  ...memoryConnector,
  name: SPY,
  acceptsOption: (key) => key !== "cluster" && key !== "autoCreateTopics",
  createProducer: (ctx, cfg) => (seen.push(ctx.config), memoryConnector.createProducer(ctx, cfg)),
  createConsumer: (ctx, cfg) => (seen.push(ctx.config), memoryConnector.createConsumer(ctx, cfg)),
  createAdmin: (ctx) => (seen.push(ctx.config), memoryConnector.createAdmin(ctx)),
};

/**
 * The forms a value takes when printed, without whitespace (inspect breaks long arrays over
 * lines): itself, and for a Buffer its first bytes in hex (inspect) and decimal (JSON, clones).
 */
function needles(value: string | Buffer): string[] {
  if (typeof value === "string") return [squash(value)];
  const head = value.subarray(0, 8);
  return [value.toString("utf8"), head.toString("hex"), [...head].join(",")];
}

const squash = (text: string): string => text.replace(/\s+/g, "");

/** Every way a user might print `x`; a throw (a circular or uncloneable object) prints nothing. */
function printed(x: unknown): string[] {
  const tryIt = (f: () => unknown): string => {
    try {
      return String(f());
    } catch (e) {
      return String(e);
    }
  };
  const deep = (v: unknown): string => inspect(v, { depth: Infinity, showHidden: true });
  return [
    deep(x),
    inspect(x, { depth: Infinity, showHidden: true, customInspect: false }),
    tryIt(() => JSON.stringify(x)),
    tryIt(() => String(x)),
    tryIt(() => `${x as string}`),
    tryIt(() => deep(structuredClone(x))),
  ];
}

const kinds: { kind: string; value: string | Buffer; config: (v: never) => StreamingConfig; real: (c: ResolvedConfig) => unknown }[] = [
  { kind: "SASL password", value: "sasl-pw-3f9a", config: (v: string) => ({ security: { sasl: { mechanism: "plain", username: "u", password: v } } }), real: (c) => c.security.sasl?.password.reveal() },
  { kind: "TLS key", value: "-----BEGIN PRIVATE KEY-----tls-key-8c2e", config: (v: string) => ({ security: { ssl: { key: v, ca: "public-ca" } } }), real: (c) => revealSecret((c.security.ssl as Record<string, unknown>).key) },
  { kind: "TLS passphrase", value: "tls-pass-71d0", config: (v: string) => ({ security: { ssl: { passphrase: v } } }), real: (c) => revealSecret((c.security.ssl as Record<string, unknown>).passphrase) },
  { kind: "TLS pfx", value: Buffer.from("pfx-bundle-5b6e"), config: (v: Buffer) => ({ security: { ssl: { pfx: v } } }), real: (c) => revealSecret((c.security.ssl as Record<string, unknown>).pfx) },
  { kind: "secret-looking option", value: "opt-secret-a41c", config: (v: string) => ({ options: { "sasl.oauthbearer.client.secret": v, "linger.ms": 5 } }), real: (c) => revealSecret(c.options["sasl.oauthbearer.client.secret"]) },
];

beforeAll(() => void registerConnector(spy));
afterAll(() => void unregisterConnector(SPY));

/** A client of the spy connector, used the way an app would, then everything printable about it. */
async function exercise(config: StreamingConfig | ReturnType<typeof configFromEnv>, logs: string[]): Promise<{ surfaces: string[]; resolved: ResolvedConfig }> {
  seen.length = 0;
  const client = createStreamingClient(config)._unsafeUnwrap();
  const producer = (await client.getProducer())._unsafeUnwrap();
  const consumer = (await client.getConsumer({ groupId: "g-secrets" }))._unsafeUnwrap();
  const admin = (await client.getAdmin())._unsafeUnwrap();
  for (const role of [producer, consumer, admin]) (await role.connect())._unsafeUnwrap();
  const errors = [(await producer.send("no-such-topic", { value: "x" }))._unsafeUnwrapErr(), (await admin.getTopicMetadata(["no-such-topic"]))._unsafeUnwrapErr()];
  const surfaces = [client, client.config, producer, consumer, admin, ...errors].flatMap(printed);
  await client.disconnect();
  return { surfaces: [...surfaces, ...logs], resolved: seen[0]! };
}

function recorder(logs: string[]): Logger {
  const line = (level: string) => (message: string, meta?: Record<string, unknown>) => void logs.push(`${level} ${message} ${inspect(meta, { depth: Infinity })}`);
  return { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
}

describe("secrets cannot be printed", () => {
  it("a Secret prints [hidden] every way, structuredClone drops its value, reveal() returns it", () => {
    const s = new Secret("hunter2");
    for (const text of printed(s)) expect(text).not.toContain("hunter2");
    expect(`${s}`).toBe("[hidden]");
    expect(structuredClone({ s })).toEqual({ s: {} });
    expect(s.reveal()).toBe("hunter2");
  });

  it.each(kinds)("$kind: in no printed form of the client, its config, roles, errors or logs; the connector gets it", async ({ value, config, real }) => {
    const logs: string[] = [];
    const { surfaces, resolved } = await exercise({ ...config(value as never), connector: SPY, brokers: ["127.0.0.1:9092"], logger: recorder(logs) }, logs);
    for (const text of surfaces) for (const needle of needles(value)) expect(squash(text)).not.toContain(needle);
    expect(real(resolved)).toEqual(value);
  });

  it("the password from QI_STREAMING_SASL_PASSWORD is held the same way", async () => {
    const password = "env-pw-9d3b";
    const env = configFromEnv({ QI_STREAMING_CONNECTOR: SPY, QI_STREAMING_SASL_USERNAME: "u", QI_STREAMING_SASL_PASSWORD: password });
    for (const text of printed(env._unsafeUnwrap())) expect(text).not.toContain(password);
    const logs: string[] = [];
    const { surfaces, resolved } = await exercise(env.map((c) => ({ ...c, logger: recorder(logs) })), logs);
    for (const text of surfaces) expect(text).not.toContain(password);
    expect(resolved.security.sasl?.password.reveal()).toBe(password);
  });

  it("client.config holds Secrets, is frozen, and still works as a config; a plain string or a Secret password is accepted", async () => {
    for (const password of ["plain-pw", new Secret("plain-pw")]) {
      const client = createStreamingClient({ connector: SPY, security: { sasl: { mechanism: "plain", username: "u", password } } })._unsafeUnwrap();
      expect(client.config.security?.sasl?.password).toBeInstanceOf(Secret);
      expect(Object.isFrozen(client.config)).toBe(true);
      expect(JSON.parse(JSON.stringify(client))).toEqual({ connector: SPY, clientId: "qi-streaming", brokers: [] });
      const again = createStreamingClient(client.config)._unsafeUnwrap();
      seen.length = 0;
      (await again.getAdmin())._unsafeUnwrap();
      expect(seen[0]!.security.sasl?.password.reveal()).toBe("plain-pw");
    }
  });

  it("a validation error about the password does not echo it", () => {
    const r = createStreamingClient({ security: { sasl: { mechanism: "plain", username: "u", password: new Secret("") } } });
    expect(r._unsafeUnwrapErr().context).toMatchObject({ field: "security.sasl.password" });
  });
});
