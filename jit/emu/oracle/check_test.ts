import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
import type { CType, Prototype } from "../../corpus/types.ts";
import type { Abi, ArgLocation } from "../../arch/types.ts";
import { intType } from "../../corpus/ctypes.ts";
import { stressPrototypes } from "../../corpus/stress.ts";
import { checkPlacement, compareCompilers } from "./check.ts";
import { type OracleArch, TARGETS } from "./targets.ts";
import { toolUnavailable } from "./tools.ts";
import { unicornUnavailable } from "../unicorn.ts";

async function why(
  arch: OracleArch,
  compilers: ("gcc" | "clang")[] = ["gcc"],
): Promise<string | null> {
  const t = TARGETS[arch];
  const tools = [
    ...compilers.map((c) => (c === "gcc" ? t.gcc.cmd : t.clang.cmd)),
    t.link,
    "llvm-readelf",
  ];
  tools.push(t.runner === "qemu" ? t.qemu! : "llvm-objcopy");
  for (const x of tools) {
    const w = await toolUnavailable(x);
    if (w) return w;
  }
  return t.runner === "unicorn" ? unicornUnavailable() : null;
}

async function loadAbi(arch: OracleArch): Promise<Abi | null> {
  try {
    return (await import(`../../arch/${arch}/abi.ts`)).abi as Abi;
  } catch {
    return null;
  }
}

const P = (name: string, types: CType[]): Prototype => ({
  name,
  source: "stress",
  ret: null,
  params: types.map((type, i) => ({ name: `a${i}`, type })),
  variadic: false,
  unsupported: null,
});
const L = intType(64, true);

/** A few dozen stress prototypes spread over every class and position. */
function sample(arch: OracleArch): Prototype[] {
  const all = stressPrototypes({ model: arch === "arm32" ? "ilp32" : "lp64" });
  return all.filter((_, i) => i % 37 === 0);
}

for (const arch of ["x86_64", "arm64", "riscv64", "s390x", "arm32", "ppc64"] as OracleArch[]) {
  const abi = await loadAbi(arch);
  const reason = abi ? await why(arch) : `jit/arch/${arch}/abi.ts not there`;
  Deno.test({
    name: `checkPlacement ${arch} gcc: abi.ts agrees with GCC on stress prototypes${
      reason ? ` (skipped: ${reason})` : ""
    }`,
    ignore: !!reason,
    fn: async () => {
      const protos = sample(arch);
      assert(protos.length >= 40, `${protos.length}`);
      const r = await checkPlacement(arch, protos, abi!, { compiler: "gcc", cacheDir: null });
      assertEquals(r.mismatches.map((m) => m.detail).join("\n"), "");
      // s390x GCC aligns __int128 to 8, the LP64 stress type says 16: those are skipped
      const skipOk = (s: { reason: string }) => arch === "s390x" && /static assert/.test(s.reason);
      assertEquals(r.skipped.filter((s) => !skipOk(s)).map((s) => s.reason).join("\n"), "");
      assertEquals(r.checked + r.skipped.length, protos.length);
      assertEquals(r.agree, r.checked);
    },
  });
}

const arm64Abi = await loadAbi("arm64");
const arm64Why = arm64Abi ? await why("arm64") : "jit/arch/arm64/abi.ts not there";
Deno.test({
  name: `checkPlacement: a wrong model is caught with a useful detail${
    arm64Why ? ` (skipped: ${arm64Why})` : ""
  }`,
  ignore: !!arm64Why,
  fn: async () => {
    // the arm64 model with every stack offset off by 8
    const wrong: Abi = {
      ...arm64Abi!,
      placeArgs: (p) =>
        arm64Abi!.placeArgs(p).map((l): ArgLocation => ({
          ...l,
          pieces: l.pieces.map((x) => (x.kind === "stack" ? { ...x, offset: x.offset + 8 } : x)),
        })),
    };
    const protos = [P("longs10", Array(10).fill(L)), P("longs4", Array(4).fill(L))];
    const r = await checkPlacement("arm64", protos, wrong, { compiler: "gcc", cacheDir: null });
    assertEquals(r.checked, 2);
    assertEquals(r.agree, 1);
    assertEquals(r.mismatches.length, 2);
    const m = r.mismatches[0];
    assertEquals(m.arg, 8);
    assert(
      /arg 8 \(long long \(8 B, align 8\)\): expected 0\+8→stack\+8\.\.15/.test(m.detail),
      m.detail,
    );
    assert(/observed 0\+8→stack\+0\.\.7/.test(m.detail), m.detail);
    assert(/bytes 0\.\.7 are not in stack\+8\.\.15/.test(m.detail), m.detail);
    // and a wrong extension promise
    const zext: Abi = {
      ...arm64Abi!,
      placeArgs: (p) => arm64Abi!.placeArgs(p).map((l) => ({ ...l, extension: "sign" as const })),
    };
    const r2 = await checkPlacement("arm64", [P("u8", [intType(8, false)])], zext, {
      compiler: "gcc",
      cacheDir: null,
    });
    assertEquals(r2.mismatches.length, 1);
    assert(
      /sign-extension expected above 1 bytes in x0/.test(r2.mismatches[0].detail),
      r2.mismatches[0].detail,
    );
  },
});

const x86Why = await why("x86_64", ["gcc", "clang"]);
Deno.test({
  name: `compareCompilers x86_64: GCC 12 and clang 14 split __int128 differently${
    x86Why ? ` (skipped: ${x86Why})` : ""
  }`,
  ignore: !!x86Why,
  fn: async () => {
    const i128 = intType(128, true);
    const protos = [
      P("c5", [...Array(5).fill(L), i128, L]), // TOOLCHAIN.md §2
      P("c7", [...Array(7).fill(L), i128]),
      P("plain", [...Array(8).fill(L), i128]),
    ];
    const r = await compareCompilers("x86_64", protos, { cacheDir: null });
    assertEquals(r.checked, 3);
    const d = r.disagreements.filter((x) => x.kind === "placement").map((x) =>
      `${x.proto.name}#${x.arg}`
    );
    assertEquals(d.join(","), "c5#5,c5#6,c7#7");
    const c5 = r.disagreements[0];
    assert(
      /gcc 0\+16→stack\+0\.\.15; clang 0\+8→r9\[0\.\.7\], 8\+8→stack\+0\.\.7/.test(c5.detail),
      c5.detail,
    );
  },
});
