import { defineQiBuild } from "../../tsup.base.ts";

export default defineQiBuild({ entry: ["src/index.ts"], external: ["@qi/streaming", "kafkajs"] });
