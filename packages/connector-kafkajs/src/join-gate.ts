/**
 * The consumer's pre-rejoin hook. kafkajs 2.2.4 has none: it learns of a rebalance when a
 * heartbeat or fetch fails, stops its fetchers (waiting for the batch handlers) and rejoins at
 * once, often from its own heartbeat between fetches, outside any handler (every partition
 * paused, an idle topic). The group's rebalance completes only once every member has sent
 * JoinGroup, so holding this member's JoinGroup holds the partitions where they are: that is
 * where the driver revokes what it owns (core runs the `revoked` listener and commits, with the
 * generation still valid: Kafka accepts commits of it while the group prepares the rebalance).
 *
 * The hook is kafkajs's public `socketFactory` option: each of the consumer's own sockets (made
 * as kafkajs's default factory makes them) holds a JoinGroup request written to it while
 * `beforeJoin` returns a promise, and writes it when that settles. kafkajs writes every request
 * as one buffer (size, then the request header: api key first), matches responses by
 * correlation id, and sends without an in-flight limit on a consumer, so requests written
 * meanwhile (the revocation's commit) go first, as they must: the broker answers a connection's
 * requests in order and holds a JoinGroup until the rebalance completes. Nothing of kafkajs is
 * patched; other clients and requests are untouched.
 */
import net from "node:net";
import tls from "node:tls";
import type { ISocketFactory } from "kafkajs";

/** The Kafka protocol's api key of JoinGroup. */
const JOIN_GROUP = 11;

/** kafkajs's default: keep-alive probes after a minute idle. */
const KEEP_ALIVE_DELAY_MS = 60_000;

/** True when `chunk` is a Kafka request frame of JoinGroup (int32 size, then int16 api key). */
export function isJoinGroupRequest(chunk: unknown): boolean {
  return Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === JOIN_GROUP;
}

/**
 * kafkajs's default socket factory (plain or TLS, keep-alive), whose sockets hold each JoinGroup
 * request while `beforeJoin()` returns a promise. A socket closed meanwhile writes nothing
 * (kafkajs has failed the request already).
 */
export function joinGatedSocketFactory(beforeJoin: () => Promise<void> | undefined): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const socket: net.Socket = ssl
      ? tls.connect(Object.assign({ host, port }, net.isIP(host) ? {} : { servername: host }, ssl), onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    const gated = (...args: unknown[]): boolean => {
      let wait: Promise<void> | undefined;
      try {
        wait = isJoinGroupRequest(args[0]) ? beforeJoin() : undefined;
      } catch {
        wait = undefined;
      }
      if (!wait) return write(...args);
      void wait.then(
        () => void (socket.destroyed ? undefined : write(...args)),
        () => void (socket.destroyed ? undefined : write(...args)),
      );
      return true;
    };
    // This socket is ours (made just above); its prototype and kafkajs stay as they are.
    socket.write = gated as typeof socket.write;
    return socket;
  };
}
