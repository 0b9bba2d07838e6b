/**
 * Run a generated trampoline between a real compiled caller and a real
 * compiled callee in Unicorn, and observe everything a verdict needs.
 *
 * One `TrampHarness` per arch holds one engine (reused for every run; code
 * pages are rewritten, never the engine reopened). A run is one
 * `uc_emu_start` from caller_k to the return sentinel; the engine's block
 * hook (a block budget, unicorn.ts) marks the stages, since both the
 * trampoline's entry and the address it returns to start a block:
 *
 * 1. poison every GPR and POISON_BELOW bytes of stack, write the argument
 *    globals, reset the log/ring, write the trampoline at TRAMP_BASE and the
 *    patch site at callee_k (or fp_k = TRAMP_BASE for struct_ops), then run
 *    caller_k (icaller_k);
 * 2. at the trampoline's first block: record SP, the return addresses, callee-saved
 *    registers and CALLER_WINDOW bytes above SP; poison the non-argument
 *    caller-saved registers and every argument-register bit the ABI leaves
 *    unspecified (upper bits of narrow args, unused arg registers);
 * 3. at the first block where the trampoline hands control back (fentry:
 *    into the traced function after the patch site; otherwise: the caller's
 *    return address): compare SP, callee-saved registers and the caller
 *    window; between 2 and 3 only, UC_HOOK_MEM_WRITE hooks cover every mapped byte the
 *    trampoline may not write (see `#forbidden`) and record stray writes;
 * 4. at the return sentinel (the caller has stored the return value):
 *    read the stub log (SP at every call the trampoline made), the ctx ring,
 *    what the callee received and what the caller got back.
 *
 * @module
 */

import type { AttachType } from "../../arch/tramp_types.ts";
import type { Prototype } from "../../corpus/types.ts";
import { ARCHES } from "../../arch/index.ts";
import { TARGETS } from "../oracle/targets.ts";
import { EmuLimitError, Engine, UC_HOOK, UcError } from "../unicorn.ts";
import { loadFlatImage } from "../oracle/run.ts";
import type { HarnessEntry, HarnessImage } from "./build.ts";
import {
  CALLER_WINDOW,
  IMAGE_BASE,
  IMAGE_LIMIT,
  INITIAL_SP,
  POISON_BELOW,
  RET_SENTINEL,
  SENTINEL_REGION,
  STACK_BASE,
  STACK_POISON,
  STACK_SIZE,
  TRAMP_BASE,
  TRAMP_MAX,
  type TrampArch,
} from "./layout.ts";
import { LOG_MAX, LOG_WORDS, REC_MAX, REC_WORDS } from "./source.ts";

/**
 * How the trampoline is entered and where its return addresses are at its
 * first instruction (the patch site's convention, KERNEL_SPEC.md §2).
 */
export type HarnessEntryLinks =
  /**
   * x86_64: `call` pushes the return into the traced function; the traced
   * function's own return to its caller is the next word up. Entered by `jmp`
   * (v6.19+ jmp mode) or through a pointer (struct_ops) only the caller's
   * return is on the stack.
   */
  | { kind: "stack" }
  /**
   * Link-register arches: `intoFunc` holds the return into the traced
   * function (after the patch site), `toParent` the traced function's return
   * to its caller. Entered through a pointer (struct_ops) the engine's link
   * register holds the caller's return, and the patch-site-only register of
   * the two is poisoned.
   */
  | { kind: "regs"; intoFunc: string; toParent: string };

