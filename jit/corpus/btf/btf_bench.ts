/**
 * BTF stage benchmarks on the real kernel BTF (skipped when absent):
 * `deno bench -A jit/corpus/btf/btf_bench.ts`.
 */
import { parseBtf } from "./parse.ts";
import { allPrototypes } from "./ctype.ts";
import { CDecls } from "./cdecl.ts";

const VMLINUX = "/sys/kernel/btf/vmlinux";
let bytes: Uint8Array | null = null;
try {
  bytes = Deno.readFileSync(VMLINUX);
} catch {
  console.warn(`${VMLINUX} not readable: BTF benches skipped`);
}
const ignore = bytes === null;

Deno.bench({
  name: "parse /sys/kernel/btf/vmlinux",
  ignore,
  fn() {
    parseBtf(bytes!);
  },
});

Deno.bench({
  name: "parse + resolve every FUNC to a Prototype",
  ignore,
  fn() {
    allPrototypes(parseBtf(bytes!));
  },
});

Deno.bench({
  name: "parse + resolve + C declarations for every supported prototype",
  ignore,
  fn() {
    const ps = allPrototypes(parseBtf(bytes!)).filter((p) => !p.unsupported);
    new CDecls(ps).declarations();
  },
});

if (!ignore) {
  // One cold measurement (first parse in a fresh isolate), printed for the report.
  const t0 = performance.now();
  const btf = parseBtf(bytes!);
  const t1 = performance.now();
  const protos = allPrototypes(btf);
  const t2 = performance.now();
  console.log(
    `cold: parse ${(t1 - t0).toFixed(1)} ms, resolve ${protos.length} FUNCs ${
      (t2 - t1).toFixed(1)
    } ms`,
  );
}
