import assert from "node:assert/strict";
import * as L from "./encode.ts";
import { build, patchSite, tramp } from "./tramp.ts";
import type { TrampolineEnv } from "../tramp_types.ts";
import type { CType, Prototype } from "../../corpus/types.ts";
import { distill } from "../../corpus/distill.ts";
import { intType, recordType } from "../../corpus/ctypes.ts";

const { zero, sp, ra, a0, a1, a2, t0, t1, fp } = L.R;
const env: TrampolineEnv = {
  base: 0x120010000n,
  funcAddr: 0x120020000n,
  progEnter: 0x120030000n,
  prog: 0x120031000n,
  progExit: 0x120032000n,
};
const i32 = intType(32, true);
const u64 = intType(64, false);
const arg2 = recordType("struct", "bpf_testmod_struct_arg_2", [["a", u64], ["b", u64]]);
const proto = (name: string, types: CType[]): Prototype => ({
  name,
  source: "selftest",
  ret: i32,
  params: types.map((type, i) => ({ name: `p${i}`, type })),
  variadic: false,
  unsupported: null,
});
const words = (code: Uint8Array) => {
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  return Array.from({ length: code.length / 4 }, (_, i) => dv.getUint32(4 * i, true));
};
function gen(p: Prototype, era: string, attach: "fentry" | "fexit" | "struct_ops") {
  const d = distill(p, tramp.distillEra(era));
  assert.ok(d.ok);
  return build({ proto: p, model: d.model, attach, ipArg: false }, env, era);
}

Deno.test("v6.17 fentry on struct_arg_1: the kernel's two frame records, nargs registers stored", () => {
  const r = gen(proto("struct_arg_1", [arg2, i32, i32]), "v6.17", "fentry");
  assert.ok(r.ok);
  // stack: 16 (t0/fp) + 3 slots + nargs + run_ctx 16 + s1 = 72 → 80
  assert.deepEqual(r.frame, {
    fp: "fp",
    frameSize: 80,
    ctx: -40,
    nrSlots: 3,
    argCount: -48,
    ip: null,
    retval: null,
    stackArgBase: 16,
    outgoing: null,
    savedRegs: [
      { reg: "s1", offset: -72 },
      { reg: "t0", offset: -8 },
      { reg: "fp", offset: -16 },
      { reg: "ra", offset: 8 },
      { reg: "fp", offset: 0 },
    ],
  });
  const w = words(r.code);
  assert.deepEqual(w.slice(0, 8), [
    L.addiD(sp, sp, -16),
    L.stD(ra, sp, 8),
    L.stD(fp, sp, 0),
    L.addiD(fp, sp, 16),
    L.addiD(sp, sp, -80),
    L.stD(t0, sp, 72),
    L.stD(fp, sp, 64),
    L.addiD(fp, sp, 80),
  ]);
  // ctx[-1] = 3 and a0..a2 at ctx[0..2] (one per argument: bug B10)
  const at = w.indexOf(L.stD(t1, fp, -48));
  assert.equal(w[at - 1], L.addiD(t1, zero, 3));
  assert.deepEqual(w.slice(at + 1, at + 4), [
    L.stD(a0, fp, -40),
    L.stD(a1, fp, -32),
    L.stD(a2, fp, -24),
  ]);
  assert.ok(!w.includes(L.stD(L.R.a3, fp, -16)), "a3 (the int c) is never stored");
  // fentry returns into the traced function through t0
  assert.equal(w[w.length - 1], L.jirl(zero, t0, 0));
  assert.match(r.notes.join("\n"), /model only/);
});

Deno.test("2026 fexit with 10 slots: stack slots read at FP+16, copied to the outgoing area at SP", () => {
  const p = proto("struct_arg_9_like", [u64, u64, u64, u64, u64, u64, u64, arg2, u64]);
  const r = gen(p, "2026", "fexit");
  assert.ok(r.ok);
  assert.equal(r.frame.nrSlots, 10);
  assert.deepEqual(r.frame.outgoing, { offset: 0, bytes: 16 });
  assert.equal(r.frame.frameSize % 16, 0);
  const w = words(r.code);
  const ctx = r.frame.ctx;
  // save: slot 8 ← [FP+16], slot 9 ← [FP+24]
  const i8 = w.indexOf(L.ldD(t1, fp, 16));
  assert.equal(w[i8 + 1], L.stD(t1, fp, ctx + 64));
  assert.equal(w[i8 + 2], L.ldD(t1, fp, 24));
  assert.equal(w[i8 + 3], L.stD(t1, fp, ctx + 72));
  // CALL_ORIG: a0..a7 reloaded, slots 8, 9 → [sp+0], [sp+8]; call func + 20 (after the patch site)
  for (let k = 0; k < 8; k++) assert.ok(w.includes(L.ldD(a0 + k, fp, ctx + 8 * k)));
  const c8 = w.indexOf(L.ldD(t1, fp, ctx + 64));
  assert.equal(w[c8 + 1], L.stD(t1, sp, 0));
  assert.equal(w[c8 + 3], L.stD(t1, sp, 8));
  const orig = L.movAddr(t1, env.funcAddr! + 20n);
  const oc = w.indexOf(orig[0]);
  assert.deepEqual(w.slice(oc, oc + 5), [...orig, L.jirl(ra, t1, 0)]);
  // fexit (SKIP_FRAME) returns to the parent through ra
  assert.equal(w[w.length - 1], L.jirl(zero, ra, 0));
});

Deno.test("refusals are the kernel's; patch site is the 5-instruction long jump via t0", () => {
  const r = gen(proto("s", [arg2]), "v6.18", "fentry");
  assert.ok(!r.ok && r.errno === "ENOTSUPP");
  const site = words(patchSite(env.funcAddr!, env.base));
  assert.deepEqual(site, [...L.movAddr(t1, env.base), L.jirl(t0, t1, 0)]);
  assert.deepEqual(tramp.patchableEntry, { nops: 5, bytes: 20 });
});
