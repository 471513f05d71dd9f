/** `health`: is the cluster reachable with this config? Exit 0 healthy, 1 not (for probes and scripts). */
import { flag, type CommandDef } from "../args.js";
import { EXIT, must, printable } from "../failure.js";

/** The `health` command. */
export const healthCommand: CommandDef = {
  path: ["health"],
  args: [],
  summary: "check that the brokers answer (exit 0 healthy, 1 not)",
  options: { json: { type: "boolean", help: "print JSON" } },
  async run(ctx, parsed) {
    const client = ctx.streamingClient();
    const health = must(await client.health());
    const code = health.healthy ? EXIT.ok : EXIT.failed;
    if (flag(parsed, "json")) {
      ctx.out.json({ healthy: health.healthy, reachable: health.reachable, connector: client.connectorName, problems: health.problems.map(printable) });
      return code;
    }
    if (health.healthy) ctx.out.line(`${ctx.out.style("green", "healthy")}: connector ${client.connectorName}, brokers reachable`);
    else ctx.out.line(`${ctx.out.style("red", "unhealthy")}: connector ${client.connectorName}, ${health.reachable ? "brokers reachable" : "brokers not reachable"}`);
    for (const p of health.problems) ctx.out.error(printable(p));
    return code;
  },
};
