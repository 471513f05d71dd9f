// Generates the code tables of docs/errors.md: the Kafka protocol codes from core's table
// (allKafkaErrorCodes(), built package), and every other code core and the connectors emit,
// found by scanning their sources for qiError / stateError / validationError / error hints.
// `node scripts/gen-error-docs.mjs` rewrites the tables; `--check` exits 1 when they are stale
// (docs-tests runs it), or when a code has no advice below.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = join(import.meta.dirname, "..");
const docPath = join(root, "docs", "errors.md");
const { allKafkaErrorCodes } = await import(pathToFileURL(join(root, "packages", "core", "dist", "connector-kit.js")).href);

/** What to do about each non-protocol code; a code found in the sources without advice fails the check. */
const ADVICE = {
  INVALID_ARGUMENT: "A config field, argument or message is wrong; `context.field` names it and the message says why. Fix the call; retrying cannot help.",
  PARTITION_NOT_FOUND: "An explicit `partition` the topic does not have. Send without `partition` (keys are routed for you) or add partitions to the topic.",
  TOPIC_NOT_FOUND: "The topic does not exist (and the broker does not auto-create). Create it with `admin.createTopics`; retriable because it may be being created.",
  TOPIC_ALREADY_EXISTS: "`createTopics` for a topic that exists. Usually safe to ignore at start-up.",
  BROKER_UNREACHABLE: "No broker answered at `brokers` (refused, DNS, unreachable). Check addresses and network; retriable.",
  CONNECTION_RESET: "The broker closed the connection mid-request. Retriable; if it repeats, check the broker and listener (TLS or SASL mismatch).",
  REQUEST_TIMED_OUT: "A request got no answer in time (`requestTimeout`; for a send, `timeout` + `connectionTimeout`). Retriable; a send's `error.outcomes` says which messages may still land (\"unknown\") and which were never handed to the client (\"not written\").",
  TIMEOUT: "A network operation timed out (`ETIMEDOUT`, or a health check past `connectionTimeout`). Retriable.",
  BUFFER_FULL: "A send waited `maxBlockMs` for room in the producer's `bufferMemory` and was not written. Await sends (or batch them) so fewer are in flight, or raise `bufferMemory`; safe to send again.",
  GROUP_JOIN_TIMEOUT: "`run()` did not get an assignment within session + request timeout. Check the broker's group coordinator and that the group's members share an assignment protocol.",
  METADATA_NOT_PROPAGATED: "A topic just created or deleted was not visible on every broker in time. Retriable.",
  COMMIT_NOT_CONFIRMED: "The broker did not confirm a commit in time (confluent). Retriable; messages after the last confirmed commit may be handled again.",
  SASL_AUTHENTICATION_FAILED: "Wrong SASL mechanism, user or password, or the listener does not speak SASL. Fix the credentials; not retriable.",
  CLIENT_DISCONNECTED: "The `StreamingClient` was disconnected. Create a new client.",
  NOT_CONNECTED: "The producer, consumer or admin is not connected (never, or after `disconnect()`). Call `connect()` first.",
  NOT_SUBSCRIBED: "`run()` before `subscribe()`, or (confluent) `transaction.sendOffsets({ consumer })` with a consumer not yet subscribed. Subscribe first.",
  ALREADY_RUNNING: "`run()` or `subscribe()` on a consumer that is already running. One `run()` per consumer; create another consumer for another handler.",
  NOT_RUNNING: "`seek`, `pause` or `resume` before `run()`. Call them once the consumer runs.",
  PARTITION_NOT_ASSIGNED: "`seek`/`pause`/`resume` for a partition this member does not own. Check `consumer.assignment()`.",
  INVALID_STATE: "The client library refused the call in its current state (librdkafka `_STATE`). Reconnect; report it if it repeats.",
  UNSUPPORTED_OPERATION: "This connector or broker cannot do what was asked (a codec, idempotence, an operation): `context.field` says what. Choose another option or connector.",
  UNSUPPORTED_BY_BROKER: "The broker does not support the API version the client needs. Upgrade the broker or use another connector.",
  HANDLER_FAILED: "Your handler threw, rejected or returned an `err` on every attempt; `cause` holds what it threw. The `onFailure` policy decided what happened next.",
  HANDLER_TIMEOUT: "A handler attempt ran past `handlerTimeoutMs`; its `signal` was aborted. Make the handler honour the signal or raise the limit.",
  HANDLER_ABANDONED: "Reported to `onError` by the consumer's `disconnect()`: a handler was still running `closeTimeoutMs` after its signal was aborted, and was abandoned. Its messages were not committed and will be delivered again to the group. Make the handler honour `context.signal`, or raise `closeTimeoutMs`.",
  HANDLER_STALLED: "Reported to `onError` and the consumer's `stalled` event (and a problem of `client.health()` until it ends) when a handler runs past `stallDetection.handlerMs` on one message or slice (its retries and back-offs included) (a minute by default). The handler is not stopped: `handlerTimeoutMs` does that. Find what it waits for (a call without a timeout, a lock), give that call a timeout, or raise the limit for handlers that are slow by design. Also reported, with `closeTimeoutMs`, as `HANDLER_ABANDONED` if it is still running at a revocation or `disconnect()`.",
  FETCH_STALLED: "Reported to `onError` and the `stalled` event (and a problem of `client.health()` until the partition receives again) when a partition the member owns, not paused and with nothing waiting for a handler, has messages at the broker past what was handed over but received nothing for `stallDetection.fetchMs`. Check the client's logs for fetch errors (an unreachable leader, authorization on the topic), that no `pause()` was forgotten by a library, and the broker's health; reconnecting the consumer usually clears it.",
  MEMBERSHIP_LOST: "Reported to `onError` and the `stalled` event (and a problem of `client.health()` until the member is assigned again) when the member lost every partition (a revocation of all, a membership error such as `UNKNOWN_MEMBER_ID`) and was not given an assignment within `stallDetection.membershipMs`. Usually the session timed out (the process was paused, the network dropped) and the client has not rejoined; check the broker's group coordinator (`admin.describeGroups`) and restart the consumer if it persists.",
  CONSUMER_CRASHED: "A commit on a consumer whose client left its group for good (it emitted `crashed`). Disconnect it and run a new consumer; what it had not committed is delivered again.",
  CLIENT_FATAL_ERROR: "The client can go on no more: librdkafka declared a fatal error (for example a static member fenced by another with the same `group.instance.id`, or an idempotence failure; the consumer emits `crashed`), or a kafkajs transaction's commit or abort got no answer, so its outcome is unknown. Disconnect it and connect again (or create a new one); not retriable on the same connection.",
  CONSUMER_CLOSING: "The reason of an aborted handler `signal` when the consumer disconnects. Stop the work and return; what was not finished is not committed and will be delivered again.",
  CLOSE_TIMED_OUT: "The consumer's `disconnect()` gave the client `closeTimeoutMs` to commit, stop and leave the group, and it had not finished. The consumer is closed on our side; the broker drops the member after its session timeout.",
  BAD_ASSIGNMENT: "Reported to `onError`: the connector's `assignment()` answered something other than an array (a connector bug); `assignment()` returned `[]`. Report it to the connector's author.",
  PRODUCER_CLOSED: "The producer's `disconnect()` reached `closeTimeoutMs` while this send was unanswered. `error.outcomes` says, per message, \"not written\" (core still held it: send it again) or \"unknown\" (the client had it: it may be in the log).",
  NOT_TRANSACTIONAL: "`producer.transaction()` on a producer made without a `transactionalId`. Get a transactional one: `client.getProducer({ transactionalId })` ([transactions.md](transactions.md)).",
  NOT_IN_TRANSACTION: "`producer.send`/`sendBatch` on a transactional producer: its writes go through a transaction. Open one with `producer.transaction()` and send through it; nothing was written.",
  TRANSACTION_IN_PROGRESS: "`producer.transaction()` while a transaction of that producer is open (Kafka allows one at a time per transactional id). Commit or abort the open one first, or use another `transactionalId` for concurrent work.",
  TRANSACTION_CLOSED: "A call on a transaction already committed or aborted. Open a new one with `producer.transaction()`; nothing of this call was done.",
  TRANSACTION_ABORTED: "`commit()` could not commit (a send of the transaction failed, or the broker refused the commit), so it aborted: nothing of the transaction is visible and its offsets are not committed; `cause` says why. Run the transaction again (an exactly-once `run()` retries the slice by itself).",
  PRODUCER_FENCED: "Another producer with the same `transactionalId` registered after this one (a restarted or duplicate instance): this producer can do nothing more, and its open transaction never becomes visible. Disconnect it; if this instance should own the id, create a new producer (it fences the other in turn).",
  NO_DELIVERY_REPORT: "The client acknowledged a send without saying where it landed. A connector bug: report it.",
  CONNECTOR_NOT_INSTALLED: "The connector's package (or its client library) is not installed: `npm install @qi/streaming-<name> <client>`.",
  CONNECTOR_INVALID: "A connector package or object does not have the connector shape. Check the third-party connector.",
  CONNECTOR_NAME_TAKEN: "`registerConnector` with a name already registered. Unregister the old one or pick another name.",
  UNEXPECTED_ERROR: "An error nothing could classify; `cause` holds the original. Report it with `cause`.",
};

