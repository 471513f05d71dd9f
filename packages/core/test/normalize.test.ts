import { describe, expect, it } from "vitest";
import { normalizeBatch, normalizeIncoming, normalizeOutgoing } from "./both-surfaces.js";

describe("normalizeOutgoing", () => {
  it("copies key, value and headers to Buffers and never mutates its input", () => {
    const value = Buffer.from("v");
    const message = Object.freeze({ key: "k", value, headers: Object.freeze({ a: "1", b: Buffer.from("2") }), timestamp: new Date(5), partition: 2 });
    const r = normalizeOutgoing("t", message)._unsafeUnwrap();
    expect(r).toEqual({ topic: "t", key: Buffer.from("k"), value: Buffer.from("v"), headers: { a: Buffer.from("1"), b: Buffer.from("2") }, timestamp: 5, partition: 2 });
    expect(r.value).not.toBe(value);
    r.value![0] = 0;
    expect(value.toString()).toBe("v");
  });

  it("keeps a null value (tombstone) and a null key", () => {
    expect(normalizeOutgoing("t", { key: null, value: null })._unsafeUnwrap()).toMatchObject({ key: null, value: null, headers: {} });
  });

  it.each([
    ["", { value: "x" }, "topic"],
    ["bad topic", { value: "x" }, "topic"],
    ["t", null, "message"],
    ["t", {}, "message.value"],
    ["t", { value: 42 }, "message.value"],
    ["t", { value: "x", key: 1 }, "message.key"],
    ["t", { value: "x", headers: { h: 1 } }, "message.headers.h"],
    ["t", { value: "x", timestamp: new Date(NaN) }, "message.timestamp"],
    ["t", { value: "x", partition: -1 }, "message.partition"],
    ["t", { value: "x", partition: 1.5 }, "message.partition"],
  ])("rejects topic %j message %j naming %s", (topic, message, field) => {
    expect(normalizeOutgoing(topic, message)._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field } });
  });

  it("names the index of a bad batch entry", () => {
    const r = normalizeBatch([{ topic: "t", message: { value: "a" } }, { topic: "t", message: { value: 1 } }]);
    expect(r._unsafeUnwrapErr().message).toMatch(/^batch\[1\]/);
  });
});

describe("normalizeIncoming", () => {
  it("gives one shape whatever the client delivered", () => {
    const fromMap = normalizeIncoming({ topic: "t", partition: 0, offset: 7n, key: undefined, value: "v", headers: new Map([["h", Buffer.from("x")]]), timestamp: 9n });
    expect(fromMap).toEqual({ topic: "t", partition: 0, offset: "7", key: null, value: Buffer.from("v"), headers: { h: Buffer.from("x") }, timestamp: new Date(9) });
    const fromObject = normalizeIncoming({ topic: "t", partition: 1, offset: "8", key: Buffer.from("k"), value: null, headers: undefined, timestamp: "10" });
    expect(fromObject).toMatchObject({ offset: "8", key: Buffer.from("k"), value: null, headers: {}, timestamp: new Date(10) });
    const repeated = normalizeIncoming({ topic: "t", partition: 1, offset: 1, headers: { h: [Buffer.from("a"), Buffer.from("b")] } });
    expect(repeated.headers.h).toEqual(Buffer.from("b"));
  });
});
