/**
 * LoongArch64 model-only checks per second, and the wall time for
 * (real vmlinux shapes + stress + selftests) × 2 eras (v6.17, 2026) × fentry —
 * the loongarch64 share of issue 8's matrix. Run:
 * `deno run -A jit/emu/loongarch64/check_bench.ts` (also `deno bench -A`).
 *
 * @module
 */

import { stressPrototypes } from "../../corpus/stress.ts";
import { selftestPrototypes } from "../../corpus/selftests.ts";
import { parseBtf } from "../../corpus/btf/parse.ts";
import { allPrototypes } from "../../corpus/btf/ctype.ts";
import type { Prototype } from "../../corpus/types.ts";
import { shapeKey } from "../tramp/emulate.ts";
import { checkMany } from "./check.ts";

async function shapes(): Promise<Prototype[]> {
  const all = [...stressPrototypes(), ...await selftestPrototypes()];
  try {
    all.push(...allPrototypes(parseBtf(await Deno.readFile("/sys/kernel/btf/vmlinux")), "real"));
  } catch { /* no kernel BTF here */ }
  const seen = new Set<string>();
  return all.filter((p) => !seen.has(shapeKey(p)) && seen.add(shapeKey(p)));
}

const ERAS = ["v6.17", "2026"];
const protos = await shapes();

if (import.meta.main) {
  const t0 = performance.now();
  for (const era of ERAS) {
    const t = performance.now();
    const vs = checkMany({ era, attach: "fentry", protos });
    const ms = performance.now() - t;
    const checked = vs.filter((v) => v.status !== "rejected").length;
    console.log(
      `loongarch64 ${era}: ${protos.length} shapes (${checked} attachable) in ${
        ms.toFixed(0)
      } ms = ${Math.round(checked / (ms / 1000))}/s`,
    );
  }
  console.log(`matrix (2 eras): ${(performance.now() - t0).toFixed(0)} ms`);
}

for (const era of ERAS) {
  Deno.bench(`loongarch64 ${era} model check, ${protos.length} shapes`, () => {
    checkMany({ era, attach: "fentry", protos });
  });
}