/** Per-arch facts the harness needs (one entry per arch the harness runs). */
export interface HarnessArchSpec {
  callee: string[];
  /** Caller-saved registers that carry no argument: poisoned at trampoline entry. */
  scratch: string[];
  /** Every GPR (poisoned before the caller runs). */
  gprs: string[];
  /** SP at the trampoline's exit minus SP at its entry, per attach kind. */
  spDelta: { fentry: number; callOrig: number; indirect: number };
  /** Offset of the traced IP (ctx[-2]) from the function's entry: the patched call instruction. */
  ipOffset: number;
  /** Where the return addresses are at the trampoline's entry. */
  links: HarnessEntryLinks;
  /**
   * The psABI defines the upper bits of integer scalars narrower than a
   * register (the caller extends them: RISC-V LP64, s390x): those bits are
   * left as the caller set them instead of being poisoned (aggregates keep
   * their unspecified bits poisoned).
   */
  extendsScalars: boolean;
  /**
   * Bytes above the SP at the trampoline's entry that belong to the callee
   * and that the trampoline may use (s390x: the 160-byte register save area
   * the caller allocates, KERNEL_SPEC §2.4); stray-write checks start above.
   */
  calleeArea?: number;
  /** SP alignment the ABI requires at a call (default 16; s390x ELF ABI: 8). */
  stackAlign?: number;
  /** Control registers set before every run (s390x: the PSW's addressing mode). */
  initRegs?: [string, bigint][];
}

const r = (p: string, a: number, b: number) =>
  Array.from({ length: b - a + 1 }, (_, i) => `${p}${a + i}`);

/** The arch facts (an arch the harness runs = one entry here, a stub set in source.ts, TRAMP_ARCHES). */
export const HARNESS_ARCH: Record<TrampArch, HarnessArchSpec> = {
  x86_64: {
    callee: ["rbx", "rbp", "r12", "r13", "r14", "r15"],
    scratch: ["rax", "r10", "r11"],
    gprs: ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", ...r("r", 8, 15)],
    spDelta: { fentry: 8, callOrig: 16, indirect: 8 },
    ipOffset: 0,
    links: { kind: "stack" },
    extendsScalars: false,
  },
  arm64: {
    callee: [...r("x", 19, 29)],
    scratch: [...r("x", 10, 17), "x8"],
    gprs: [...r("x", 0, 29)],
    spDelta: { fentry: 0, callOrig: 0, indirect: 0 },
    ipOffset: 4,
    // patch site `mov x9, lr; bl tramp` (b2ad54e1533e)
    links: { kind: "regs", intoFunc: "x30", toParent: "x9" },
    extendsScalars: false,
  },
  s390x: {
    // s390x ELF ABI: r6–r13 and r15 are preserved across calls (r6 is also
    // the fifth argument register)
    callee: [...r("r", 6, 13)],
    scratch: ["r0", "r1"],
    gprs: [...r("r", 0, 14)],
    spDelta: { fentry: 0, callOrig: 0, indirect: 0 },
    ipOffset: 0,
    // patch site `brasl %r0,tramp` (KERNEL_SPEC §2.4): r0 = func + 6, r14 = parent
    links: { kind: "regs", intoFunc: "r0", toParent: "r14" },
    extendsScalars: true,
    calleeArea: 160,
    stackAlign: 8,
    // PSW mask EA+BA = 64-bit addressing: Unicorn starts in 24-bit mode, where
    // brasl/basr keep the link register's high bits and addresses wrap
    initRegs: [["pswm", 0x1_8000_0000n]],
  },
  riscv64: {
    callee: ["s0", "s1", ...r("s", 2, 11)],
    // t0 carries the return into the traced function; t1 is the patch site's auipc temporary
    scratch: [...r("t", 1, 6)],
    gprs: ["gp", "tp", ...r("t", 0, 6), ...r("s", 0, 11), ...r("a", 0, 7)],
    spDelta: { fentry: 0, callOrig: 0, indirect: 0 },
    // BPF_TRAMP_F_IP_ARG stores func_addr itself (49b5e77ae3e2)
    ipOffset: 0,
    // patch site `auipc t1, hi; jalr t0, lo(t1)`: t0 = func + 8, ra = the parent's return
    links: { kind: "regs", intoFunc: "t0", toParent: "ra" },
    // LP64: narrow integers are extended to 64 bits by the caller (psABI, riscv64/abi.ts)
    extendsScalars: true,
  },
};

