/**
 * Recognisers on the REAL Debian linux-source-6.1 (6.1.192) JIT files must
 * report the 6.1 eras of KERNEL_SPEC.md, with the Debian stable backports
 * noted there.
 */
import assert from "node:assert/strict";
import { linux61, linux61Version } from "../c/linux61.ts";
import { prepareImage } from "./read.ts";
import { recogniser as x86 } from "./x86_64.ts";
import { recogniser as arm64 } from "./arm64.ts";
import { matchEra } from "../era.ts";
import { RECOGNISERS } from "./index.ts";
import type { Linux61File } from "../c/linux61.ts";

const values = (r: Record<string, { value: unknown }>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.value]));

Deno.test("the tree is Debian's 6.1.192", async () => {
  assert.equal(await linux61Version(), "6.1.192");
});

Deno.test("x86_64 6.1.192: v6.1 limits with the 02a6dfa8ff43 BPF_DW backport and every->8-byte slot counting", async () => {
  const path = "arch/x86/net/bpf_jit_comp.c";
  const r = x86.read(await prepareImage(path, await linux61(path)));
  assert.deepEqual(values(r), {
    maxSlots: 6,
    limitCounts: "slots",
    limitErrno: "ENOTSUPP",
    slotCounting: "every>8",
    storeWidth: "8",
    regsPerArg: "halves>8",
    argRegs: 6,
    splitRule: "regs-only",
    int128StackAlign: false,
    garbageCleaning: "none",
    rbxSave: "push-after-sub",
    outgoingArea: "none",
    ipArg: true,
    rejectWideRet: false,
    ctxMinus1: "slot-count",
  });
  assert.equal(r.maxSlots.evidence, "if (nr_regs > 6)");
  assert.equal(r.maxSlots.function, "arch_prepare_bpf_trampoline");
  assert.equal(r.slotCounting.evidence, "nr_regs += (m->arg_size[i] + 7) / 8 - 1;");
  assert.equal(r.storeWidth.function, "save_regs");
  // KERNEL_SPEC §2.1: Debian 6.1.192 has the BPF_DW saves (02a6dfa8ff43 backport) and counts
  // extra slots for every > 8-byte arg — so it matches no era exactly.
  const era = await matchEra(x86, r);
  assert.deepEqual(era, {
    era: null,
    nearest: "v6.1",
    differs: ["slotCounting", "storeWidth"],
    label: "unknown era, nearest v6.1 (differs: slotCounting, storeWidth)",
  });
});

Deno.test("arm64 6.1.192: the v6.0 era (≤ 8 args, no struct args: eb707dde264a)", async () => {
  const path = "arch/arm64/net/bpf_jit_comp.c";
  const r = arm64.read(await prepareImage(path, await linux61(path)));
  assert.deepEqual(values(r), {
    maxArgs: 8,
    maxSlots: "none",
    errno: "ENOTSUPP",
    argRegs: 8,
    stackArgs: false,
    garbageCleaning: false,
    structArgs: false,
    structOnStack: false,
    evenRegister: false,
    stackAlign16: false,
    ctxMinus1: "nregs",
    slotCounting: "per-arg",
  });
  assert.equal(r.maxArgs.evidence, "if (nargs > 8)");
  assert.equal(r.structArgs.evidence, "if (m->arg_flags[i] & BTF_FMODEL_STRUCT_ARG)");
  assert.deepEqual(await matchEra(arm64, r), {
    era: "v6.0",
    nearest: "v6.0",
    differs: [],
    label: "v6.0",
  });
});

Deno.test("riscv64, s390x, ppc64, loongarch64 in 6.1: no BPF trampoline yet (v6.3, v6.3, v6.13, v6.17)", async () => {
  const got: Record<string, string> = {};
  for (const r of RECOGNISERS.filter((x) => !["x86_64", "arm64"].includes(x.arch))) {
    const path = r.files[0] as Linux61File;
    const readings = r.read(await prepareImage(path, await linux61(path)));
    assert.deepEqual(Object.keys(readings), ["trampoline"]);
    got[r.arch] = (await matchEra(r, readings)).label;
  }
  assert.deepEqual(got, {
    riscv64: "no BPF trampoline (before v6.3)",
    s390x: "no BPF trampoline (before v6.3)",
    ppc64: "no BPF trampoline (before v6.13)",
    loongarch64: "no BPF trampoline (before v6.17)",
  });
});
