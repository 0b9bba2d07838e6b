import assert from "node:assert/strict";
import { stressPrototypes } from "../jit/corpus/stress.ts";
import { unicornUnavailable } from "../jit/emu/unicorn.ts";
import { toolUnavailable } from "../jit/emu/oracle/tools.ts";
import { emulateMany, loadTrampArch } from "../jit/emu/tramp/emulate.ts";
import { EmulatePool, IN_PROCESS_BELOW } from "./pool.ts";

const skip = unicornUnavailable() ?? (await toolUnavailable("gcc")) ??
  (await loadTrampArch("x86_64").then(() => null, (e) => String(e)));

Deno.test({
  name: "pool: workers give the same verdicts as in-process, in input order",
  ignore: !!skip,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const protos = stressPrototypes();
    assert.ok(protos.length >= IN_PROCESS_BELOW); // goes through the workers
    const job = { arch: "x86_64" as const, era: "v6.6", attach: "fentry" as const, protos };
    const pool = new EmulatePool(2);
    try {
      const a = await pool.run(job);
      const b = await emulateMany({ ...job, dedupe: true });
      assert.equal(a.length, protos.length);
      assert.deepEqual(a.map((v) => v.proto), protos.map((p) => p.name));
      assert.deepEqual(a.map((v) => v.status), b.map((v) => v.status));
    } finally {
      pool.close();
    }
  },
});

Deno.test({
  name: "pool: one job at several eras gives each era's verdicts (as separate jobs would)",
  ignore: !!skip,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const protos = stressPrototypes();
    const pool = new EmulatePool(2);
    try {
      await pool.warm(["x86_64"]);
      const [a, b] = await pool.runEras({
        arch: "x86_64",
        eras: ["v6.1", "v6.6"],
        attach: "fentry",
        protos,
      });
      const a1 = await pool.run({ arch: "x86_64", era: "v6.1", attach: "fentry", protos });
      const b1 = await pool.run({ arch: "x86_64", era: "v6.6", attach: "fentry", protos });
      assert.deepEqual(
        a.map((v) => [v.proto, v.era, v.status]),
        a1.map((v) => [v.proto, v.era, v.status]),
      );
      assert.deepEqual(
        b.map((v) => [v.proto, v.era, v.status]),
        b1.map((v) => [v.proto, v.era, v.status]),
      );
      // the eras really differ (v6.1 rejects more prototypes than v6.6, and judges others apart)
      assert.notDeepEqual(a.map((v) => v.status), b.map((v) => v.status));
      assert.ok(a.every((v) => v.era === "v6.1") && b.every((v) => v.era === "v6.6"));
    } finally {
      pool.close();
    }
  },
});
