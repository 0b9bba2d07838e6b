/**
 * Where arguments are, as the prototype page draws them: the caller's
 * placement (the arch's ABI, jit/arch/<arch>/abi.ts) and the trampoline's
 * ctx entries (packed u64 slots, KERNEL_SPEC.md §0).
 *
 * @module
 */

import type { ArchName, ArgLocation } from "../../jit/arch/types.ts";
import type { FrameLayout } from "../../jit/arch/tramp_types.ts";
import type { Prototype } from "../../jit/corpus/types.ts";
import { ARCHES } from "../../jit/arch/index.ts";
import { cTypeName } from "../../jit/corpus/btf/cdecl.ts";

/** One argument as the caller places it. */
export interface ArgPlacement {
  arg: number;
  name: string;
  type: string;
  size: number;
  align: number;
  /** Registers carrying bytes of it (ABI names). */
  regs: string[];
  /** Caller stack bytes, offsets from SP at the call. */
  stack: { offset: number; bytes: number }[];
  /** Where the pointer to a caller-made copy is (by-reference arguments). */
  byRef: string | null;
  /** Packed u64 ctx slots it occupies (KERNEL_SPEC.md §0): first slot index and count. */
  slot: number;
  slots: number;
}

/** One ctx entry of the trampoline's frame. */
export interface CtxSlot {
  /** -2 (traced IP), -1 (slot count), 0.. (argument slots). */
  index: number;
  /** Offset from the frame register. */
  offset: number;
  /** The argument it holds, or null. */
  arg: number | null;
  label: string;
}

/** Caller placement of every argument. */
export function placementOf(arch: ArchName, proto: Prototype): ArgPlacement[] {
  const abi = ARCHES.find((a) => a.name === arch)!.abi;
  const locs: ArgLocation[] = abi.placeArgs(proto);
  let slot = 0;
  return proto.params.map((p, i) => {
    const loc = locs.find((l) => l.arg === i);
    const pieces = loc?.pieces ?? [];
    const slots = Math.max(1, Math.ceil(p.type.size / 8));
    const byRef = loc?.byRef
      ? loc.byRef.kind === "reg" ? loc.byRef.reg : `stack +0x${loc.byRef.offset.toString(16)}`
      : null;
    let type: string;
    try {
      type = cTypeName(p.type);
    } catch {
      type = p.type.name;
    }
    const out: ArgPlacement = {
      arg: i,
      name: p.name,
      type,
      size: p.type.size,
      align: p.type.align,
      regs: pieces.flatMap((pc) => pc.kind === "reg" ? [pc.reg] : []),
      stack: pieces.flatMap((pc) =>
        pc.kind === "stack" ? [{ offset: pc.offset, bytes: pc.bytes }] : []
      ),
      byRef,
      slot,
      slots,
    };
    slot += slots;
    return out;
  });
}

/** The ctx entries of a frame (IP, count, argument slots). */
export function ctxSlots(frame: FrameLayout, placement: ArgPlacement[]): CtxSlot[] {
  const out: CtxSlot[] = [];
  if (frame.ip !== null) out.push({ index: -2, offset: frame.ip, arg: null, label: "traced IP" });
  out.push({ index: -1, offset: frame.argCount, arg: null, label: "slot count" });
  for (let k = 0; k < frame.nrSlots; k++) {
    const a = placement.find((p) => k >= p.slot && k < p.slot + p.slots);
    out.push({
      index: k,
      offset: frame.ctx + 8 * k,
      arg: a?.arg ?? null,
      label: a ? `arg ${a.arg}${a.slots > 1 ? ` part ${k - a.slot + 1}/${a.slots}` : ""}` : "—",
    });
  }
  return out;
}
