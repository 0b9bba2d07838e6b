import assert from "node:assert/strict";
import { stressPrototypes } from "../../corpus/stress.ts";
import { selftestPrototypes } from "../../corpus/selftests.ts";
import { unicornUnavailable } from "../unicorn.ts";
import { toolUnavailable } from "../oracle/tools.ts";
import { abiKey, emulateMany, loadTrampArch, shapeKey } from "./emulate.ts";
import { protoC, type Verdict } from "./verdict.ts";

const skip = unicornUnavailable() ?? (await toolUnavailable("gcc")) ??
  (await Promise.all([loadTrampArch("x86_64"), loadTrampArch("arm64")]).then(
    () => null,
    (e) => String(e),
  ));

const ERAS = { x86_64: ["v6.6", "2026"], arm64: ["v6.17", "2026"] } as const;

/** What must not change with dedupe: status, the failing rules and the errno. */
function essence(v: Verdict): string {
  const rules = [...new Set(v.mismatches.filter((m) => m.severity === "fail").map((m) => m.rule))]
    .sort();
  return JSON.stringify([v.status, rules, v.errno ?? null]);
}

Deno.test({
  name: "abiKey dedupe gives the same verdicts as no dedupe (stress + selftests)",
  ignore: !!skip,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const protos = [...stressPrototypes(), ...await selftestPrototypes()];
    const abi = new Set(protos.map(abiKey)).size;
    const shapes = new Set(protos.map(shapeKey)).size;
    assert.ok(abi <= shapes);
    console.log(`${protos.length} prototypes, ${shapes} shapes, ${abi} abiKeys`);
    const diffs: string[] = [];
    for (const arch of ["x86_64", "arm64"] as const) {
      for (const era of ERAS[arch]) {
        for (const attach of ["fentry", "fexit"] as const) {
          const job = { arch, era, attach, protos };
          const off = await emulateMany({ ...job, dedupe: false });
          const on = await emulateMany({ ...job, dedupe: true });
          assert.equal(on.length, protos.length);
          protos.forEach((p, i) => {
            assert.equal(on[i].proto, p.name);
            assert.equal(on[i].protoC, protoC(p));
            for (const m of on[i].mismatches) {
              if (m.arg !== null && m.type) assert.equal(m.type.size, p.params[m.arg].type.size);
            }
            if (essence(off[i]) !== essence(on[i])) {
              diffs.push(
                `${arch} ${era} ${attach} ${p.name}: ${essence(off[i])} vs ${essence(on[i])}`,
              );
            }
          });
        }
      }
    }
    assert.deepEqual(diffs, []);
  },
});
