/**
 * arm32 call marshalling in Unicorn against GCC (Thumb-2) and clang (ARM)
 * callees: KERNEL_SPEC §5 B14 on its smallest prototype, the helper
 * convention, and the known-good era over stress + selftests with its named
 * findings.
 */

import assert from "node:assert/strict";
import { emulateArm32 } from "./emulate.ts";
import { intType, pointerType } from "../../corpus/ctypes.ts";
import type { CType, Prototype } from "../../corpus/types.ts";
import { stressPrototypes } from "../../corpus/stress.ts";
import { selftestPrototypes } from "../../corpus/selftests.ts";

const u32 = intType(32, false, "ilp32");
const i32 = intType(32, true, "ilp32");
const u64 = intType(64, false, "ilp32");
const s8 = intType(8, true, "ilp32");
const s16 = intType(16, true, "ilp32");
const sock = pointerType("ilp32", "struct sock *");
const P = (name: string, ret: CType, ps: CType[]): Prototype => ({
  name,
  source: "selftest",
  ret,
  params: ps.map((type, i) => ({ name: `p${i}`, type })),
  variadic: false,
  unsupported: null,
});
/** B14's smallest prototype: bpf_kfunc_call_test2(sk, u32 a, u32 b) extended to a 4th u32. */
const b14 = P("bpf_kfunc_call_test2_4", i32, [sock, u32, u32, u32]);

Deno.test("B14: RESEND puts the 4th 32-bit arg on the stack (callee reads r3), v6.2 passes", async () => {
  const [bad] = await emulateArm32({ era: "v6.2-resend", kind: "kfunc", protos: [b14] });
  assert.equal(bad.status, "fail");
  const arg = bad.mismatches.find((m) => m.rule === "orig-arg")!;
  assert.equal(arg.arg, 3);
  assert.equal(arg.expected, "callee receives 44434241");
  // r3 still holds BPF R1's high word: garbage to the callee
  assert.equal(
    arg.observed,
    "gcc (Thumb-2) and clang (ARM) callees received 5a5a5a5a (JIT put it at [sp+0])",
  );
  const [good] = await emulateArm32({ era: "v6.2", kind: "kfunc", protos: [b14] });
  assert.equal(good.status, "pass", JSON.stringify(good.mismatches));
  const [old] = await emulateArm32({ era: "v6.1", kind: "kfunc", protos: [b14] });
  assert.equal(old.status, "rejected");
});

Deno.test("B14 remaining issue (derived): u32 after a u64 spilled with r3 free goes to r3", async () => {
  const p = P("ncrn_after_spill", i32, [u32, u32, u32, u64, u32]);
  const [v] = await emulateArm32({ era: "v6.2", kind: "kfunc", protos: [p] });
  assert.equal(v.status, "fail");
  const m = v.mismatches.find((x) => x.rule === "orig-arg")!;
  assert.equal(m.arg, 4);
  assert.match(m.observed, /JIT put it at r3/);
});

Deno.test("finding (derived): kfunc stack args overwrite the JIT frame — no outgoing area", async () => {
  // bpf_kfunc_call_test1(sk, u32 a, u64 b, u32 c, u64 d): c at [sp], d at [sp+8]
  const t1 = P("bpf_kfunc_call_test1", u64, [sock, u32, u64, u32, u64]);
  const [v] = await emulateArm32({ era: "v6.2", kind: "kfunc", protos: [t1] });
  assert.equal(v.status, "fail");
  assert.deepEqual(v.mismatches.map((m) => m.rule), ["stray-write"]); // every argument arrives
  assert.match(
    v.mismatches[0].observed,
    /fp-80\.\.fp-65 \(BPF AX lo, BPF tail-call count lo, BPF tail-call count hi\)/,
  );
  // with a 32-byte BPF stack the same stores land in the program's stack instead
  const [deep] = await emulateArm32({ era: "v6.2", kind: "kfunc", protos: [t1], stackDepth: 32 });
  assert.match(deep.mismatches[0].observed, /fp-112\.\.fp-97/);
});

