import { describe, expect, it } from "vitest";
import { ProduceBuffer, type BufferWaiter } from "../src/runtime/produce-buffer.js";
import type { QiError } from "./both-surfaces.js";

interface W extends BufferWaiter {
  readonly name: string;
}

/** A buffer whose waiters record what happened to them. */
function buffer(capacity: number, maxBlockMs: number) {
  const events: string[] = [];
  const errors: QiError[] = [];
  const b = new ProduceBuffer<W>(capacity, maxBlockMs, {
    onRoom: (w) => events.push(`room ${w.name}`),
    onTimeout: (w, e) => {
      events.push(`timeout ${w.name}`);
      errors.push(e);
    },
  });
  const waiter = (name: string, bytes: number): W => ({ name, bytes, since: 0, cancelled: false });
  return { b, events, errors, waiter };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("ProduceBuffer", () => {
  it("takes room at once while it fits, makes the next call wait, and lets waiters in order", () => {
    const { b, events, waiter } = buffer(100, 5_000);
    expect(b.tryTake(60)).toBe(true);
    expect(b.tryTake(30)).toBe(true); // 90 of 100
    expect(b.tryTake(50)).toBe(false);
    b.wait(waiter("b", 50));
    expect(b.tryTake(10)).toBe(false); // fits, but b waits ahead of it: order is kept
    b.wait(waiter("c", 10));
    b.give(60);
    expect(events).toEqual(["room b", "room c"]);
    expect(b.waitingCount).toBe(0);
  });

  it("fails a call that found no room within maxBlockMs with BUFFER_FULL, and it took nothing", async () => {
    const { b, events, errors, waiter } = buffer(10, 40);
    b.tryTake(10);
    b.wait(waiter("late", 5));
    await tick(80);
    expect(events).toEqual(["timeout late"]);
    expect(errors[0]).toMatchObject({ code: "BUFFER_FULL", category: "TIMEOUT" });
    b.give(10);
    expect(b.tryTake(10)).toBe(true); // the timed-out waiter took nothing
  });

  it("lets a call larger than the whole budget go once nothing else is buffered", () => {
    const { b, events, waiter } = buffer(10, 5_000);
    expect(b.tryTake(1_000)).toBe(true);
    b.wait(waiter("next", 1));
    b.give(1_000);
    expect(events).toEqual(["room next"]);
  });

  it("a cancelled waiter takes no room and lets the next one in; takeWaiting empties the queue", () => {
    const { b, events, waiter } = buffer(10, 5_000);
    b.tryTake(10);
    const gaveUp = waiter("gave-up", 8);
    b.wait(gaveUp);
    b.wait(waiter("next", 2));
    gaveUp.cancelled = true;
    b.give(10);
    expect(events).toEqual(["room next"]);
    expect(b.tryTake(8)).toBe(true); // 2 + 8: the cancelled 8 took nothing
    b.wait(waiter("left", 5));
    expect(b.takeWaiting().map((w) => w.name)).toEqual(["left"]);
    expect(b.waitingCount).toBe(0);
  });

  it("whenRoom resolves once the buffer is below capacity and nothing waits ahead (a loop's drain)", async () => {
    const { b } = buffer(100, 5_000);
    expect(b.tryTake(100)).toBe(true);
    expect(b.hasRoom()).toBe(false);
    let drained = false;
    const drain = b.whenRoom().then(() => (drained = true));
    await tick();
    expect(drained).toBe(false);
    b.give(40);
    await drain;
    expect(b.hasRoom()).toBe(true);
    expect(b.tryTake(40)).toBe(true); // the drain took nothing
  });

  it("whenRoom fails with BUFFER_FULL after maxBlockMs without room", async () => {
    const { b } = buffer(10, 30);
    b.tryTake(10);
    await expect(b.whenRoom()).rejects.toMatchObject({ code: "BUFFER_FULL" });
  });
});
