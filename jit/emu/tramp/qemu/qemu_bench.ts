/**
 * ppc64 (qemu-user) trampoline emulation throughput: trampolines generated +
 * emulated per second, and the wall time for (real vmlinux shapes + stress +
 * selftests) × {v6.13, 2026} × fentry with dedupe, harness images cached (the
 * first run builds them). Run: `deno run -A jit/emu/tramp/qemu/qemu_bench.ts`;
 * `deno bench -A` picks up the Deno.bench case.
 *
 * @module
 */

import { stressPrototypes } from "../../../corpus/stress.ts";
import { selftestPrototypes } from "../../../corpus/selftests.ts";
import { parseBtf } from "../../../corpus/btf/parse.ts";
import { allPrototypes } from "../../../corpus/btf/ctype.ts";
import type { Prototype } from "../../../corpus/types.ts";
import { shapeKey } from "../emulate.ts";
import { emulateQemu } from "./emulate.ts";

async function corpus(): Promise<Prototype[]> {
  const all = [...stressPrototypes(), ...await selftestPrototypes()];
  try {
    all.push(...allPrototypes(parseBtf(await Deno.readFile("/sys/kernel/btf/vmlinux")), "real"));
  } catch { /* no kernel BTF here */ }
  const seen = new Set<string>();
  return all.filter((p) => {
    const k = shapeKey(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const ERAS = ["v6.13", "2026"];

if (import.meta.main) {
  const shapes = await corpus();
  console.log(`corpus: ${shapes.length} shapes`);
  let t0 = performance.now();
  for (const era of ERAS) {
    await emulateQemu({ arch: "ppc64", era, attach: "fentry", protos: shapes, dedupe: true });
  }
  console.log(`warm-up (builds missing images): ${(performance.now() - t0).toFixed(0)} ms`);
  t0 = performance.now();
  let n = 0;
  for (const era of ERAS) {
    const t1 = performance.now();
    const vs = await emulateQemu({
      arch: "ppc64",
      era,
      attach: "fentry",
      protos: shapes,
      dedupe: true,
    });
    const ran = vs.filter((v) => v.status !== "rejected").length;
    n += ran;
    const c = { pass: 0, fail: 0, rejected: 0 };
    for (const v of vs) c[v.status]++;
    console.log(
      `ppc64 ${era} fentry: ${vs.length} shapes (${c.pass} pass, ${c.fail} fail, ${c.rejected} rejected) in ${
        (performance.now() - t1).toFixed(0)
      } ms`,
    );
  }
  const ms = performance.now() - t0;
  console.log(`matrix: ${ms.toFixed(0)} ms, ${(n / (ms / 1000)).toFixed(0)} verdicts/s`);
  const stress = stressPrototypes();
  await emulateQemu({ arch: "ppc64", era: "2026", attach: "fentry", protos: stress }); // images
  const t2 = performance.now();
  const vs = await emulateQemu({ arch: "ppc64", era: "2026", attach: "fentry", protos: stress });
  const ran = vs.filter((v) => v.status !== "rejected").length;
  const s = (performance.now() - t2) / 1000;
  console.log(
    `stress, no dedupe: ${ran} trampolines generated + emulated in ${(s * 1000).toFixed(0)} ms = ${
      (ran / s).toFixed(0)
    }/s (2 qemu processes at once)`,
  );
}

const stress = stressPrototypes().slice(0, 400);
Deno.bench({
  name: "ppc64 2026 fentry: 400 stress prototypes under qemu-user (images cached)",
  async fn() {
    await emulateQemu({ arch: "ppc64", era: "2026", attach: "fentry", protos: stress });
  },
});
