/**
 * The oracle itself, independent of any abi.ts: prototypes whose placement
 * is certain (psABI documents, TOOLCHAIN.md §2), compiled by the real
 * compilers, run, and the OBSERVED locations asserted.
 */
import { ok as assert, strictEqual as assertEquals } from "node:assert/strict";
import type { CType, Prototype } from "../../corpus/types.ts";
import { floatType, intType, pointerType, recordType } from "../../corpus/ctypes.ts";
import { describeLocation } from "./observe.ts";
import { observePlacements, type OracleResult } from "./oracle.ts";
import { type Compiler, type OracleArch, TARGETS } from "./targets.ts";
import { toolUnavailable } from "./tools.ts";
import { unicornUnavailable } from "../unicorn.ts";

const P = (name: string, types: CType[], ret: CType | null = null): Prototype => ({
  name,
  source: "stress",
  ret,
  params: types.map((type, i) => ({ name: `a${i}`, type })),
  variadic: false,
  unsupported: null,
});

const L = intType(64, true);
const I = intType(32, true);
const U = intType(32, false);
const C = intType(8, true);
const F = floatType(32);
const D = floatType(64);
const S16 = recordType("struct", "s16", [["a", L], ["b", L]]);
const S24 = recordType("struct", "s24", [["a", L], ["b", L], ["c", L]]);
const FF = recordType("struct", "ff", [["a", F], ["b", F]]);
const rep = (t: CType, n: number) => Array<CType>(n).fill(t);

async function why(arch: OracleArch, compiler: Compiler): Promise<string | null> {
  const t = TARGETS[arch];
  const tools = [compiler === "gcc" ? t.gcc.cmd : t.clang.cmd, t.link, "llvm-readelf"];
  if (t.runner === "unicorn") tools.push("llvm-objcopy");
  for (const x of tools) {
    const w = await toolUnavailable(x);
    if (w) return w;
  }
  if (t.runner === "qemu") return await toolUnavailable(t.qemu!);
  return unicornUnavailable();
}

/** Observed locations per prototype, as `describeLocation` strings. */
function locs(r: OracleResult): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const o of r.observed) out[o.proto.name] = o.args.map((a) => describeLocation(a));
  return out;
}

async function oracleTest(
  arch: OracleArch,
  compilers: Compiler[],
  protos: Prototype[],
  check: (l: Record<string, string[]>, r: OracleResult) => void,
) {
  for (const compiler of compilers) {
    const reason = await why(arch, compiler);
    Deno.test({
      name: `oracle ${arch} ${compiler}: observed placement of certain prototypes${
        reason ? ` (skipped: ${reason})` : ""
      }`,
      ignore: !!reason,
      fn: async () => {
        const r = await observePlacements(arch, protos, { compiler, cacheDir: null });
        assertEquals(r.skipped.length, 0, JSON.stringify(r.skipped.map((s) => s.reason)));
        for (const o of r.observed) {
          for (const a of o.args) assertEquals(a.missing.length, 0, `${o.proto.name} arg ${a.arg}`);
        }
        check(locs(r), r);
      },
    });
  }
}

const stackSeq = (base: number, n: number, step = 8) =>
  Array.from(
    { length: n },
    (_, i) => `0+${step}→stack+${base + step * i}..${base + step * i + step - 1}`,
  );

await oracleTest("x86_64", ["gcc", "clang"], [
  P("longs12", rep(L, 12)),
  P("s16_after7", [...rep(L, 7), S16]),
  P("i128", [intType(128, true)]),
  P("fd", [F, D]),
  P("char_stack", [...rep(L, 6), C]),
], (l) => {
  assertEquals(
    l.longs12.join(" | "),
    [...["rdi", "rsi", "rdx", "rcx", "r8", "r9"].map((r) => `0+8→${r}[0..7]`), ...stackSeq(0, 6)]
      .join(" | "),
  );
  assertEquals(l.s16_after7[7], "0+16→stack+8..23");
  assertEquals(l.i128[0], "0+8→rdi[0..7], 8+8→rsi[0..7]");
  assertEquals(l.fd.join(" | "), "0+4→xmm0[0..3] | 0+8→xmm1[0..7]");
  assertEquals(l.char_stack[6], "0+1→stack+0");
});

await oracleTest("arm64", ["gcc", "clang"], [
  P("longs12", rep(L, 12)),
  P("s16_after7", [...rep(L, 7), S16]),
  P("i128", [intType(128, true)]),
  P("f_hfa", [F, FF]),
  P("s24", [S24, L]),
], (l) => {
  assertEquals(
    l.longs12.join(" | "),
    [...Array.from({ length: 8 }, (_, i) => `0+8→x${i}[0..7]`), ...stackSeq(0, 4)].join(" | "),
  );
  assertEquals(l.s16_after7[7], "0+16→stack+0..15");
  assertEquals(l.i128[0], "0+8→x0[0..7], 8+8→x1[0..7]");
  assertEquals(l.f_hfa.join(" | "), "0+4→v0[0..3] | 0+4→v1[0..3], 4+4→v2[0..3]");
  assertEquals(l.s24.join(" | "), "by reference via x0[0..7] | 0+8→x1[0..7]");
});

