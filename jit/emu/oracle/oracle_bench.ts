/**
 * Oracle throughput: 1,000 stress prototypes per architecture, compile + link
 * + run + observe, without the cache (every iteration compiles) and with a
 * warm cache (images read back, only the runs). Needs --allow-ffi for the
 * Unicorn targets (skipped with the reason otherwise).
 *
 *   deno bench -A jit/emu/oracle/oracle_bench.ts
 */
import { stressPrototypes } from "../../corpus/stress.ts";
import { observePlacements } from "./oracle.ts";
import { type OracleArch, TARGETS } from "./targets.ts";
import { toolUnavailable } from "./tools.ts";
import { unicornUnavailable } from "../unicorn.ts";

const N = 1000;
const ARCHES: OracleArch[] = ["x86_64", "arm64", "riscv64", "s390x", "arm32", "ppc64"];

function corpus(arch: OracleArch) {
  const all = stressPrototypes({ model: arch === "arm32" ? "ilp32" : "lp64" });
  return Array.from({ length: N }, (_, i) => all[Math.floor((i * all.length) / N)]);
}

async function why(arch: OracleArch): Promise<string | null> {
  const t = TARGETS[arch];
  for (
    const x of [t.gcc.cmd, t.link, "llvm-readelf", t.runner === "qemu" ? t.qemu! : "llvm-objcopy"]
  ) {
    const w = await toolUnavailable(x);
    if (w) return w;
  }
  return t.runner === "unicorn" ? unicornUnavailable() : null;
}

const cache = await Deno.makeTempDir({ prefix: "trampolint-oracle-bench-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(cache, { recursive: true });
  } catch { /* already gone */ }
});

for (const arch of ARCHES) {
  const reason = await why(arch);
  const protos = corpus(arch);
  const skip = reason ? ` (skipped: ${reason})` : "";
  Deno.bench({
    name: `${arch}: ${N} prototypes, gcc, no cache (compile + link + run)${skip}`,
    group: arch,
    ignore: !!reason,
    n: 1,
    warmup: 0,
    fn: async () => {
      const r = await observePlacements(arch, protos, { compiler: "gcc", cacheDir: null });
      const s = r.stats;
      console.log(
        `${arch}: compile ${s.compileMs.toFixed(0)} ms, link ${s.linkMs.toFixed(0)} ms, run ${
          s.runMs.toFixed(0)
        } ms for ${s.runs} runs, engine open ${s.engineOpenMs.toFixed(2)} ms, total ${
          s.totalMs.toFixed(0)
        } ms`,
      );
    },
  });
  Deno.bench({
    name: `${arch}: ${N} prototypes, gcc, warm cache (run + observe)${skip}`,
    group: arch,
    baseline: true,
    ignore: !!reason,
    n: 3,
    warmup: 1,
    fn: async () => {
      await observePlacements(arch, protos, { compiler: "gcc", cacheDir: cache });
    },
  });
}
