/**
 * arm32 call-marshalling emulation: calls emulated per second (GCC Thumb-2 and
 * clang ARM callees, images cached), and the wall time for (ILP32 stress +
 * selftests) × 2 eras (v6.2-resend, v6.2) × kfunc, plus helpers — the arm32
 * share of issue 8's matrix. Run: `deno run -A jit/emu/arm32/emulate_bench.ts`
 * (also `deno bench -A`).
 *
 * @module
 */

import { stressPrototypes } from "../../corpus/stress.ts";
import { selftestPrototypes } from "../../corpus/selftests.ts";
import { emulateArm32 } from "./emulate.ts";

const protos = [
  ...stressPrototypes({ model: "ilp32", maxPosition: 5 }),
  ...await selftestPrototypes("ilp32"),
];
const RUNS = [
  { era: "v6.2-resend", kind: "kfunc" },
  { era: "v6.2", kind: "kfunc" },
  { era: "v6.2", kind: "helper" },
] as const;

if (import.meta.main) {
  for (const r of RUNS) await emulateArm32({ ...r, protos }); // build/cache the images
  const t0 = performance.now();
  for (const r of RUNS) {
    const t = performance.now();
    const vs = await emulateArm32({ ...r, protos });
    const ms = performance.now() - t;
    const ran = vs.filter((v) => v.status !== "rejected").length * 2; // two compilers
    console.log(
      `arm32 ${r.era} ${r.kind}: ${protos.length} prototypes, ${ran} calls in ${
        ms.toFixed(0)
      } ms = ${Math.round(ran / (ms / 1000))}/s`,
    );
  }
  console.log(`matrix (warm image cache): ${(performance.now() - t0).toFixed(0)} ms`);
}

for (const r of RUNS) {
  Deno.bench(`arm32 ${r.era} ${r.kind}, ${protos.length} prototypes, warm cache`, async () => {
    await emulateArm32({ ...r, protos });
  });
}
