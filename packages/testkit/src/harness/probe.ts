/**
 * Readiness probes over raw TCP: a connect, and a Kafka ApiVersions round trip (which every Kafka
 * listener answers before authentication, SASL ones included), so "ready" means the broker really
 * speaks the protocol on that port, not only that something accepted a connection.
 */
import { Socket } from "node:net";

/** Resolves when a TCP connection to host:port succeeds within `timeoutMs`; rejects otherwise. */
export function tcpConnect(host: string, port: number, timeoutMs = 2_000): Promise<void> {
  return new Promise((resolveConnect, reject) => {
    const socket = new Socket();
    const fail = (e: Error): void => {
      socket.destroy();
      reject(e);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`connect to ${host}:${port} timed out`)));
    socket.once("error", fail);
    socket.connect(port, host, () => {
      socket.end();
      socket.destroy();
      resolveConnect();
    });
  });
}

const API_VERSIONS_KEY = 18;

/** An ApiVersions v0 request: header v1 (api key, version, correlation id, client id) and no body. */
function apiVersionsRequest(correlationId: number): Buffer {
  const clientId = Buffer.from("qi-testkit-probe", "utf8");
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  let o = 0;
  o = body.writeInt16BE(API_VERSIONS_KEY, o);
  o = body.writeInt16BE(0, o);
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(clientId.length, o);
  clientId.copy(body, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

/**
 * Sends ApiVersions v0 and resolves with the number of APIs the broker lists. Rejects on a
 * connection error, a timeout, a wrong correlation id or a non-zero error code.
 */
export function kafkaApiVersions(host: string, port: number, timeoutMs = 3_000): Promise<number> {
  return new Promise((resolveProbe, reject) => {
    const correlationId = (Math.random() * 0x7fffffff) | 0;
    const socket = new Socket();
    let buffered = Buffer.alloc(0);
    const finish = (e: Error | undefined, apis?: number): void => {
      socket.destroy();
      if (e) reject(e);
      else resolveProbe(apis ?? 0);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`ApiVersions to ${host}:${port} timed out`)));
    socket.once("error", (e) => finish(e));
    socket.once("close", () => finish(new Error(`${host}:${port} closed the connection before answering ApiVersions`)));
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4) return;
      const size = buffered.readInt32BE(0);
      if (buffered.length < 4 + size) return;
      // Response header v0 (correlation id), then error_code int16 and the api array's int32 length.
      if (size < 10) return finish(new Error(`short ApiVersions response (${size} bytes)`));
      const gotCorrelation = buffered.readInt32BE(4);
      const errorCode = buffered.readInt16BE(8);
      const count = buffered.readInt32BE(10);
      if (gotCorrelation !== correlationId) return finish(new Error(`ApiVersions correlation id ${gotCorrelation}, expected ${correlationId}`));
      if (errorCode !== 0) return finish(new Error(`ApiVersions error code ${errorCode}`));
      finish(undefined, count);
    });
    socket.connect(port, host, () => socket.write(apiVersionsRequest(correlationId)));
  });
}