const PROTOCOL_ADVICE = {
  CONNECTION: "Retry after back-off; check broker health.",
  // Not retriable in Kafka's own table (BROKER_NOT_AVAILABLE): retrying the same call will not help.
  "CONNECTION/not retriable": "Check the broker addresses and that the broker is up; retrying the same call will not help.",
  TIMEOUT: "Retry; the request may have been applied.",
  AUTHENTICATION: "Fix the credentials or mechanism.",
  AUTHORIZATION: "Grant the ACL the operation needs.",
  NOT_FOUND: "Create the topic or group, or fix its name.",
  CONFLICT: "The resource exists or another member holds it.",
  VALIDATION: "Fix the request (size, config, name).",
  STATE: "Reconnect or rejoin; the member's view is stale.",
  UNSUPPORTED: "Use a feature the broker version supports.",
  BROKER: "Retry after back-off; check the broker logs if it repeats.",
  "BROKER/not retriable": "Not retriable: check the broker logs.",
  INTERNAL: "Report it with `cause`.",
  HANDLER: "Fix the handler.",
};

function sources(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Every non-protocol code emitted by core and the connectors: code → { category, where }. */
function emittedCodes() {
  const found = new Map();
  const add = (code, category, file) => {
    const e = found.get(code) ?? { categories: new Set(), where: new Set() };
    e.categories.add(category);
    e.where.add(file.split("/packages/")[1].split("/")[0]);
    found.set(code, e);
  };
  const pkgs = readdirSync(join(root, "packages")).filter((p) => p === "core" || p.startsWith("connector-"));
  for (const pkg of pkgs) {
    for (const file of sources(join(root, "packages", pkg, "src"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/qiError\(\s*"([A-Z_]+)",\s*"([A-Z_]+)"/g)) add(m[2], m[1], file);
      for (const m of text.matchAll(/stateError\(\s*"([A-Z_]+)"/g)) add(m[1], "STATE", file);
      for (const m of text.matchAll(/category: "([A-Z_]+)", code: "([A-Z_]+)"/g)) add(m[2], m[1], file);
      if (/validationError\(/.test(text)) add("INVALID_ARGUMENT", "VALIDATION", file);
      if (/unsupportedError\(/.test(text)) add("UNSUPPORTED_OPERATION", "UNSUPPORTED", file);
      if (/handlerError\(/.test(text)) add("HANDLER_FAILED", "HANDLER", file);
    }
  }
  return found;
}

const protocolNames = new Set(allKafkaErrorCodes().map((k) => k.qiCode));
const emitted = [...emittedCodes()].filter(([code]) => !protocolNames.has(code) || ADVICE[code]).sort(([a, ac], [b, bc]) => [...ac.categories][0].localeCompare([...bc.categories][0]) || a.localeCompare(b));
const missing = emitted.filter(([code]) => !ADVICE[code]).map(([code]) => code);
// A code is one kind of failure: emitted under two categories, it cannot be handled by category.
const twoCategories = emitted.filter(([, e]) => e.categories.size > 1).map(([code, e]) => `${code} (${[...e.categories].sort().join(", ")})`);

const other = [
  "| code | category | emitted by | what to do |",
  "|---|---|---|---|",
  ...emitted.map(([code, e]) => `| \`${code}\` | ${[...e.categories].sort().join(", ")} | ${[...e.where].sort().join(", ")} | ${ADVICE[code] ?? "**no advice yet**"} |`),
].join("\n");

/** The advice of a protocol code: per category, unless the category's advice says "retry" and the code is not retriable. */
function protocolAdvice(k) {
  const special = PROTOCOL_ADVICE[`${k.category}/not retriable`];
  if (!k.retriable && special) return special;
  const advice = PROTOCOL_ADVICE[k.category] ?? "";
  if (!k.retriable && /^Retry[ ;,]/.test(advice)) throw new Error(`gen-error-docs: ${k.name} is not retriable but its advice (${k.category}) says retry; add "${k.category}/not retriable" advice`);
  return advice;
}

const protocol = [
  "| Kafka code | protocol name | our code | category | retriable | what to do |",
  "|---|---|---|---|---|---|",
  ...allKafkaErrorCodes().map((k) => `| ${k.code} | \`${k.name}\` | \`${k.qiCode}\` | ${k.category} | ${k.retriable ? "yes" : "no"} | ${protocolAdvice(k)} |`),
].join("\n");

const replace = (text, name, body) => {
  const re = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(text)) throw new Error(`docs/errors.md has no ${name} markers`);
  return text.replace(re, () => `<!-- ${name}:start -->\n${body}\n<!-- ${name}:end -->`);
};
const current = readFileSync(docPath, "utf8");
const next = replace(replace(current, "other-codes", other), "protocol-codes", protocol);

if (process.argv.includes("--check")) {
  if (missing.length) console.error(`gen-error-docs: no advice for ${missing.join(", ")} (add it to scripts/gen-error-docs.mjs)`);
  if (twoCategories.length) console.error(`gen-error-docs: codes emitted under more than one category: ${twoCategories.join("; ")}`);
  if (next !== current) console.error("gen-error-docs: docs/errors.md is stale; run node scripts/gen-error-docs.mjs");
  process.exit(missing.length || twoCategories.length || next !== current ? 1 : 0);
}
writeFileSync(docPath, next);
console.log(`docs/errors.md: ${allKafkaErrorCodes().length} protocol codes, ${emitted.length} other codes${missing.length ? `; NO ADVICE for ${missing.join(", ")}` : ""}`);
