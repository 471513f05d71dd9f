// The JoinGroup gate on the consumer's sockets: a JoinGroup request waits for `beforeJoin`,
// every other request goes at once (and so before a held JoinGroup). A loopback server, no broker.
import net from "node:net";
import { afterEach, expect, test } from "vitest";
import { isJoinGroupRequest, joinGatedSocketFactory } from "../../src/join-gate.js";

/** A request frame as kafkajs writes it: int32 size, int16 api key, int16 version, int32 correlation id. */
function frame(apiKey: number, correlationId: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeInt32BE(8, 0);
  b.writeInt16BE(apiKey, 4);
  b.writeInt16BE(5, 6);
  b.writeInt32BE(correlationId, 8);
  return b;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A server that records the correlation ids of the frames it receives, in order. */
async function server(): Promise<{ port: number; received: number[] }> {
  const received: number[] = [];
  let buffered = Buffer.alloc(0);
  const srv = net.createServer((s) => {
    cleanups.push(() => s.destroy());
    s.on("data", (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      while (buffered.length >= 12) {
        received.push(buffered.readInt32BE(8));
        buffered = buffered.subarray(12);
      }
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => srv.close());
  return { port: (srv.address() as net.AddressInfo).port, received };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

test("isJoinGroupRequest reads the api key after the size", () => {
  expect(isJoinGroupRequest(frame(11, 1))).toBe(true);
  expect(isJoinGroupRequest(frame(12, 1))).toBe(false); // Heartbeat
  expect(isJoinGroupRequest(frame(8, 1))).toBe(false); // OffsetCommit
  expect(isJoinGroupRequest(Buffer.from([0, 0]))).toBe(false);
  expect(isJoinGroupRequest("not a buffer")).toBe(false);
});

test("a JoinGroup waits for beforeJoin; the requests written meanwhile go first", async () => {
  const { port, received } = await server();
  let release!: () => void;
  let calls = 0;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const socket = joinGatedSocketFactory(() => (calls++, gate))({ host: "127.0.0.1", port, ssl: undefined as never, onConnect: () => undefined });
  cleanups.push(() => socket.destroy());
  expect(socket.write(frame(11, 1))).toBe(true);
  socket.write(frame(8, 2));
  await until(() => received.length === 1);
  expect(received).toEqual([2]);
  expect(calls).toBe(1);
  release();
  await until(() => received.length === 2);
  expect(received).toEqual([2, 1]);
});

test("no promise from beforeJoin: the JoinGroup goes at once; a throwing beforeJoin does not hold it", async () => {
  const { port, received } = await server();
  const free = joinGatedSocketFactory(() => undefined)({ host: "127.0.0.1", port, ssl: undefined as never, onConnect: () => undefined });
  const throwing = joinGatedSocketFactory(() => {
    throw new Error("bug");
  })({ host: "127.0.0.1", port, ssl: undefined as never, onConnect: () => undefined });
  cleanups.push(() => free.destroy(), () => throwing.destroy());
  free.write(frame(11, 1));
  throwing.write(frame(11, 2));
  await until(() => received.length === 2);
  expect(received.sort()).toEqual([1, 2]);
});

test("a socket closed while its JoinGroup waits writes nothing", async () => {
  const { port, received } = await server();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const socket = joinGatedSocketFactory(() => gate)({ host: "127.0.0.1", port, ssl: undefined as never, onConnect: () => undefined });
  const errors: unknown[] = [];
  socket.on("error", (e) => errors.push(e));
  socket.write(frame(11, 1));
  socket.destroy();
  release();
  await new Promise((r) => setTimeout(r, 50));
  expect(received).toEqual([]);
  expect(errors).toEqual([]);
});
