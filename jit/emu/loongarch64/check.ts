/**
 * The LoongArch64 model-level checker: without emulation (no LoongArch
 * compiler on Debian 12, no LoongArch in Unicorn 2.0.1), compare where the
 * era's trampoline reads each ctx slot (jit/arch/loongarch64/model.ts, frame
 * from tramp.ts) with where the psABI caller puts the argument
 * (jit/arch/loongarch64/abi.ts), and what the original function gets back
 * under CALL_ORIG. Results are `Verdict`s (same shape as the emulator's) with
 * `modelOnly: true` and a "model only" note.
 *
 * Checks (rules as in jit/emu/tramp/verdict.ts):
 * - "ctx-slot": slot s of argument i comes from the register/stack doubleword
 *   that carries bytes 8p..8p+7 of it per the psABI (a FAR-passed part can
 *   never be right: the trampoline reads GARs only);
 * - "ctx-count": ctx[-1] = Σ ceil(size/8);
 * - "retval": fexit's return slot (what the verifier reads, ctx[Σ slots]) is
 *   where the trampoline stored a0;
 * - "orig-arg": every GAR the psABI uses is reloaded from ctx when programs
 *   ran before the traced function (fentry's RESTORE_REGS, fmod_ret; their
 *   calls clobber the others), and under CALL_ORIG every caller stack
 *   doubleword is copied to the outgoing area;
 * - "upper-bits" (information): `unsigned int` in a GAR arrives sign-extended
 *   (LP64D), so the ctx slot's upper half can be all ones (KERNEL_SPEC §3.2).
 *
 * @module
 */

import type { AttachType, TrampolineEnv } from "../../arch/tramp_types.ts";
import type { ArgLocation, Piece } from "../../arch/types.ts";
import type { Prototype } from "../../corpus/types.ts";
import { distill, slotCount } from "../../corpus/distill.ts";
import { abi } from "../../arch/loongarch64/abi.ts";
import { eraSpec, kernelPlacement, type KernelSlot } from "../../arch/loongarch64/model.ts";
import { build, trampFlags } from "../../arch/loongarch64/tramp.ts";
import { type Mismatch, protoC, typeInfo, type Verdict } from "../tramp/verdict.ts";

/** A model-only verdict. */
export type ModelVerdict = Verdict & { modelOnly: true };

/** The note every model-only verdict carries. */
export const MODEL_ONLY_NOTE =
  "model only: LoongArch has no compiler on Debian 12 and no Unicorn support; the trampoline model is compared with the psABI placement (abi.ts), nothing is executed";

/** Addresses used when generating the (unrun) trampoline code. */
export const MODEL_ENV: TrampolineEnv = {
  base: 0x9000_0000_0010_0000n,
  funcAddr: 0x9000_0000_0020_0000n,
  progEnter: 0x9000_0000_0030_0000n,
  prog: 0x9000_0000_0030_1000n,
  progExit: 0x9000_0000_0030_2000n,
};

/** FP − entry SP: the fentry frame pushes a 16-byte parent record first; struct_ops has one frame with FP = entry SP. */
export function fpBelowEntrySp(attach: AttachType): number {
  return attach === "struct_ops" ? 0 : -16;
}

/** Where the psABI puts bytes [lo, hi) of an argument, as one location string per piece touched. */
function abiSource(loc: ArgLocation, lo: number, hi: number): { where: string; pieces: Piece[] } {
  const touched = loc.pieces.filter((p) => p.argOffset < hi && p.argOffset + p.bytes > lo);
  const where = touched.map((p) =>
    p.kind === "reg"
      ? p.argOffset === lo ? p.reg : `${p.reg} (bytes ${p.argOffset}..)`
      : `[sp+${p.offset + (lo - p.argOffset)}]`
  );
  return { where: where.join(" + ") || "nowhere", pieces: touched };
}

/** What the trampoline reads for one kernel slot, in the caller's terms. */
function kernelSource(ks: KernelSlot | undefined, base: number, fpDelta: number): string {
  if (!ks) return "not stored";
  if (ks.from.kind === "reg") return `a${ks.from.reg}`;
  return `[sp+${base + 8 * ks.from.index + fpDelta}]`;
}

/** A rejected verdict (the kernel refuses the prototype in this era). */
function refused(
  proto: Prototype,
  era: string,
  attach: AttachType,
  errno: string,
  reason: string,
): ModelVerdict {
  return {
    proto: proto.name,
    get protoC() {
      return protoC(proto);
    },
    arch: "loongarch64",
    era,
    attach,
    status: "rejected",
    errno,
    reason,
    mismatches: [],
    modelOnly: true,
  };
}

