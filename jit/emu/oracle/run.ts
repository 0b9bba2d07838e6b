/**
 * Run compiled callers and dump what the callee would see at its entry.
 *
 * Unicorn targets: one engine per runner, reused across runs and images (the
 * image is rewritten, never the engine reopened). Before each run the
 * argument registers and the stack window are zeroed, the argument globals
 * are written, SP is reset to INITIAL_SP and the return address (LR, or a
 * pushed word on x86-64) to RET_SENTINEL; the run goes from caller_k
 * (Thumb: the symbol's bit 0 is kept) until callee_k with an instruction budget.
 * At the callee's entry the runner reads the argument registers (full width),
 * the caller's SP at the call (x86-64: entry SP + 8), the whole caller frame
 * above it, and — on targets that pass by reference — the bytes behind every
 * argument register or stack word that points into the stack.
 *
 * ppc64: the same dump shape from the qemu-user harness (qemu.ts).
 *
 * @module
 */

import type { BuiltImage } from "./build.ts";
import {
  HELPER_BASE,
  IMAGE_BASE,
  IMAGE_LIMIT,
  INITIAL_SP,
  RET_SENTINEL,
  SENTINEL_REGION,
  STACK_BASE,
  STACK_SIZE,
} from "./layout.ts";
import { QEMU_MAX_DUMP, QEMU_REC } from "./qemu.ts";
import type { Target } from "./targets.ts";
import { runTool } from "./tools.ts";
import { EmuLimitError, Engine, type UcArchName, UcError } from "../unicorn.ts";

/** Bytes found behind a pointer-sized value. */
export interface Pointee {
  /** Where the pointer was: an argument register or a stack offset from the caller's SP. */
  from: { kind: "reg"; reg: string } | { kind: "stack"; offset: number };
  addr: bigint;
  bytes: Uint8Array;
}

/** What a callee sees at entry, for one run of one prototype. */
export interface Dump {
  id: number;
  run: number;
  /** Argument registers (targets.ts `argRegs`) → value bytes, least significant first. */
  regs: Map<string, Uint8Array>;
  /** The caller's SP at the call instruction. */
  sp: bigint;
  /** Memory at [sp, sp + stack.length): the outgoing area and the caller's frame above it. */
  stack: Uint8Array;
  pointees: Pointee[];
  /** Return address the callee would return to (x86: the pushed word; others: LR), if known. */
  retAddr: bigint | null;
}

/** One run to do. */
export interface RunRequest {
  id: number;
  run: number;
  /** Object bytes of each argument global. */
  args: Uint8Array[];
  /** Bytes behind pointers to capture (largest argument size). */
  ptrLen: number;
  /** Stack bytes to dump (qemu; Unicorn dumps the whole caller frame). */
  dumpLen: number;
}

/** Runner options. */
export interface RunnerOptions {
  /** Instructions per run (default 200,000). */
  budget?: number;
  /** Per-run wall-clock limit in µs (default 1 s; see `RunOptions.timeoutUs`). */
  timeoutUs?: number;
  /** Enforce it with Unicorn's timer thread (~0.5 ms per run). */
  hardTimeout?: boolean;
  /** qemu: kill the harness after this many ms (default 120 s). */
  processTimeoutMs?: number;
}

/** Stack bytes above INITIAL_SP included in dumps (s390x: the caller's caller's save area). */
const ABOVE_SP = 512;
/** Largest caller frame dumped. */
const MAX_FRAME = 0x40000;

function readWord(b: Uint8Array, off: number, size: number, be: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(b[be ? off + i : off + size - 1 - i]);
  return v;
}

/**
 * s390x helper code (Unicorn 2.0.1 quirks):
 * - CR0 has the AFP-register control (bit 45) off after reset, so any use of
 *   f1, f3, f5, f7–f15 traps; `S390X_INIT` sets it (and bit 46, vector
 *   enablement) with stctg/lctlg once per engine;
 * - `uc_reg_read(UC_S390X_REG_Fn)` returns 0, so after each run `S390X_CAPTURE`
 *   stores f0–f15 to memory (it runs after the GPRs were read: it clobbers r1).
 */
