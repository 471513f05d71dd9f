import { describe, expect, it } from "vitest";
import { secretsOf } from "../src/config/validate.js";
import { safeLogger } from "../src/logger.js";
import { createStreamingClient, type Logger } from "./both-surfaces.js";

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = (message: string, meta?: unknown): void => void lines.push(`${message} ${JSON.stringify(meta ?? {})}`);
  return { logger: { debug: log, info: log, warn: log, error: log }, lines };
}

describe("logging", () => {
  it("routes consumer errors to the injected logger with the password scrubbed", async () => {
    const secret = "s3cr3t-pa55";
    const { logger, lines } = capture();
    const client = createStreamingClient({ logger, security: { sasl: { mechanism: "plain", username: "u", password: secret } } })._unsafeUnwrap();
    const admin = (await client.getAdmin())._unsafeUnwrap();
    await admin.connect();
    const topic = `log-${Date.now()}`;
    await admin.createTopics([{ topic }]);
    const consumer = (await client.getConsumer({ groupId: topic, retry: { attempts: 1 } }))._unsafeUnwrap();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: () => {
        throw new Error(`handler saw ${secret}`);
      },
    });
    const producer = (await client.getProducer())._unsafeUnwrap();
    await producer.connect();
    await producer.send(topic, { value: "x" });
    await new Promise((r) => setTimeout(r, 100));
    await client.disconnect();
    expect(lines.some((l) => l.includes("handler saw"))).toBe(true);
    expect(lines.join("\n")).not.toContain(secret);
  });

  it("scrubs the TLS passphrase and private key, and options with secret names", () => {
    const key = "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----";
    const secrets = secretsOf({
      security: { sasl: { mechanism: "plain", username: "u", password: "sasl-pw" }, ssl: { passphrase: "tls-pass", key: [Buffer.from(key)], ca: "public-ca" } },
      options: { "ssl.key.password": "opt-pw", "sasl.oauthbearer.client.secret": "oauth-secret", "linger.ms": 5 },
    });
    expect(secrets.sort()).toEqual(["oauth-secret", "opt-pw", "sasl-pw", "tls-pass", key].sort());
    const { logger, lines } = capture();
    safeLogger(logger, secrets).error(`failed with tls-pass, opt-pw and ${key}`, { detail: "oauth-secret public-ca" });
    expect(lines).toEqual(['failed with [redacted], [redacted] and [redacted] {"detail":"[redacted] public-ca"}']);
  });

  it("survives a logger that throws", async () => {
    const boom = (): never => {
      throw new Error("logger broke");
    };
    const client = createStreamingClient({ logger: { debug: boom, info: boom, warn: boom, error: boom } })._unsafeUnwrap();
    const admin = (await client.getAdmin())._unsafeUnwrap();
    expect((await admin.connect()).isOk()).toBe(true);
    await client.disconnect();
  });
});