/** Checks one prototype in one era and attach type. */
export function checkOne(
  proto: Prototype,
  era: string,
  attach: AttachType,
  ipArg = false,
  keepCode = false,
): ModelVerdict {
  const spec = eraSpec(era);
  const d = distill(proto, spec.distillEra, 8);
  if (!d.ok) return refused(proto, era, attach, d.errno, d.reason);
  const m = d.model;
  const gen = build({ proto, model: m, attach, ipArg }, MODEL_ENV, era);
  if (!gen.ok) return refused(proto, era, attach, gen.errno, gen.reason);
  const place = kernelPlacement(era, m);
  if (!place.ok) return refused(proto, era, attach, place.errno, place.reason);

  const out: Mismatch[] = [];
  const fail = (x: Omit<Mismatch, "severity">) => out.push({ ...x, severity: "fail" });
  const info = (x: Omit<Mismatch, "severity">) => out.push({ ...x, severity: "info" });
  const locs = abi.placeArgs(proto);
  const f = trampFlags(attach, m.retSize, ipArg);
  const base = f.indirect ? spec.stackArgBase.indirect : spec.stackArgBase.call;
  const fpDelta = fpBelowEntrySp(attach);
  const nslots = slotCount(m);
  const bySlot = new Map(place.slots.map((s) => [s.slot, s]));

  if (place.nrSlots !== nslots) {
    fail({
      arg: null,
      type: null,
      expected: `ctx[-1] = ${nslots} (Σ ceil(size/8))`,
      observed: `ctx[-1] = ${place.nrSlots}`,
      rule: "ctx-count",
    });
  }
  let s = 0;
  locs.forEach((loc, i) => {
    const t = proto.params[i].type;
    const n = Math.ceil(m.argSize[i] / 8);
    for (let p = 0; p < n; p++, s++) {
      const lo = 8 * p;
      const hi = Math.min(m.argSize[i], lo + 8);
      const want = abiSource(loc, lo, hi);
      const got = kernelSource(bySlot.get(s), base, fpDelta);
      if (want.where === got) continue;
      fail({
        arg: i,
        type: typeInfo(t),
        expected: `ctx[${s}] = bytes ${lo}..${hi - 1} from ${want.where} (psABI)`,
        observed: `ctx[${s}] ← ${got} (trampoline)`,
        rule: "ctx-slot",
      });
    }
    // u32 in a GAR is sign-extended by LP64D callers: the slot's upper half shows it
    if (t.kind === "int" && !t.signed && t.size === 4 && loc.extension === "sign") {
      const reg = loc.pieces.find((q) => q.kind === "reg");
      if (reg) {
        info({
          arg: i,
          type: typeInfo(t),
          expected: "bits above byte 4 of the ctx slot = 0 for an unsigned int",
          observed: `${
            reg.kind === "reg" ? reg.reg : ""
          } holds the value sign-extended (LP64D); the slot is copied whole (0xffffffff80000000 for 0x80000000)`,
          rule: "upper-bits",
        });
      }
    }
  });

  if (f.callOrig || attach === "fexit") {
    // the verifier reads fexit's return value at ctx[nslots]; the trampoline stored a0 at ctx[place.nrSlots]
    if (m.retSize > 0 && place.nrSlots !== nslots) {
      fail({
        arg: null,
        type: proto.ret ? typeInfo(proto.ret) : null,
        expected: `return value (a0) at ctx[${nslots}]`,
        observed: `a0 stored at ctx[${place.nrSlots}]; ctx[${nslots}] holds ${
          nslots === place.nrSlots + 1 ? "BPF R0 (a5)" : "another frame cell"
        }`,
        rule: "retval",
      });
    }
  }
  // What the traced function gets: GARs are reloaded from ctx only up to
  // a(restoredRegs−1) (restore_args, before CALL_ORIG and for RESTORE_REGS);
  // the others survive only if no program ran before (fexit: none does).
  const progsBefore = attach === "fentry" || attach === "fmod_ret";
  if (attach !== "struct_ops") {
    const copied = 8 * place.stackSlots;
    locs.forEach((loc, i) => {
      for (const p of loc.pieces) {
        if (p.kind === "reg" && p.bank === "gpr") {
          const k = Number(p.reg.slice(1));
          if (progsBefore && k >= place.restoredRegs) {
            fail({
              arg: i,
              type: typeInfo(proto.params[i].type),
              expected: `original receives ${p.reg} as the caller set it`,
              observed: `${p.reg} not reloaded (restore_args reloads a0..a${
                place.restoredRegs - 1
              }); the program calls before it clobber it`,
              rule: "orig-arg",
            });
          }
        } else if (f.callOrig && p.kind === "stack" && p.offset + p.bytes > copied) {
          fail({
            arg: i,
            type: typeInfo(proto.params[i].type),
            expected: `original receives [sp+${p.offset}] (its caller's stack argument)`,
            observed: `outgoing area holds ${copied} bytes: [sp+${p.offset}] is not copied`,
            rule: "orig-arg",
          });
        }
      }
    });
  }
  out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "fail" ? -1 : 1));
  return {
    proto: proto.name,
    // the C spelling costs more than the check itself: computed when read
    get protoC() {
      return protoC(proto);
    },
    arch: "loongarch64",
    era,
    attach,
    status: out.some((x) => x.severity === "fail") ? "fail" : "pass",
    mismatches: out,
    frame: gen.frame,
    notes: [MODEL_ONLY_NOTE, ...gen.notes],
    code: keepCode ? gen.code : undefined,
    nslots,
    modelOnly: true,
  };
}

/** Checks many prototypes. */
export function checkMany(opts: {
  era: string;
  attach: AttachType;
  protos: Prototype[];
  ipArg?: boolean;
  keepCode?: boolean;
}): Verdict[] {
  eraSpec(opts.era); // unknown era: throws before any work
  return opts.protos.map((p) => checkOne(p, opts.era, opts.attach, opts.ipArg, opts.keepCode));
}
