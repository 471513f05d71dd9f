#!/usr/bin/env node
/* global process, console, performance, setInterval, setTimeout */
// Manual smoke test of the Kafka test harness (src/harness). Run from the repo root:
//
//   npx -y tsx packages/testkit/scripts/try-harness.mjs            # the full tour
//   npx -y tsx packages/testkit/scripts/try-harness.mjs --quick    # start, probe, stop only
//
// It provisions Kafka (Maven, first time only), starts a broker, probes both listeners, checks
// SASL/PLAIN and SCRAM-SHA-256 with Kafka's own TopicCommand (right and wrong passwords), restarts
// the broker (graceful, then after a SIGKILL), stops it, and checks that no broker JVM is left.
// The last step SIGKILLs a process that owns a broker and checks that the reaper stops the broker.
// Passwords are never printed. Exits non-zero on the first failed check.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const harness = await import("../src/harness/index.ts");
const { provisionKafka, startKafka, tcpConnect, kafkaApiVersions, checkJava } = harness;

const args = new Set(process.argv.slice(2));
const t = () => performance.now();
const secs = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

/** Java pids running kafka.Kafka (any, not only ours: the check is "nothing left behind"). */
function kafkaJvms() {
  const r = spawnSync("pgrep", ["-f", "kafka.Kafka"], { encoding: "utf8" });
  return r.stdout.split("\n").filter(Boolean).map(Number).filter((p) => p !== process.pid);
}

// --child: start a broker, report it, and wait to be SIGKILLed by the parent (reaper test).
if (args.has("--child")) {
  const kafka = await startKafka({ log: () => {} });
  process.stdout.write(JSON.stringify({ pid: kafka.pid, dataDir: kafka.dataDir }) + "\n");
  setInterval(() => {}, 1 << 30);
} else {
  await main();
}

