/**
 * Runs one arm32 BPF call in Unicorn: the JIT's frame is set up as its
 * prologue leaves it (ARM_FP, the 80-byte scratch area holding BPF R2..R5,
 * R7..R9, FP, tail-call count and AX, then `stackDepth` bytes of BPF stack,
 * SP = FP − ALIGN(stackDepth + 80, 8); R1 in r2:r3), the call sequence the JIT
 * emits (jit/arch/arm32/marshal.ts, ARM state) runs, `blx`es a callee compiled
 * by GCC (Thumb-2) or clang (ARM) (image.ts), and the run stops right after
 * the sequence. Everything the ABI leaves unspecified is poisoned first.
 *
 * ```
 * 0x00100000  callee image (IMAGE_BASE)
 * 0x00300000  the JIT's call sequence (CODE_BASE)
 * 0x00700000  stack; ARM_FP = 0x007f0000
 * ```
 *
 * @module
 */

import { Engine } from "../unicorn.ts";
import { wordsToBytes } from "../../arch/arm32/encode.ts";
import { SCRATCH_SIZE } from "../../arch/arm32/marshal.ts";
import { IMAGE_BASE } from "../oracle/layout.ts";
import type { CalleeImage } from "./image.ts";

export const CODE_BASE = 0x300000n;
export const STACK_BASE = 0x700000n;
export const STACK_SIZE = 0x100000;
export const ARM_FP = 0x7f0000n;
/** Poison for stack bytes nobody wrote. */
export const STACK_POISON = 0xa5;
/** Poison for the unused scratch words and the BPF stack (so clobbers show). */
export const FRAME_FILL = 0x5c;
const IMAGE_MAP = 0x100000;
const CODE_MAP = 0x10000;
const BUDGET_BLOCKS = 10_000;

/** One run's inputs. */
export interface Arm32Job {
  /** The JIT's call sequence (ARM words). */
  code: number[];
  /** The callee entry (bit 0 set for Thumb), for the SP-at-entry record. */
  callee: bigint;
  /** BPF R1..R5 as 64-bit values. */
  bpfRegs: bigint[];
  /** The BPF program's stack depth (bytes of BPF stack above SP). */
  stackDepth: number;
  /** Bytes of `rec` to read back. */
  recBytes: number;
}

/** What a run showed. */
export interface Arm32Observation {
  /** `rec` after the call (what the callee stored). */
  rec: Uint8Array;
  /** BPF R0 = r1:r0 after the call. */
  r0: bigint;
  r1: bigint;
  spBefore: bigint;
  spAfter: bigint | null;
  /** SP when the callee's first block ran, or null when it never ran. */
  calleeSp: bigint | null;
  calleeCalls: number;
  /** Frame bytes (FP-relative offsets) changed by the run: [offset, before, after]. */
  frameChanges: [number, number, number][];
  /** How the run failed, if it did. */
  fault: string | null;
}

/** SP the JIT's prologue leaves for `stackDepth` (STACK_SIZE = ALIGN(depth + SCRATCH_SIZE, 8)). */
export function jitSp(stackDepth: number): bigint {
  return ARM_FP - BigInt(Math.ceil((stackDepth + SCRATCH_SIZE) / 8) * 8);
}

/** One Unicorn engine with one callee image. */
export class Arm32Harness {
  #e: Engine;
  #img: CalleeImage | null = null;
  #calleeEntry = -1n;
  #calleeSp: bigint | null = null;
  #calls = 0;

  constructor() {
    this.#e = Engine.open("arm32", { budgetUnit: "blocks" });
    this.#e.map(IMAGE_BASE, IMAGE_MAP);
    this.#e.map(CODE_BASE, CODE_MAP);
    this.#e.map(STACK_BASE, STACK_SIZE);
    this.#e.setBlockListener((addr) => {
      if (addr === this.#calleeEntry) {
        this.#calls++;
        if (this.#calleeSp === null) this.#calleeSp = this.#e.regRead("sp");
      }
    });
  }

  /** Loads a callee image (replacing the previous one). */
  load(img: CalleeImage): void {
    if (this.#img === img) return;
    const size = Number(img.end - IMAGE_BASE);
    if (size > IMAGE_MAP) throw new Error(`arm32 callee image of ${size} bytes is too large`);
    const bytes = new Uint8Array(size);
    bytes.set(img.bin);
    this.#e.write(IMAGE_BASE, bytes);
    this.#e.removeCache(IMAGE_BASE, IMAGE_BASE + BigInt(IMAGE_MAP));
    this.#img = img;
  }

  /** Runs one call. */
  run(job: Arm32Job): Arm32Observation {
    const e = this.#e;
    const img = this.#img;
    if (!img) throw new Error("arm32 harness: no image loaded");
    const sp = jitSp(job.stackDepth);
    // stack: poison below SP (outgoing garbage), frame fill from SP to FP
    const lowest = sp - 0x1000n;
    e.write(lowest, new Uint8Array(Number(sp - lowest)).fill(STACK_POISON));
    const frame = new Uint8Array(Number(ARM_FP - sp)).fill(FRAME_FILL);
    const fdv = new DataView(frame.buffer);
    // BPF R2..R5 in the scratch area: lo at fp-8-8k, hi at fp-4-8k
    for (let n = 2; n <= 5; n++) {
      const lo = Number(ARM_FP - sp) - 8 - 8 * (n - 2);
      fdv.setBigUint64(lo, BigInt.asUintN(64, job.bpfRegs[n - 1] ?? 0x5c5c5c5c5c5c5c5cn), true);
    }
    e.write(sp, frame);
    e.write(img.rec, new Uint8Array(job.recBytes).fill(0xcc));
    // registers: poison everything the call sequence must not rely on
    for (let r = 0; r <= 12; r++) e.regWrite(`r${r}`, 0xdead0000n | BigInt(r));
    const r1 = BigInt.asUintN(64, job.bpfRegs[0] ?? 0n);
    e.regWrite("r2", r1 & 0xffffffffn);
    e.regWrite("r3", r1 >> 32n);
    e.regWrite("r11", ARM_FP);
    e.regWrite("sp", sp);
    e.regWrite("lr", 0xdead00een);
    const code = wordsToBytes(job.code);
    e.write(CODE_BASE, code);
    e.removeCache(CODE_BASE, CODE_BASE + BigInt(CODE_MAP));
    this.#calleeEntry = job.callee & ~1n;
    this.#calleeSp = null;
    this.#calls = 0;
    let fault: string | null = null;
    try {
      e.run({ begin: CODE_BASE, until: CODE_BASE + BigInt(code.length), budget: BUDGET_BLOCKS });
    } catch (err) {
      fault = err instanceof Error ? err.message : String(err);
    }
    const after = e.read(sp, frame.length);
    const frameChanges: [number, number, number][] = [];
    const before = frame;
    for (let i = 0; i < frame.length; i++) {
      if (after[i] !== before[i]) frameChanges.push([i - frame.length, before[i], after[i]]);
    }
    return {
      rec: e.read(img.rec, job.recBytes),
      r0: e.regRead("r0"),
      r1: e.regRead("r1"),
      spBefore: sp,
      spAfter: fault ? null : e.regRead("sp"),
      calleeSp: this.#calleeSp,
      calleeCalls: this.#calls,
      frameChanges,
      fault,
    };
  }

  close(): void {
    this.#e.close();
  }
}