const S390X_INIT_AT = HELPER_BASE;
const S390X_INIT_DATA = HELPER_BASE + 0x100n;
const S390X_CAPTURE_AT = HELPER_BASE + 0x200n;
const S390X_CAPTURE_DATA = HELPER_BASE + 0x300n;

function larlR1(from: bigint, to: bigint): number[] {
  const h = Number((to - from) / 2n);
  return [0xc0, 0x10, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
}

/** larl %r1,data; stctg %c0,%c0,0(%r1); lg %r2,0(%r1); oilh %r2,6; stg %r2,8(%r1); lctlg %c0,%c0,8(%r1); nopr */
const S390X_INIT = new Uint8Array([
  ...larlR1(S390X_INIT_AT, S390X_INIT_DATA),
  ...[0xeb, 0x00, 0x10, 0x00, 0x00, 0x25],
  ...[0xe3, 0x20, 0x10, 0x00, 0x00, 0x04],
  ...[0xa5, 0x2a, 0x00, 0x06],
  ...[0xe3, 0x20, 0x10, 0x08, 0x00, 0x24],
  ...[0xeb, 0x00, 0x10, 0x08, 0x00, 0x2f],
  ...[0x07, 0x00],
]);

/** larl %r1,data; std %fN,8N(%r1) for N = 0..15; nopr */
const S390X_CAPTURE = new Uint8Array([
  ...larlR1(S390X_CAPTURE_AT, S390X_CAPTURE_DATA),
  ...Array.from({ length: 16 }, (_, n) => [0x60, n << 4, 0x10, 8 * n]).flat(),
  ...[0x07, 0x00],
]);

/** A Unicorn engine set up for oracle images of one target. */
export class UnicornRunner {
  readonly target: Target;
  readonly engine: Engine;
  #img: BuiltImage | null = null;
  #loadedEnd = IMAGE_BASE;
  #budget: number;
  #timeoutUs: number;
  #hard: boolean;
  #zeros = new Uint8Array(MAX_FRAME + ABOVE_SP);
  /** Engine open + map time (ms). */
  readonly openMs: number;

  constructor(target: Target, opts: RunnerOptions = {}) {
    if (target.runner !== "unicorn") throw new Error(`${target.arch} does not run on Unicorn`);
    const t0 = performance.now();
    this.target = target;
    this.engine = Engine.open(target.arch as UcArchName);
    try {
      this.engine.map(IMAGE_BASE, Number(IMAGE_LIMIT - IMAGE_BASE));
      this.engine.map(STACK_BASE, STACK_SIZE);
      this.engine.map(SENTINEL_REGION[0], SENTINEL_REGION[1]);
      if (target.arch === "s390x") {
        this.engine.write(S390X_INIT_AT, S390X_INIT);
        this.engine.write(S390X_CAPTURE_AT, S390X_CAPTURE);
        this.engine.run({
          begin: S390X_INIT_AT,
          until: S390X_INIT_AT + BigInt(S390X_INIT.length - 2),
        });
      }
    } catch (e) {
      this.engine.close();
      throw e;
    }
    this.#budget = opts.budget ?? 200_000;
    this.#timeoutUs = opts.timeoutUs ?? 1_000_000;
    this.#hard = opts.hardTimeout ?? false;
    this.openMs = performance.now() - t0;
  }

  /** Load an image (rewrites the image region; translated code there is dropped). */
  load(img: BuiltImage): void {
    if (img.kind !== "flat") throw new Error("not a flat image");
    if (img.arch !== this.target.arch) {
      throw new Error(`image for ${img.arch}, runner for ${this.target.arch}`);
    }
    loadFlatImage(this.engine, img.bin, img.end, this.#loadedEnd);
    this.#loadedEnd = img.end;
    this.#img = img;
  }

  /** Run one request against the loaded image. */
  run(req: RunRequest): Dump {
    const img = this.#img;
    if (!img) throw new Error("no image loaded");
    const entry = img.entries.get(req.id);
    if (!entry) throw new Error(`prototype ${req.id} is not in the image`);
    const t = this.target, e = this.engine;
    for (const r of t.argRegs) e.regWrite(r.name, 0n);
    if (t.arch === "x86_64") e.regWrite("rax", 0n);
    req.args.forEach((b, j) => e.write(entry.args[j], b));
    // zero the stack the caller will use (and a little above, for s390x's save area)
    const window = Math.min(MAX_FRAME, Math.max(16384, 4 * req.ptrLen + 16384));
    e.write(INITIAL_SP - BigInt(window), this.#zeros.subarray(0, window + ABOVE_SP));
    const spec = e.spec;
    if (spec.lr === null) {
      const ret = new Uint8Array(8);
      new DataView(ret.buffer).setBigUint64(0, RET_SENTINEL, true);
      e.write(INITIAL_SP - 8n, ret);
      e.regWrite(spec.sp, INITIAL_SP - 8n);
    } else {
      e.regWrite(spec.sp, INITIAL_SP);
      e.regWrite(spec.lr, RET_SENTINEL);
    }
    try {
      e.run({
        begin: entry.caller,
        until: entry.callee,
        budget: this.#budget,
        timeoutUs: this.#timeoutUs,
        hardTimeout: this.#hard,
      });
    } catch (err) {
      if (err instanceof UcError || err instanceof EmuLimitError) {
        err.message = `${t.arch} caller_${req.id} (run ${req.run}): ${err.message}`;
      }
      throw err;
    }
    const regs = new Map<string, Uint8Array>();
    for (const r of t.argRegs) regs.set(r.name, e.regBytes(r.name));
    const entrySp = e.regRead(spec.sp);
    const lr = spec.lr === null ? 0n : e.regRead(spec.lr);
    if (t.arch === "s390x") {
      e.run({
        begin: S390X_CAPTURE_AT,
        until: S390X_CAPTURE_AT + BigInt(S390X_CAPTURE.length - 2),
      });
      const f = e.read(S390X_CAPTURE_DATA, 128);
      for (const r of t.argRegs) {
        if (r.bank !== "fpr") continue;
        const n = +r.name.slice(1);
        regs.set(r.name, f.slice(8 * n, 8 * n + 8).reverse()); // big-endian in memory → LSB first
      }
    }
    const sp = entrySp + BigInt(t.entrySpToCallerSp);
    let retAddr: bigint | null = null;
    if (spec.lr === null) retAddr = readWord(e.read(entrySp, 8), 0, 8, false);
    else retAddr = lr;
    if (sp > INITIAL_SP || INITIAL_SP - sp > BigInt(MAX_FRAME)) {
      throw new Error(
        `${t.arch} caller_${req.id}: SP at the call is 0x${
          sp.toString(16)
        }, outside the stack window`,
      );
    }
    const stack = e.read(sp, Number(INITIAL_SP - sp) + ABOVE_SP);
    const pointees = t.byRefPossible ? this.#pointees(regs, stack, sp, req.ptrLen) : [];
    return { id: req.id, run: req.run, regs, sp, stack, pointees, retAddr };
  }

  #pointees(regs: Map<string, Uint8Array>, stack: Uint8Array, sp: bigint, len: number): Pointee[] {
    const t = this.target, e = this.engine;
    const out: Pointee[] = [];
    if (len <= 0) return out;
    // Only the stack: by-reference copies are made by the caller in its frame. A pointer into
    // the image is the argument global itself (e.g. clang's `lla a0, a_k_1; fld fa1, 0(a0)`).
    const ranges: [bigint, bigint][] = [[STACK_BASE, STACK_BASE + BigInt(STACK_SIZE)]];
    const grab = (addr: bigint): Uint8Array | null => {
      for (const [a, b] of ranges) {
        if (addr >= a && addr < b) {
          const n = Number(b - addr < BigInt(len) ? b - addr : BigInt(len));
          const off = addr - sp;
          if (off >= 0n && off + BigInt(n) <= BigInt(stack.length)) {
            return stack.slice(Number(off), Number(off) + n);
          }
          return e.read(addr, n);
        }
      }
      return null;
    };
    for (const r of t.argRegs) {
      if (r.bank !== "gpr") continue;
      const v = readWord(regs.get(r.name)!, 0, t.regBytes, false);
      const b = grab(v);
      if (b) out.push({ from: { kind: "reg", reg: r.name }, addr: v, bytes: b });
    }
    for (let off = 0; off + t.regBytes <= stack.length; off += t.regBytes) {
      const v = readWord(stack, off, t.regBytes, t.bigEndian);
      if (v === 0n) continue;
      const b = grab(v);
      if (b) out.push({ from: { kind: "stack", offset: off }, addr: v, bytes: b });
    }
    return out;
  }

  /** Close the engine. */
  close(): void {
    this.engine.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Run requests through the ppc64 qemu-user harness of `img`. */
export async function runQemu(
  t: Target,
  img: BuiltImage,
  reqs: RunRequest[],
  opts: RunnerOptions = {},
): Promise<Dump[]> {
  if (img.kind !== "exe" || !img.exePath) throw new Error("not a harness executable");
  if (!t.qemu) throw new Error(`${t.arch} has no qemu runner`);
  const parts: Uint8Array[] = [];
  const u32 = (...v: number[]) => {
    const b = new Uint8Array(4 * v.length);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => dv.setUint32(4 * i, x, true));
    return b;
  };
  for (const r of reqs) {
    const dumpLen = Math.min(QEMU_MAX_DUMP, r.dumpLen);
    parts.push(u32(r.id, r.run, dumpLen, r.args.length));
    for (const a of r.args) parts.push(u32(a.length), a);
  }
  parts.push(u32(0xffffffff, 0, 0, 0));
  const input = concat(parts);
  const res = await runTool(t.qemu, [img.exePath], {
    stdin: input,
    timeoutMs: opts.processTimeoutMs ?? 120_000,
  });
  if (res.code !== 0) {
    throw new Error(`${t.qemu} ${img.exePath} exited ${res.code}: ${res.stderr.slice(0, 500)}`);
  }
  const out = res.stdout;
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const dumps: Dump[] = [];
  let p = 0;
  while (p < out.length) {
    if (p + 12 + QEMU_REC.size > out.length) throw new Error("truncated harness output");
    const id = dv.getUint32(p, true),
      run = dv.getUint32(p + 4, true),
      len = dv.getUint32(p + 8, true);
    const rec = out.subarray(p + 12, p + 12 + QEMU_REC.size);
    const stack = out.slice(p + 12 + QEMU_REC.size, p + 12 + QEMU_REC.size + len);
    if (stack.length !== len) throw new Error("truncated harness output");
    p += 12 + QEMU_REC.size + len;
    const regs = new Map<string, Uint8Array>();
    for (let i = 0; i < 8; i++) {
      regs.set(`r${3 + i}`, rec.slice(QEMU_REC.gpr + 8 * i, QEMU_REC.gpr + 8 * i + 8));
    }
    for (let i = 0; i < 13; i++) {
      regs.set(`f${1 + i}`, rec.slice(QEMU_REC.fpr + 8 * i, QEMU_REC.fpr + 8 * i + 8));
    }
    for (let i = 0; i < 12; i++) {
      regs.set(`v${2 + i}`, rec.slice(QEMU_REC.vr + 16 * i, QEMU_REC.vr + 16 * i + 16));
    }
    const sp = readWord(rec, QEMU_REC.sp, 8, false);
    const retAddr = readWord(rec, QEMU_REC.lr, 8, false);
    dumps.push({ id, run, regs, sp, stack, pointees: [], retAddr });
  }
  if (dumps.length !== reqs.length) {
    throw new Error(
      `harness answered ${dumps.length} of ${reqs.length} runs: ${res.stderr.slice(0, 300)}`,
    );
  }
  return dumps;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Writes a flat image at IMAGE_BASE, zeroes its .bss up to `end` (and what a
 * larger previous image left beyond it), and drops translated code there.
 */
export function loadFlatImage(e: Engine, bin: Uint8Array, end: bigint, prevEnd: bigint): void {
  e.write(IMAGE_BASE, bin);
  const binEnd = IMAGE_BASE + BigInt(bin.length);
  const clearTo = end > prevEnd ? end : prevEnd;
  if (clearTo > binEnd) e.write(binEnd, new Uint8Array(Number(clearTo - binEnd)));
  e.removeCache(IMAGE_BASE, clearTo > binEnd ? clearTo : binEnd);
}
