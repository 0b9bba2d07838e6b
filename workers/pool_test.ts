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
