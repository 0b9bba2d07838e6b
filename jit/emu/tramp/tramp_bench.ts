/**
 * Trampoline emulation throughput: trampolines generated + emulated per
 * second per core per arch, and the wall time for (real vmlinux shapes +
 * stress + selftests) × arches (ERAS below) × 2 eras × fentry (issue 4's target
 * < 4 s for two arches, issue 8's < 10 s for all; harness images cached). Run: `deno run -A jit/emu/tramp/tramp_bench.ts`
 * (also `deno bench -A` picks up the Deno.bench cases).
 *
 * @module
 */

import { stressPrototypes } from "../../corpus/stress.ts";
import { selftestPrototypes } from "../../corpus/selftests.ts";
import { parseBtf } from "../../corpus/btf/parse.ts";
import { allPrototypes } from "../../corpus/btf/ctype.ts";
import type { Prototype } from "../../corpus/types.ts";
import { abiKey, BATCH, emulateMany, harnessFor, loadTrampArch } from "./emulate.ts";
import { EmulatePool, representatives } from "../../../workers/pool.ts";
import type { TrampArch } from "./layout.ts";
import { isQemuTrampArch } from "./qemu/arches.ts";
import { checkMany } from "../loongarch64/check.ts";

/** The matrix: two eras per arch (the one a review compares with, and the newest). */
const ERAS = {
  x86_64: ["v6.6", "2026"],
  arm64: ["v6.17", "2026"],
  riscv64: ["v6.3", "v6.11"],
  s390x: ["v6.3", "v6.6"],
  ppc64: ["v6.13", "2026"],
} as const;
/** loongarch64: model only (no compiler, no emulator: KERNEL_SPEC §2.6), checked in-process. */
const LOONG_ERAS = ["v6.17", "2026"] as const;
// ppc64 runs under qemu-user; emulateMany and the pool dispatch on the arch name
const MATRIX_ARCHES = Object.keys(ERAS) as TrampArch[];
const erasOf = (a: TrampArch): readonly string[] => (ERAS as Record<string, readonly string[]>)[a];

async function corpus(): Promise<{ all: Prototype[]; shapes: Prototype[] }> {
  const all = [...stressPrototypes(), ...await selftestPrototypes()];
  try {
    all.push(...allPrototypes(parseBtf(await Deno.readFile("/sys/kernel/btf/vmlinux")), "real"));
  } catch { /* no kernel BTF here */ }
  // the pool's representatives, so the in-process passes use the pool's batches (images)
  return { all, shapes: representatives(all).reps };
}

if (import.meta.main) {
  const { all, shapes } = await corpus();
  console.log(
    `corpus: ${all.length} prototypes, ${shapes.length} shapes, ${
      new Set(shapes.map(abiKey)).size
    } abiKeys`,
  );
  // warm: build/cached images (the pool's chunks, deduplicated as the workers do), load models
  for (const arch of MATRIX_ARCHES) {
    await loadTrampArch(arch);
    const t0 = performance.now();
    for (let i = 0; i < shapes.length; i += BATCH) {
      const protos = shapes.slice(i, i + BATCH);
      await emulateMany({ arch, era: erasOf(arch)[0], attach: "fentry", protos, dedupe: true });
    }
    console.log(
      `${arch}: first pass (image build or cache) ${(performance.now() - t0).toFixed(0)} ms`,
    );
  }
  // per-core throughput (in-process, images warm)
  for (const arch of MATRIX_ARCHES) {
    // the same batches as the warm pass (and the pool): no image is built here
    const t0 = performance.now();
    let ran = 0;
    for (let i = 0; i < shapes.length; i += BATCH) {
      const vs = await emulateMany({
        arch,
        era: erasOf(arch)[0],
        attach: "fexit",
        protos: shapes.slice(i, i + BATCH),
        dedupe: true,
      });
      ran += vs.filter((v) => v.status !== "rejected").length;
    }
    const ms = performance.now() - t0;
    console.log(
      `${arch}: ${ran} trampolines generated+emulated in ${ms.toFixed(0)} ms on one core = ${
        (ran / ms * 1000).toFixed(0)
      }/s`,
    );
  }
  // the full matrix through the worker pool: started first (a bot keeps its
  // pool), then each arch's two eras as one job (as a review runs base and
  // patched models), so each worker batch's image serves both eras
  const pool = new EmulatePool();
  const tw = performance.now();
  await pool.warm(MATRIX_ARCHES.filter((a) => !isQemuTrampArch(a)) as never);
  const warm = performance.now() - tw;
  const t0 = performance.now();
  let n = 0;
  const times: Partial<Record<string, number>> = {};
  for (const arch of MATRIX_ARCHES) {
    const tj = performance.now();
    const vs = await pool.runEras({ arch, eras: [...erasOf(arch)], attach: "fentry", protos: all });
    times[arch] = performance.now() - tj;
    console.log(`  ${arch} ${erasOf(arch).join(" + ")}: ${times[arch]!.toFixed(0)} ms`);
    n += vs.reduce((a, v) => a + v.length, 0);
  }
  const wall = performance.now() - t0;
  pool.close();
  const tl = performance.now();
  for (const era of LOONG_ERAS) checkMany({ era, attach: "fentry", protos: shapes });
  const loong = performance.now() - tl;
  console.log(`  loongarch64 ${LOONG_ERAS.join(" + ")} (model only): ${loong.toFixed(0)} ms`);
  console.log(
    `pool start (${pool.size} workers, models loaded, engines open): ${warm.toFixed(0)} ms`,
  );
  const two = (times.x86_64 ?? 0) + (times.arm64 ?? 0);
  console.log(
    `matrix x86_64 + arm64 (${all.length} protos × 2 eras, fentry, ${pool.size} workers): ${
      two.toFixed(0)
    } ms (issue 4 target < 4000 ms)`,
  );
  console.log(
    `matrix all arches (${MATRIX_ARCHES.length + 1} × 2 eras): ${n} verdicts + loongarch64 in ${
      (wall + loong).toFixed(0)
    } ms (issue 8 target < 10000 ms; ${(wall + loong + warm).toFixed(0)} ms with the pool start)`,
  );
}

// `deno task bench`: per-core throughput on the stress corpus (images cached after the first
// run). The observation memo is off so that every iteration really emulates.
const benchProtos = stressPrototypes();
for (const arch of MATRIX_ARCHES) {
  for (const era of erasOf(arch)) {
    Deno.bench({
      name:
        `${arch} ${era} fentry: generate + emulate ${benchProtos.length} stress prototypes (one core)`,
      group: "trampolines",
      async fn() {
        if (!isQemuTrampArch(arch)) harnessFor(arch).memo = false;
        await emulateMany({ arch, era, attach: "fentry", protos: benchProtos });
      },
    });
  }
}
