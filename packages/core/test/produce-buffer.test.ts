import { describe, expect, it } from "vitest";
import { ProduceBuffer } from "../src/runtime/produce-buffer.js";

describe("ProduceBuffer", () => {
  it("takes room at once while it fits, makes the next send wait, and lets waiters in order", async () => {
    const buffer = new ProduceBuffer(100, 5_000);
    expect(buffer.take(60)).toBeUndefined();
    const order: string[] = [];
    const a = buffer.take(30);
    expect(a).toBeUndefined(); // 90 of 100
    const b = buffer.take(50)!.room.then(() => order.push("b"));
    const c = buffer.take(10)!.room.then(() => order.push("c")); // fits, but waits behind b: order is kept
    buffer.give(60);
    await b;
    buffer.give(30);
    await c;
    expect(order).toEqual(["b", "c"]);
  });

  it("fails a send that found no room within maxBlockMs with BUFFER_FULL, not written", async () => {
    const buffer = new ProduceBuffer(10, 50);
    buffer.take(10);
    await expect(buffer.take(5)!.room).rejects.toMatchObject({ code: "BUFFER_FULL", category: "TIMEOUT" });
    buffer.give(10);
    expect(buffer.take(5)).toBeUndefined(); // the timed-out waiter took nothing
  });

  it("lets a send larger than the whole budget go once nothing else is buffered", async () => {
    const buffer = new ProduceBuffer(10, 5_000);
    expect(buffer.take(1_000)).toBeUndefined();
    const next = buffer.take(1);
    expect(next?.room).toBeInstanceOf(Promise);
    buffer.give(1_000);
    await next!.room;
  });

  it("a cancelled wait takes no room and lets the next waiter in", async () => {
    const buffer = new ProduceBuffer(10, 5_000);
    buffer.take(10);
    const gaveUp = buffer.take(8)!;
    const next = buffer.take(2)!;
    expect(gaveUp.cancel()).toBe(true);
    buffer.give(10);
    await next.room;
    expect(buffer.take(8)).toBeUndefined(); // 2 + 8: the cancelled 8 took nothing
  });

  it("whenRoom resolves once the buffer is below capacity and nothing waits ahead (a loop's drain)", async () => {
    const buffer = new ProduceBuffer(100, 5_000);
    expect(buffer.take(100)).toBeUndefined();
    expect(buffer.hasRoom()).toBe(false);
    let drained = false;
    const drain = buffer.whenRoom().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    buffer.give(40);
    await drain;
    expect(buffer.hasRoom()).toBe(true);
    expect(buffer.take(40)).toBeUndefined(); // the drain took nothing
  });

  it("whenRoom fails with BUFFER_FULL after maxBlockMs without room", async () => {
    const buffer = new ProduceBuffer(10, 30);
    buffer.take(10);
    await expect(buffer.whenRoom()).rejects.toMatchObject({ code: "BUFFER_FULL" });
  });
});