Deno.test("helper convention: five u64 through BPF_CALL_x reach the native helper, every era", async () => {
  const protos = [
    b14,
    P("bpf_kfunc_call_test4", i32, [s8, s16, i32, i32]),
    P("mixed", u64, [u32, u64, u32, u64, u32]),
  ];
  for (const era of ["v6.1", "v6.2"]) {
    const vs = await emulateArm32({ era, kind: "helper", protos });
    for (const v of vs) {
      assert.equal(v.status, "pass", `${era} ${v.proto} ${JSON.stringify(v.mismatches)}`);
    }
  }
});

Deno.test("seed 002: without BPF_CALL_x, the helper convention cannot serve native prototypes", async () => {
  // Shubham Bansal's CASE 1 foo(int a, int b, long long c, int d) and CASE 2 bar(int a, int b, int c, int d)
  const i64 = intType(64, true, "ilp32");
  const foo = P("foo", i32, [i32, i32, i64, i32]);
  const bar = P("bar", i32, [i32, i32, i32, i32]);
  const native = await emulateArm32({
    era: "v6.2",
    kind: "helper",
    protos: [foo, bar],
    nativeHelper: true,
  });
  for (const v of native) {
    assert.equal(v.status, "fail");
    // a (r0) arrives; b is expected in r1, which holds R1's high word
    const args = v.mismatches.filter((m) => m.rule === "orig-arg").map((m) => m.arg);
    assert.ok(!args.includes(0) && args.includes(1), `${v.proto}: ${args}`);
  }
  const wrapped = await emulateArm32({ era: "v6.2", kind: "helper", protos: [foo, bar] });
  assert.deepEqual(wrapped.map((v) => v.status), ["pass", "pass"]);
});

Deno.test("char/short: GCC and clang callees rely on AAPCS caller extension; the JIT extends nothing", async () => {
  const t4 = P("bpf_kfunc_call_test4", i32, [s8, s16, i32, i32]);
  const [ok] = await emulateArm32({ era: "v6.2", kind: "kfunc", protos: [t4] });
  assert.equal(ok.status, "pass", JSON.stringify(ok.mismatches));
  // BPF holding only the value's bytes (e.g. a zero-extending byte load): both callees misread
  const [raw] = await emulateArm32({ era: "v6.2", kind: "kfunc", protos: [t4], narrowArgs: "raw" });
  const ext = raw.mismatches.filter((m) => m.rule === "upper-bits");
  assert.deepEqual(ext.map((m) => m.arg), [0, 1]);
  assert.equal(ext[0].expected, "callee sees 91 as the 32-bit ffffff91 (AAPCS: caller extends)");
  assert.match(
    ext[0].observed,
    /^gcc \(Thumb-2\) and clang \(ARM\) callees widened it to 00000091/,
  );
});

Deno.test("v6.2 over stress + selftests: failures are only the named findings", async () => {
  const protos = [
    ...stressPrototypes({ model: "ilp32", maxPosition: 5 }),
    ...await selftestPrototypes("ilp32"),
  ];
  const vs = await emulateArm32({ era: "v6.2", kind: "kfunc", protos });
  let stray = 0;
  for (const v of vs) {
    if (v.status !== "fail") continue;
    for (const m of v.mismatches) {
      assert.equal(m.rule, "stray-write", `${v.protoC}: ${JSON.stringify(m)}`);
      stray++;
    }
  }
  assert.ok(stray > 0 && vs.filter((v) => v.status === "pass").length > 30);
  const hs = await emulateArm32({ era: "v6.2", kind: "helper", protos });
  assert.equal(hs.filter((v) => v.status === "fail").length, 0);
  assert.ok(hs.filter((v) => v.status === "pass").length > 100);
});