/** One emulation job. */
export interface HarnessJob {
  id: number;
  proto: Prototype;
  attach: AttachType;
  code: Uint8Array;
  /** Patch-site bytes (null for struct_ops). */
  patch: Uint8Array | null;
  /** Argument bytes written into a_k_j. */
  args: Uint8Array[];
  /** What the prog stub returns (fmod_ret: 0 lets the original run). */
  progRet: bigint;
  /** Translation blocks each stage may execute (default 10,000; the engine counts blocks). */
  budget?: number;
}

/** A register value that changed across the trampoline. */
export interface RegChange {
  reg: string;
  before: bigint;
  after: bigint;
}

/** One call the trampoline made to a stub. */
export interface StubCall {
  kind: "enter" | "prog" | "exit" | "other";
  sp: bigint;
  arg0: bigint;
}

/** One write the trampoline segment made outside the memory it may write. */
export interface StrayWrite {
  addr: bigint;
  /** Bytes written. */
  size: number;
  /** The value written (unsigned, `size` bytes). */
  value: bigint;
  /** Which region it hit, e.g. "caller stack (entry SP + 24)", "image: a_3_0 + 0". */
  region: string;
}

/** Stray writes recorded per run (the rest are only counted). */
export const STRAY_MAX = 16;

/** What one run showed. */
export interface Observation {
  /** The run stopped early (fault, budget): where and why. */
  fault: { stage: "caller" | "trampoline" | "return"; message: string; pc: bigint } | null;
  funcAddr: bigint | null;
  /** SP at trampoline entry, and at its exit (null if it never returned). */
  entrySp: bigint;
  exitSp: bigint | null;
  expectedExitSp: bigint;
  /** Where the trampoline had to return, and where it did. */
  expectedExitPc: bigint;
  callerRet: bigint;
  /** How the trampoline was entered. */
  entryMode: "call" | "jmp" | "indirect";
  calleeSaved: RegChange[];
  /** Link-register arches: the link register at exit (must be the caller's return address for fentry). */
  linkAtExit: bigint | null;
  /** Bytes above entry SP that changed: [offset from entry SP, before, after]. */
  windowWrites: [number, number, number][];
  /**
   * Writes during the trampoline segment (trampoline, stubs, original function)
   * outside the allowed memory: the stack below the entry SP (the trampoline's
   * frame, outgoing arguments, the frames of what it calls), the stub log and
   * ctx ring, and the callee's record globals. At most STRAY_MAX are kept.
   */
  strayWrites: StrayWrite[];
  /** All stray writes, including those not kept. */
  strayCount: number;
  calls: StubCall[];
  /** ctx[-2..37] per prog call (u64 words). */
  ctx: bigint[][];
  ctxAddr: bigint[];
  calleeCalls: number;
  /** Frame address in the callee (alignment of the call into it). */
  calleeFrame: bigint;
  /** Bytes the original function received, per parameter. */
  received: Uint8Array[];
  /** Bytes the caller got back (return-size bytes), or null for void. */
  returned: Uint8Array | null;
  /** Unicorn µs spent. */
  us: number;
}

/** An observation with nothing seen yet: the start of every run. */
export function emptyObservation(funcAddr: bigint | null, indirect: boolean): Observation {
  return {
    fault: null,
    funcAddr,
    entrySp: 0n,
    exitSp: null,
    expectedExitSp: 0n,
    expectedExitPc: 0n,
    callerRet: 0n,
    entryMode: indirect ? "indirect" : "call",
    calleeSaved: [],
    linkAtExit: null,
    windowWrites: [],
    strayWrites: [],
    strayCount: 0,
    calls: [],
    ctx: [],
    ctxAddr: [],
    calleeCalls: 0,
    calleeFrame: 0n,
    received: [],
    returned: null,
    us: 0,
  };
}

const POISON_REG = (i: number) => 0xbadbad0000000000n | BigInt(i * 0x01010101);
/** A stub log entry's kind by its number (source.ts LOG_KIND; 0 and unknown: "other"). */
export const STUB_KIND = ["other", "enter", "prog", "exit"] as const;

