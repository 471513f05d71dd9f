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

  it("keeps every value of a repeated header name, in order; a one-element array is a plain value", () => {
    const r = normalizeOutgoing("t", { value: "x", headers: { "x-trace": ["a", Buffer.from("b"), "c"], one: ["v"], single: "s" } })._unsafeUnwrap();
    expect(r.headers).toEqual({ "x-trace": [Buffer.from("a"), Buffer.from("b"), Buffer.from("c")], one: Buffer.from("v"), single: Buffer.from("s") });
  });

  it("refuses an empty header array and a bad element with VALIDATION naming the element", () => {
    const empty = normalizeOutgoing("t", { value: "x", headers: { h: [] } });
    expect(empty._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "message.headers.h" } });
    const bad = normalizeOutgoing("t", { value: "x", headers: { h: ["a", 1] } } as never);
    expect(bad._unsafeUnwrapErr()).toMatchObject({ category: "VALIDATION", context: { field: "message.headers.h[1]" } });
    const hostile = new Proxy(["a"], { get() { throw new Error("boom"); } });
    const thrown = normalizeOutgoing("t", { value: "x", headers: { h: hostile } });
    expect(thrown._unsafeUnwrapErr().category).toBe("VALIDATION");
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
    const repeated = normalizeIncoming({ topic: "t", partition: 1, offset: 1, headers: { h: [Buffer.from("a"), Buffer.from("b")], one: [Buffer.from("x")] } });
    expect(repeated.headers).toEqual({ h: [Buffer.from("a"), Buffer.from("b")], one: Buffer.from("x") });
    // A list of pairs (platformatic) and a Map keyed by distinct Buffer objects: a repeated name gathers in wire order.
    const pairs = normalizeIncoming({ topic: "t", partition: 0, offset: 0, headers: [[Buffer.from("h"), Buffer.from("1")], [Buffer.from("s"), Buffer.from("v")], [Buffer.from("h"), Buffer.from("2")], [Buffer.from("h"), Buffer.from("3")]] });
    expect(pairs.headers).toEqual({ h: [Buffer.from("1"), Buffer.from("2"), Buffer.from("3")], s: Buffer.from("v") });
    const map = normalizeIncoming({ topic: "t", partition: 0, offset: 0, headers: new Map([[Buffer.from("h"), Buffer.from("1")], [Buffer.from("h"), Buffer.from("2")]]) });
    expect(map.headers).toEqual({ h: [Buffer.from("1"), Buffer.from("2")] });
  });
});
