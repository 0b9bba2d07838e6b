import assert from "node:assert/strict";
import * as A from "./encode.ts";
import {
  bpfRegLo,
  ERAS,
  helperCallCode,
  helperPlacement,
  kfuncCallCode,
  kfuncPlacement,
  knobs,
  scratchName,
} from "./marshal.ts";
import type { FuncModel } from "../../corpus/types.ts";

const model = (sizes: number[]): FuncModel => ({
  retSize: 4,
  retFlags: 0,
  nrArgs: sizes.length,
  argSize: sizes,
  argFlags: sizes.map(() => 0),
});
const where = (era: string, sizes: number[]) => {
  const p = kfuncPlacement(era, model(sizes));
  assert.ok(p.ok, JSON.stringify(p));
  return p.args.map((a) =>
    a.kind === "regs" ? a.regs.map((r) => `r${r}`).join(":") : `sp+${a.offset}`
  );
};

Deno.test("eras as data with citations; v6.1 refuses kfunc calls", () => {
  assert.deepEqual([...ERAS], ["v6.1", "v6.2-resend", "v6.2"]);
  for (const e of ERAS) for (const k of Object.values(knobs(e))) assert.ok(k.cite.length > 5);
  assert.match(
    knobs("v6.2-resend").reg32Rule.cite,
    /20221103092118\.248600-4-yangjihong1@huawei\.com/,
  );
  const r = kfuncPlacement("v6.1", model([4]));
  assert.ok(!r.ok && r.errno === "ENOTSUPP");
  assert.throws(() => kfuncPlacement("v5.10", model([4])), /arm32: unknown era v5.10/);
});

Deno.test("kfunc placement: the JIT comment's examples (KERNEL_SPEC §2.7)", () => {
  assert.deepEqual(where("v6.2", [4, 4, 4, 4, 4]), ["r0", "r1", "r2", "r3", "sp+0"]);
  assert.deepEqual(where("v6.2", [8, 4, 4, 4]), ["r0:r1", "r2", "r3", "sp+0"]);
  assert.deepEqual(where("v6.2", [4, 8, 4, 4]), ["r0", "r2:r3", "sp+0", "sp+4"]);
  assert.deepEqual(where("v6.2", [4, 4, 8, 4]), ["r0", "r1", "r2:r3", "sp+0"]);
  // bpf_kfunc_call_test1(sk, u32 a, u64 b, u32 c, u64 d): c at [sp], d 8-aligned at [sp+8]
  assert.deepEqual(where("v6.2", [4, 4, 8, 4, 8]), ["r0", "r1", "r2:r3", "sp+0", "sp+8"]);
});

Deno.test("B14: the RESEND revision never puts a 32-bit argument in r3", () => {
  assert.deepEqual(where("v6.2-resend", [4, 4, 4, 4]), ["r0", "r1", "r2", "sp+0"]);
  assert.deepEqual(where("v6.2", [4, 4, 4, 4]), ["r0", "r1", "r2", "r3"]);
  // remaining (derived): after a u64 spilled with r3 free, a later u32 takes r3 (AAPCS: stack)
  assert.deepEqual(where("v6.2", [4, 4, 4, 8, 4]), ["r0", "r1", "r2", "sp+0", "r3"]);
});

Deno.test("helper convention: five u64 (R1 r0:r1, R2 r2:r3, R3..R5 pushed)", () => {
  const h = helperPlacement();
  assert.ok(h.ok);
  assert.equal(h.stackBytes, 24);
  const w = helperCallCode(0x100001);
  assert.deepEqual(w, [
    A.movReg(1, 3),
    A.movReg(0, 2),
    A.ldrd(2, A.R.fp, -8),
    A.ldrd(8, A.R.fp, -32),
    A.push([8, 9]),
    A.ldrd(8, A.R.fp, -24),
    A.push([8, 9]),
    A.ldrd(8, A.R.fp, -16),
    A.push([8, 9]),
    A.movw(6, 0x0001),
    A.movt(6, 0x10),
    A.blx(6),
    A.addImm(A.R.sp, A.R.sp, 24),
  ]);
});

Deno.test("kfunc code: BPF R2..R5 from the scratch area, stack args at [sp]", () => {
  assert.equal(bpfRegLo(1), null);
  assert.equal(bpfRegLo(5), -32);
  assert.equal(scratchName(-72), "BPF tail-call count lo");
  assert.equal(scratchName(-4), "BPF R2 hi");
  const w = kfuncCallCode("v6.2-resend", model([4, 4, 4, 4]), 0x24)!;
  assert.deepEqual(w, [
    A.movReg(0, 2),
    A.ldr(6, A.R.fp, -8),
    A.movReg(1, 6),
    A.ldr(6, A.R.fp, -16),
    A.movReg(2, 6),
    A.ldr(6, A.R.fp, -24),
    A.str(6, A.R.sp, 0),
    A.movImm(6, 0x24),
    A.blx(6),
  ]);
  const w64 = kfuncCallCode("v6.2", model([4, 4, 8, 4, 8]), 0x24)!;
  assert.ok(w64.includes(A.ldrd(6, A.R.fp, -32)) && w64.includes(A.strd(6, A.R.sp, 8)));
  assert.equal(kfuncCallCode("v6.1", model([4]), 0x24), null);
});