/** Memoized observations kept per harness before the memo is dropped. */
const MEMO_MAX = 50_000;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Everything a run depends on: the image, the prototype slot and the job's bytes. */
function memoKey(img: HarnessImage, job: HarnessJob): string {
  return `${img.key}|${job.id}|${job.attach}|${job.progRet}|${job.budget ?? ""}|${hex(job.code)}|${
    job.patch ? hex(job.patch) : "-"
  }|${job.args.map(hex).join(",")}`;
}

function mask(bytes: number): bigint {
  return bytes >= 8 ? 0xffffffffffffffffn : (1n << BigInt(8 * bytes)) - 1n;
}

/** One engine for one arch, reused across images and runs. */
export class TrampHarness {
  readonly arch: TrampArch;
  readonly engine: Engine;
  /** Guest memory is little-endian (false for s390x). */
  readonly #le: boolean;
  #img: HarnessImage | null = null;
  #loadedEnd = IMAGE_BASE;
  #poison = new Uint8Array(POISON_BELOW + CALLER_WINDOW).fill(STACK_POISON);
  #zero8 = new Uint8Array(8);
  #codeLen = 0;
  /** The trampoline bytes at TRAMP_BASE now (null: unknown). */
  #code: Uint8Array | null = null;
  /** Patch-site bytes written into the loaded image, by address. */
  #patched = new Map<bigint, Uint8Array>();
  #regsUsed = new Map<number, Map<string, number>>();
  /**
   * Observations by (image, job bytes). A run is deterministic in its job and
   * image (every input is rewritten or poisoned before it), so an identical
   * job (e.g. the same trampoline in another era) reuses the observation.
   */
  #memo = new Map<string, Observation>();
  /** Reuse observations of identical jobs (default true). */
  memo = true;
  /** Forbidden image ranges [begin, end] (inclusive) per prototype id of the loaded image. */
  #forbiddenImage = new Map<number, [bigint, bigint][]>();
  /** The run being observed while write hooks are in place. */
  #strayObs: Observation | null = null;
  #strayEntry: HarnessEntry | null = null;
  #strayProto: Prototype | null = null;
  #onWrite = (_type: number, addr: bigint, size: number, value: bigint): void => {
    const obs = this.#strayObs;
    if (!obs) return;
    obs.strayCount++;
    if (obs.strayWrites.length >= STRAY_MAX) return;
    obs.strayWrites.push({
      addr,
      size,
      value: BigInt.asUintN(8 * Math.min(8, size), value),
      region: this.#region(addr, obs.entrySp),
    });
  };

  constructor(arch: TrampArch) {
    this.arch = arch;
    // runs are short and many: a block budget has no fixed cost per run (unicorn.ts)
    this.engine = Engine.open(arch, { budgetUnit: "blocks" });
    this.#le = !this.engine.spec.bigEndian;
    try {
      this.engine.map(IMAGE_BASE, Number(IMAGE_LIMIT - IMAGE_BASE));
      this.engine.map(STACK_BASE, STACK_SIZE);
      this.engine.map(SENTINEL_REGION[0], SENTINEL_REGION[1]);
    } catch (e) {
      this.engine.close();
      throw e;
    }
  }

  /** The loaded image. */
  get image(): HarnessImage | null {
    return this.#img;
  }

  /** Load an image (no-op when it is already loaded). */
  load(img: HarnessImage): void {
    if (this.#img?.key === img.key) return;
    if (img.arch !== this.arch) throw new Error(`image for ${img.arch}, harness for ${this.arch}`);
    loadFlatImage(this.engine, img.bin, img.end, this.#loadedEnd);
    this.#loadedEnd = img.end;
    this.#img = img;
    this.#regsUsed.clear();
    this.#patched.clear();
    this.#forbiddenImage.clear();
  }

  /**
   * Image and sentinel-region ranges the trampoline segment may not write:
   * everything mapped there except the stub log, the ctx ring, the callee's
   * call counter and frame address, and this prototype's record globals.
   */
  #forbiddenFixed(img: HarnessImage, entry: HarnessEntry, proto: Prototype): [bigint, bigint][] {
    let out = this.#forbiddenImage.get(entry.id);
    if (out) return out;
    const allowed: [bigint, bigint][] = [
      [img.syms.log, img.syms.log + BigInt(8 * (1 + LOG_MAX * LOG_WORDS))],
      [img.syms.rec, img.syms.rec + BigInt(8 * (1 + REC_MAX * REC_WORDS))],
      [img.syms.calleeCalls, img.syms.calleeCalls + 8n],
      [img.syms.calleeFa, img.syms.calleeFa + 8n],
      ...entry.recs.map((a, j): [bigint, bigint] => [
        a,
        a + BigInt(Math.max(1, proto.params[j].type.size)),
      ]),
    ];
    allowed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    out = [];
    let at = IMAGE_BASE;
    for (const [a, b] of allowed) {
      if (a > at) out.push([at, a - 1n]);
      if (b > at) at = b;
    }
    if (at < IMAGE_LIMIT) out.push([at, IMAGE_LIMIT - 1n]);
    out.push([SENTINEL_REGION[0], SENTINEL_REGION[0] + BigInt(SENTINEL_REGION[1]) - 1n]);
    this.#forbiddenImage.set(entry.id, out);
    return out;
  }

  /** Which region a stray write hit (for reports). */
  #region(addr: bigint, entrySp: bigint): string {
    const h = (v: bigint) => `0x${v.toString(16)}`;
    if (addr >= STACK_BASE && addr < STACK_BASE + BigInt(STACK_SIZE)) {
      return `caller stack (entry SP + ${addr - entrySp})`;
    }
    if (addr >= TRAMP_BASE && addr < TRAMP_BASE + BigInt(TRAMP_MAX)) {
      return `trampoline code (+${h(addr - TRAMP_BASE)})`;
    }
    if (addr >= SENTINEL_REGION[0] && addr < SENTINEL_REGION[0] + BigInt(SENTINEL_REGION[1])) {
      return `sentinel region (return sentinel ${h(RET_SENTINEL)})`;
    }
    const img = this.#img, entry = this.#strayEntry, proto = this.#strayProto;
    if (img && addr >= IMAGE_BASE && addr < IMAGE_LIMIT) {
      const named: [string, bigint, number][] = [["tramp_prog_ret", img.syms.progRet, 8]];
      if (entry && proto) {
        const k = entry.id;
        entry.args.forEach((a, j) => named.push([`a_${k}_${j}`, a, proto.params[j].type.size]));
        if (entry.ret !== null && proto.ret) named.push([`ret_${k}`, entry.ret, proto.ret.size]);
        if (entry.callee) named.push([`callee_${k} (code)`, entry.callee, 16]);
        named.push([`fp_${k}`, entry.fp, 8]);
      }
      for (const [n, a, len] of named) {
        if (addr >= a && addr < a + BigInt(Math.max(1, len))) return `image: ${n} + ${addr - a}`;
      }
      return addr < img.end ? `image (+${h(addr - IMAGE_BASE)})` : `unused image map`;
    }
    return "mapped memory";
  }

  /** Bytes of each GPR argument register the caller fills for `proto` (ABI model). */
  #argRegBytes(job: HarnessJob): Map<string, number> {
    let m = this.#regsUsed.get(job.id);
    if (m) return m;
    m = new Map();
    const abi = ARCHES.find((a) => a.name === this.arch)!.abi;
    const extends_ = HARNESS_ARCH[this.arch].extendsScalars;
    for (const loc of abi.placeArgs(job.proto)) {
      const kind = job.proto.params[loc.arg]?.type.kind;
      const scalar = kind === "int" || kind === "enum" || kind === "ptr";
      for (const p of loc.pieces) {
        if (p.kind !== "reg" || p.bank !== "gpr") continue;
        const bytes = extends_ && scalar ? 8 : p.regOffset + p.bytes;
        m.set(p.reg, Math.max(m.get(p.reg) ?? 0, bytes));
      }
      if (loc.byRef?.kind === "reg") m.set(loc.byRef.reg, 8);
    }
    // GPR argument registers below the first one the placement uses carry the
    // hidden return-buffer pointer (s390x returns __int128 and aggregates in
    // memory, its address in r2): the caller set them, so they are not poisoned
    const gprArgs = TARGETS[this.arch].argRegs.filter((a) => a.bank === "gpr");
    const first = gprArgs.findIndex((a) => m!.has(a.name));
    for (let i = 0; i < first; i++) m.set(gprArgs[i].name, 8);
    this.#regsUsed.set(job.id, m);
    return m;
  }

  /** Run one job against the loaded image (or reuse the observation of an identical job). */
  run(job: HarnessJob): Observation {
    const img = this.#img;
    if (!img) throw new Error("no image loaded");
    if (!this.memo) return this.#run(img, job);
    const key = memoKey(img, job);
    let obs = this.#memo.get(key);
    if (obs === undefined) {
      obs = this.#run(img, job);
      if (this.#memo.size >= MEMO_MAX) this.#memo.clear();
      this.#memo.set(key, obs);
    }
    return obs;
  }

  #run(img: HarnessImage, job: HarnessJob): Observation {
    const entry: HarnessEntry | undefined = img.entries.get(job.id);
    if (!entry) throw new Error(`prototype ${job.id} is not in the harness image`);
    const e = this.engine, spec = HARNESS_ARCH[this.arch], sp = e.spec.sp;
    /** The callee's own area above the entry SP (not checked for stray writes). */
    const own = BigInt(spec.calleeArea ?? 0);
    const budget = job.budget ?? 10_000;
    const t0 = performance.now();
    if (job.code.length > TRAMP_MAX) throw new Error(`trampoline of ${job.code.length} bytes`);
    // 1. set up (code that is already in place is not rewritten: a rewrite
    // drops its translated blocks)
    if (this.#code === null || !sameBytes(this.#code, job.code)) {
      e.write(TRAMP_BASE, job.code);
      if (job.code.length < this.#codeLen) {
        e.write(
          TRAMP_BASE + BigInt(job.code.length),
          new Uint8Array(this.#codeLen - job.code.length),
        );
      }
      // uc_mem_write does not reliably drop every translated block of rewritten
      // code (seen with multi-TB trampolines): drop them explicitly.
      e.removeCache(TRAMP_BASE, TRAMP_BASE + BigInt(Math.max(this.#codeLen, job.code.length, 1)));
      this.#codeLen = job.code.length;
      this.#code = job.code.slice();
    }
    const indirect = job.attach === "struct_ops";
    if (indirect) {
      const fp = new Uint8Array(8);
      new DataView(fp.buffer).setBigUint64(0, TRAMP_BASE, this.#le);
      e.write(entry.fp, fp);
    } else if (job.patch) {
      const had = this.#patched.get(entry.callee);
      if (!had || !sameBytes(had, job.patch)) {
        e.write(entry.callee, job.patch);
        e.removeCache(entry.callee, entry.callee + BigInt(job.patch.length));
        this.#patched.set(entry.callee, job.patch.slice());
      }
    }
    job.args.forEach((b, j) => e.write(entry.args[j], b));
    e.write(img.syms.log, this.#zero8);
    e.write(img.syms.rec, this.#zero8);
    e.write(img.syms.calleeCalls, this.#zero8);
    e.write(img.syms.calleeFa, this.#zero8);
    const pr = new Uint8Array(8);
    new DataView(pr.buffer).setBigUint64(0, BigInt.asUintN(64, job.progRet), this.#le);
    e.write(img.syms.progRet, pr);
    if (entry.ret !== null && job.proto.ret) {
      e.write(entry.ret, new Uint8Array(job.proto.ret.size).fill(0xee));
    }
    for (const [j, rec] of entry.recs.entries()) {
      e.write(rec, new Uint8Array(job.proto.params[j].type.size).fill(0xee));
    }
    e.write(INITIAL_SP - BigInt(POISON_BELOW), this.#poison);
    spec.gprs.forEach((g, i) => e.regWrite(g, POISON_REG(i + 1)));
    for (const [g, v] of spec.initRegs ?? []) e.regWrite(g, v);
    if (e.spec.lr === null) {
      const ret = new Uint8Array(8);
      new DataView(ret.buffer).setBigUint64(0, RET_SENTINEL, this.#le);
      e.write(INITIAL_SP - 8n, ret);
      e.regWrite(sp, INITIAL_SP - 8n);
    } else {
      e.regWrite(sp, INITIAL_SP);
      e.regWrite(e.spec.lr, RET_SENTINEL);
    }
    const obs = emptyObservation(indirect ? null : entry.callee, indirect);
    // One run from the caller to the return sentinel (a fixed `until`, so no
    // translated block needs dropping for a new stop address); the block hook
    // marks the trampoline's entry (TRAMP_BASE) and its exit (the first block
    // at the expected return address after entry): every block starts with
    // the registers and memory of that address. Three runs with per-stage
    // stop addresses cost ~3× more (each stop address drops translations).
    type Stage = "caller" | "trampoline" | "return";
    let stage = "caller" as Stage;
    let jmpEntry = false;
    let before: bigint[] = [];
    let window: Uint8Array = new Uint8Array(0);
    const hooks: bigint[] = [];
    const dropHooks = () => {
      for (const h of hooks) e.hookDel(h);
      hooks.length = 0;
      this.#strayObs = this.#strayEntry = null;
      this.#strayProto = null;
    };
    const atEntry = () => {
      // 2. at trampoline entry
      const sp0 = e.regRead(sp);
      obs.entrySp = sp0;
      let funcRet: bigint;
      const links = spec.links;
      if (links.kind === "stack") {
        const w = new DataView(e.read(sp0, 16).buffer);
        funcRet = w.getBigUint64(0, this.#le);
        // entered by `call` from the patch site iff [sp] returns right after it;
        // else by `jmp` (v6.19+ jmp mode): only the caller's return is on the stack
        jmpEntry = !indirect && funcRet !== entry.callee + BigInt(job.patch?.length ?? 0);
        obs.callerRet = indirect || jmpEntry ? funcRet : w.getBigUint64(8, this.#le);
        obs.entryMode = indirect ? "indirect" : jmpEntry ? "jmp" : "call";
      } else if (indirect) {
        funcRet = obs.callerRet = e.regRead(e.spec.lr!);
      } else {
        funcRet = e.regRead(links.intoFunc);
        obs.callerRet = e.regRead(links.toParent);
      }
      before = spec.callee.map((g) => e.regRead(g));
      window = e.read(sp0 + own, CALLER_WINDOW);
      const used = this.#argRegBytes(job);
      TARGETS[this.arch].argRegs.forEach((a, i) => {
        // a callee-saved argument register (s390x r6) holds the caller's value
        if (a.bank !== "gpr" || spec.callee.includes(a.name)) return;
        const u = used.get(a.name) ?? 0;
        if (u >= 8) return;
        if (u === 0) {
          e.regWrite(a.name, POISON_REG(0x40 + i));
          return;
        }
        const m = mask(u);
        e.regWrite(a.name, (e.regRead(a.name) & m) | (POISON_REG(0x40 + i) & ~m));
      });
      spec.scratch.forEach((g, i) => e.regWrite(g, POISON_REG(0x60 + i)));
      if (links.kind === "regs" && indirect) {
        // no patch site ran: its link register holds nothing the trampoline may use
        for (const g of [links.intoFunc, links.toParent]) {
          if (g !== e.spec.lr) e.regWrite(g, POISON_REG(0x70));
        }
      }
      const delta = job.attach === "fentry"
        ? spec.spDelta.fentry
        : indirect || jmpEntry
        ? spec.spDelta.indirect
        : spec.spDelta.callOrig;
      obs.expectedExitSp = sp0 + BigInt(delta);
      obs.expectedExitPc = job.attach === "fentry" ? funcRet : obs.callerRet;
      // 3. through the trampoline (and, for CALL_ORIG, the original function),
      // with write hooks over what it may not write (only while it runs)
      for (const [a, b] of this.#forbiddenFixed(img, entry, job.proto)) {
        hooks.push(e.hookAdd(UC_HOOK.MEM_WRITE, this.#onWrite, a, b));
      }
      hooks.push(
        e.hookAdd(
          UC_HOOK.MEM_WRITE,
          this.#onWrite,
          sp0 + own,
          STACK_BASE + BigInt(STACK_SIZE) - 1n,
        ),
      );
      this.#strayObs = obs;
      this.#strayEntry = entry;
      this.#strayProto = job.proto;
    };
    const atExit = () => {
      dropHooks();
      obs.exitSp = e.regRead(sp);
      spec.callee.forEach((g, i) => {
        const after = e.regRead(g);
        if (after !== before[i]) obs.calleeSaved.push({ reg: g, before: before[i], after });
      });
      if (spec.links.kind === "regs") obs.linkAtExit = e.regRead(e.spec.lr!);
      const w2 = e.read(obs.entrySp + own, CALLER_WINDOW);
      for (let i = 0; i < CALLER_WINDOW; i++) {
        if (w2[i] !== window[i]) obs.windowWrites.push([Number(own) + i, window[i], w2[i]]);
      }
    };
    e.setBlockListener((addr) => {
      if (stage === "caller") {
        if (addr === TRAMP_BASE) {
          atEntry();
          stage = "trampoline";
        }
      } else if (stage === "trampoline" && addr === obs.expectedExitPc) {
        atExit();
        // 4. back to the caller's caller
        stage = "return";
      }
    });
    try {
      e.run({
        begin: indirect ? entry.icaller : entry.caller,
        until: RET_SENTINEL,
        budget,
        timeoutUs: 2_000_000,
      });
      if (stage !== "return") {
        // returned to the sentinel without passing the trampoline (or its exit)
        obs.fault = {
          stage,
          message: stage === "caller"
            ? "the caller returned without entering the trampoline"
            : `the trampoline never returned to 0x${obs.expectedExitPc.toString(16)}`,
          pc: e.regRead(e.spec.pc),
        };
      }
    } catch (err) {
      if (!(err instanceof UcError || err instanceof EmuLimitError)) throw err;
      obs.fault = { stage, message: err.message, pc: e.regRead(e.spec.pc) };
    } finally {
      e.setBlockListener(null);
      dropHooks();
    }
    // read what happened
    const logBytes = e.read(img.syms.log, 8 * (1 + LOG_MAX * LOG_WORDS));
    const lv = new DataView(logBytes.buffer);
    const nlog = Math.min(LOG_MAX, Number(lv.getBigUint64(0, this.#le)));
    for (let i = 0; i < nlog; i++) {
      const o = 8 + i * LOG_WORDS * 8;
      const kind = Number(lv.getBigUint64(o, this.#le));
      obs.calls.push({
        kind: STUB_KIND[kind] ?? "other",
        sp: lv.getBigUint64(o + 8, this.#le),
        arg0: lv.getBigUint64(o + 16, this.#le),
      });
    }
    const recBytes = e.read(img.syms.rec, 8 * (1 + REC_MAX * REC_WORDS));
    const rv = new DataView(recBytes.buffer);
    const nrec = Math.min(REC_MAX, Number(rv.getBigUint64(0, this.#le)));
    for (let i = 0; i < nrec; i++) {
      const words: bigint[] = [];
      for (let w = 0; w < REC_WORDS; w++) {
        words.push(rv.getBigUint64(8 + (i * REC_WORDS + w) * 8, this.#le));
      }
      obs.ctx.push(words);
    }
    obs.ctxAddr = obs.calls.filter((c) => c.kind === "prog").map((c) => c.arg0);
    const cc = new DataView(e.read(img.syms.calleeCalls, 8).buffer);
    obs.calleeCalls = Number(cc.getBigUint64(0, this.#le));
    obs.calleeFrame = new DataView(e.read(img.syms.calleeFa, 8).buffer).getBigUint64(0, this.#le);
    obs.received = entry.recs.map((a, j) => e.read(a, job.proto.params[j].type.size));
    if (entry.ret !== null && job.proto.ret) obs.returned = e.read(entry.ret, job.proto.ret.size);
    obs.us = (performance.now() - t0) * 1000;
    return obs;
  }

  close(): void {
    this.engine.close();
  }
}