async function main() {
  console.log(`java major version: ${checkJava()}`);
  let t0 = t();
  const provisioned = provisionKafka();
  console.log(`provision: Kafka ${provisioned.version} in ${provisioned.libDir} (${provisioned.downloaded ? "downloaded" : "cached"}, ${secs(t0)})`);

  const before = kafkaJvms();
  if (before.length) console.log(`note: kafka.Kafka processes already running before the test: ${before.join(" ")}`);

  t0 = t();
  const kafka = await startKafka();
  console.log(`start: ${secs(t0)}; brokers=${kafka.brokers} saslBrokers=${kafka.saslBrokers} version=${kafka.version} pid=${kafka.pid}`);
  console.log(`  users: plain=${kafka.credentials.plain.username} scram256=${kafka.credentials.scram256.username} (passwords not shown)`);
  console.log(`  log: ${kafka.logFile}`);
  try {
    await probeBoth(kafka, "after start");
    if (!args.has("--quick")) {
      await saslChecks(kafka);
      t0 = t();
      await kafka.restart();
      console.log(`restart (graceful): ${secs(t0)}`);
      await probeBoth(kafka, "after restart");
      check(topicCommand(kafka, "plaintext", ["--list"]).stdout.includes("qi-harness-smoke"), "topic created before the restart is still there");
      t0 = t();
      await kafka.kill();
      check(kafka.pid === undefined, "kill(): broker process gone");
      await kafka.restart();
      console.log(`restart after SIGKILL: ${secs(t0)}`);
      await probeBoth(kafka, "after crash restart");
      check(topicCommand(kafka, "plaintext", ["--list"]).stdout.includes("qi-harness-smoke"), "topic survives the crash");
    }
  } finally {
    t0 = t();
    await kafka.stop();
    console.log(`stop: ${secs(t0)}`);
  }
  check(!existsSync(kafka.dataDir), "data dir removed by stop()");
  const left = kafkaJvms().filter((p) => !before.includes(p));
  check(left.length === 0, `no kafka.Kafka process left (pgrep -f kafka.Kafka: ${left.join(" ") || "none"})`);

  if (!args.has("--quick")) await reaperCheck();
  console.log(failures === 0 ? "harness smoke test: all checks passed" : `harness smoke test: ${failures} check(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}

async function probeBoth(kafka, when) {
  for (const [name, addr] of [["PLAINTEXT", kafka.brokers[0]], ["SASL_PLAINTEXT", kafka.saslBrokers[0]]]) {
    const [host, port] = addr.split(":");
    try {
      await tcpConnect(host, Number(port));
      const apis = await kafkaApiVersions(host, Number(port));
      check(true, `${when}: ${name} ${addr} accepts TCP and answers ApiVersions (${apis} APIs)`);
    } catch (e) {
      check(false, `${when}: ${name} ${addr}: ${e.message}`);
    }
  }
}

/** Runs Kafka's TopicCommand against one listener; `auth` picks the client properties. */
function topicCommand(kafka, auth, extra, password) {
  const dir = mkdtempSync(join(tmpdir(), "qi-kafka-client-"));
  const props = join(dir, "client.properties");
  const { plain, scram256 } = kafka.credentials;
  const lines = { plaintext: [] };
  const jaas = (module, c) => `sasl.jaas.config=${module} required username="${c.username}" password="${password ?? c.password}";`;
  lines.plain = ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN", jaas("org.apache.kafka.common.security.plain.PlainLoginModule", plain)];
  lines.scram = ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=SCRAM-SHA-256", jaas("org.apache.kafka.common.security.scram.ScramLoginModule", scram256)];
  writeFileSync(props, [...lines[auth], "request.timeout.ms=15000", "default.api.timeout.ms=20000"].join("\n") + "\n", { mode: 0o600 });
  const bootstrap = auth === "plaintext" ? kafka.brokers[0] : kafka.saslBrokers[0];
  const lib = join(provisionKafka().libDir, "*");
  const r = spawnSync("java", ["-cp", lib, "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap, "--command-config", props, ...extra], {
    encoding: "utf8",
    timeout: 90_000,
  });
  rmSync(dir, { recursive: true, force: true });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

async function saslChecks(kafka) {
  let t0 = t();
  let r = topicCommand(kafka, "plaintext", ["--create", "--topic", "qi-harness-smoke", "--partitions", "3", "--replication-factor", "1"]);
  check(r.status === 0, `PLAINTEXT: create topic (${secs(t0)})${r.status === 0 ? "" : `: ${r.stderr.slice(-400)}`}`);
  for (const auth of ["plain", "scram"]) {
    t0 = t();
    r = topicCommand(kafka, auth, ["--list"]);
    check(r.status === 0 && r.stdout.includes("qi-harness-smoke"), `SASL ${auth}: right password lists the topic (${secs(t0)})${r.status === 0 ? "" : `: ${r.stderr.slice(-400)}`}`);
    t0 = t();
    r = topicCommand(kafka, auth, ["--list"], "wrong-password");
    const authError = /Authentication failed|SaslAuthenticationException|Invalid username or password/i.test(r.stdout + r.stderr);
    check(r.status !== 0 && authError, `SASL ${auth}: wrong password is refused with an authentication error (${secs(t0)})`);
  }
  t0 = t();
  r = topicCommand(kafka, "plaintext", ["--describe", "--topic", "qi-missing-topic"]);
  check(r.status !== 0, `describing a missing topic fails (auto.create.topics.enable=false) (${secs(t0)})`);
}

/** SIGKILLs a process that owns a broker (no exit handler can run) and waits for the reaper to stop it. */
async function reaperCheck() {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, script, "--child"], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(out.split("\n")[0]);
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  const { pid } = JSON.parse(line);
  check(kafkaJvms().includes(pid), `reaper test: child ${child.pid} runs broker ${pid}`);
  const t0 = t();
  child.kill("SIGKILL");
  let gone = false;
  for (let i = 0; i < 300 && !gone; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      gone = true;
    }
  }
  check(gone, `reaper test: broker stopped ${secs(t0)} after its owner was SIGKILLed`);
  if (!gone) execFileSync("kill", ["-9", String(pid)]);
  // The next start sweeps the orphaned data dir; do that now so the temp dir stays clean.
  console.log(`  swept ${harness.sweepStaleBrokers()} orphaned data dir(s)`);
}