await oracleTest("riscv64", ["gcc", "clang"], [
  P("longs12", rep(L, 12)),
  P("s16_after7", [...rep(L, 7), S16]),
  P("i128", [intType(128, true)]),
  P("f", [F, D]),
  P("u32", [U, I]),
  P("s24", [S24]),
], (l, r) => {
  assertEquals(
    l.longs12.join(" | "),
    [...Array.from({ length: 8 }, (_, i) => `0+8→a${i}[0..7]`), ...stackSeq(0, 4)].join(" | "),
  );
  assertEquals(l.s16_after7[7], "0+8→a7[0..7], 8+8→stack+0..7");
  assertEquals(l.i128[0], "0+8→a0[0..7], 8+8→a1[0..7]");
  assertEquals(l.f.join(" | "), "0+4→fa0[0..3] | 0+8→fa1[0..7]");
  // LP64: 32-bit ints, unsigned too, are sign-extended to 64 bits
  const u32 = r.observed.find((o) => o.proto.name === "u32")!;
  assertEquals(u32.args[0].extension, "sign");
  assertEquals(u32.args[1].extension, "sign");
  assertEquals(l.s24[0], "by reference via a0[0..7]");
});

// s390x GCC aligns __int128 to 8
const I128_8: CType = { kind: "int", name: "__int128", size: 16, align: 8, signed: true };
await oracleTest("s390x", ["gcc"], [
  P("longs12", rep(L, 12)),
  P("char_stack", [...rep(L, 5), C]),
  P("s16", [S16, L]),
  P("i128", [L, I128_8]),
  P("fd", [F, D]),
  P("ext", [I, U, C]),
], (l, r) => {
  assertEquals(
    l.longs12.join(" | "),
    [...["r2", "r3", "r4", "r5", "r6"].map((x) => `0+8→${x}[0..7]`), ...stackSeq(160, 7)].join(
      " | ",
    ),
  );
  assertEquals(l.char_stack[5], "0+1→stack+167"); // right-justified in its 8-byte slot
  assertEquals(l.s16.join(" | "), "by reference via r2[0..7] | 0+8→r3[0..7]");
  assertEquals(l.i128[1], "by reference via r3[0..7]");
  assertEquals(l.fd.join(" | "), "0+4→f0[4..7] | 0+8→f2[0..7]"); // short BFP in the left half
  const ext = r.observed.find((o) => o.proto.name === "ext")!;
  assertEquals(ext.args.map((a) => a.extension).join(","), "sign,zero,sign");
});

await oracleTest("arm32", ["gcc", "clang"], [
  P("ints5", rep(I, 5)),
  P("int_ll", [I, intType(64, true)]),
  P("fdf", [F, D, F]),
  P("ptr", [pointerType("ilp32"), I]),
], (l) => {
  assertEquals(
    l.ints5.join(" | "),
    "0+4→r0[0..3] | 0+4→r1[0..3] | 0+4→r2[0..3] | 0+4→r3[0..3] | 0+4→stack+0..3",
  );
  assertEquals(l.int_ll[1], "0+4→r2[0..3], 4+4→r3[0..3]"); // even register pair
  assertEquals(l.fdf.join(" | "), "0+4→s0[0..3] | 0+8→d1[0..7] | 0+4→s1[0..3]"); // VFP back-filling
  assertEquals(l.ptr.join(" | "), "0+4→r0[0..3] | 0+4→r1[0..3]");
});

await oracleTest("ppc64", ["gcc", "clang"], [
  P("longs12", rep(L, 12)),
  P("s16_after7", [...rep(L, 7), S16]),
  P("i128", [intType(128, true)]),
  P("fd", [F, D]),
], (l, r) => {
  assertEquals(
    l.longs12.join(" | "),
    [...Array.from({ length: 8 }, (_, i) => `0+8→r${3 + i}[0..7]`), ...stackSeq(96, 4)].join(" | "),
  );
  assertEquals(l.s16_after7[7], "0+8→r10[0..7], 8+8→stack+96..103");
  assertEquals(l.i128[0], "0+8→r3[0..7], 8+8→r4[0..7]");
  assertEquals(l.fd.join(" | "), "0+4→f1[0..3] | 0+8→f2[0..7]");
  const fd = r.observed.find((o) => o.proto.name === "fd")!;
  assert(/double in f1/.test(fd.args[0].notes.join(";")), fd.args[0].notes.join(";"));
});

const x86 = await why("x86_64", "gcc");

Deno.test({
  name: `oracle: several runs per prototype (bools), run errors become skips${
    x86 ? ` (skipped: ${x86})` : ""
  }`,
  ignore: !!x86,
  fn: async () => {
    const B: CType = { kind: "int", name: "_Bool", size: 1, align: 1, signed: false, bool: true };
    const protos = [P("bools", [B, L, B, B]), P("longs", rep(L, 8))];
    const progress: [number, number][] = [];
    const r = await observePlacements("x86_64", protos, {
      compiler: "gcc",
      cacheDir: null,
      onProgress: (d, t) => progress.push([d, t]),
    });
    const b = r.observed[0];
    assertEquals(b.plan.runs.length, 3);
    assertEquals(b.dumps.length, 3);
    assertEquals(
      b.args.map((a) => describeLocation(a)).join(" | "),
      "0+1→rdi[0] | 0+8→rsi[0..7] | 0+1→rdx[0] | 0+1→rcx[0]",
    );
    assertEquals(progress[0].join("/"), "0/2");
    assertEquals(progress[progress.length - 1].join("/"), "2/2");
    // a budget too small to reach the callee: every prototype is skipped, with the reason
    const r2 = await observePlacements("x86_64", protos, {
      compiler: "gcc",
      cacheDir: null,
      runner: { budget: 3 },
    });
    assertEquals(r2.observed.length, 0);
    assertEquals(r2.skipped.length, 2);
    assert(/instruction budget of 3 exhausted/.test(r2.skipped[0].reason), r2.skipped[0].reason);
  },
});
