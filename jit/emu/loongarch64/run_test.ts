/**
 * The generated LoongArch64 trampolines executed by qemu-loongarch64 (callers
 * placed by the psABI model, see run.ts): B10 shows by execution, and on a
 * corpus sample the executed code agrees with the model-level checker.
 */

import assert from "node:assert/strict";
import { judgeRun, runLoongArch } from "./run.ts";
import { checkOne } from "./check.ts";
import { qemuLoongArchUnavailable } from "../../arch/loongarch64/qemu.ts";
import { selftestPrototypes } from "../../corpus/selftests.ts";
import { stressPrototypes } from "../../corpus/stress.ts";

const ignore = (await qemuLoongArchUnavailable()) !== null;

Deno.test({
  name: "B10 executed: v6.17 loses struct_arg_1's 4th slot and clobbers a3; 2026 is right",
  ignore,
  fn: async () => {
    const p = (await selftestPrototypes()).find((x) => x.name === "bpf_testmod_test_struct_arg_1")!;
    const bad = await runLoongArch(p, "v6.17", "fentry");
    assert.ok(bad);
    const problems = judgeRun(p, bad, "fentry");
    assert.equal(problems[0], "ctx[-1] = 3 != 4");
    assert.match(problems[1], /^arg 2 ctx\[3\] = 0x[0-9a-f]+ != 0x34333231$/);
    // RESTORE_REGS reloads a0..a2 only; the program stub clobbered a3
    assert.match(problems[2], /^arg 2 received 0xfffffa59 != 0x34333231/);
    for (const attach of ["fentry", "fexit"] as const) {
      const good = await runLoongArch(p, "2026", attach);
      assert.ok(good);
      assert.deepEqual(judgeRun(p, good, attach), []);
    }
    assert.equal(await runLoongArch(p, "v6.18", "fentry"), null); // refused
  },
});

Deno.test({
  name:
    "2026 struct_ops with 9 u64 args executed: ctx[8] read 16 bytes above the caller's stack arg",
  ignore,
  fn: async () => {
    const u64 = {
      kind: "int",
      name: "unsigned long long",
      size: 8,
      align: 8,
      signed: false,
    } as const;
    const p = {
      name: "ops9",
      source: "selftest" as const,
      ret: u64,
      params: Array.from({ length: 9 }, (_, i) => ({ name: `a${i}`, type: u64 })),
      variadic: false,
      unsupported: null,
    };
    const r = await runLoongArch(p, "2026", "struct_ops");
    assert.ok(r);
    const problems = judgeRun(p, r, "struct_ops");
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0], /^arg 8 ctx\[8\] = 0x[0-9a-f]+ != 0x9897969594939291$/);
    assert.equal(checkOne(p, "2026", "struct_ops").status, "fail");
    const entry = await runLoongArch(p, "2026", "fentry");
    assert.deepEqual(judgeRun(p, entry!, "fentry"), []);
  },
});

Deno.test({
  name:
    "executed code agrees with the model-level checker (selftests + stress sample, 2 eras, 3 attach types)",
  ignore,
  fn: async () => {
    const protos = [
      ...await selftestPrototypes(),
      ...stressPrototypes().filter((_, i) => i % 61 === 0),
    ];
    let runs = 0;
    for (const p of protos) {
      for (const era of ["v6.17", "2026"]) {
        for (const attach of ["fentry", "fexit", "struct_ops"] as const) {
          const r = await runLoongArch(p, era, attach);
          const c = checkOne(p, era, attach);
          if (!r) {
            assert.equal(c.status, "rejected", `${p.name} ${era} ${attach}`);
            continue;
          }
          runs++;
          const problems = judgeRun(p, r, attach);
          assert.equal(
            problems.length === 0,
            c.status === "pass",
            `${p.name} ${era} ${attach}: run ${JSON.stringify(problems)} vs model ${c.status}`,
          );
        }
      }
    }
    assert.ok(runs > 100);
  },
});
