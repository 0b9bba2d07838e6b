/**
 * The wire format between trampolint and the qemu-user trampoline harness
 * (source.ts builds the program, run.ts drives it): jobs on stdin, one
 * result record per job on stdout, all integers little-endian (ppc64le).
 *
 * Job: u32 op (1 = job, 0xffffffff = end), u32 id, u32 kind (0 = call
 * `caller_k`, 1 = `icaller_k` through fp_k), u32 code bytes, code (padded to 4),
 * u32 patch count, per patch u64 address + u32 length + bytes (padded to 4),
 * u64 program return value, u64 and[8] + u64 or[8] (argument-register poison
 * for r3..r10 at trampoline entry), u32 argument count, per argument u32 size +
 * bytes (padded to 4).
 *
 * Result: u32 id, u32 status (0 ran; else the signal that stopped the job), then ENTRY_REC words, u64
 * visit count + VISIT_MAX visit records, EXIT_REC words, the stub log, the ctx
 * ring, u64 callee calls, u64 changed-byte count per argument global, the bytes
 * each parameter was received as, the returned bytes.
 *
 * @module
 */

/** Words of the record the entry observer writes (r1, r2, lr, r0, r14..r31, r3..r10, pad, window). */
export const ENTRY = {
  r1: 0,
  r2: 1,
  lr: 2,
  r0: 3,
  nv: 4, // r14..r31 (18 words)
  args: 22, // r3..r10
  window: 32, // WINDOW bytes above r1
  words: 64,
} as const;

/** Words of one visit of the function body's re-entry point (func+4). */
export const VISIT = {
  k: 0,
  r1: 1,
  r2: 2,
  lr: 3,
  r0: 4,
  nv: 5, // r14..r31
  args: 23, // r3..r10
  window: 32, // WINDOW bytes above the *entry* r1, at this visit
  words: 64,
} as const;

/** Visits recorded per run (the ring is this long; more are counted, not kept). */
export const VISIT_MAX = 8;

/** Words of the exit record written by the clean-call helper after the caller returns. */
export const EXIT = {
  r1Before: 0,
  r1After: 1,
  r2Before: 2,
  r2After: 3,
  nv: 4, // r14..r31 after
  window: 32, // WINDOW bytes above the entry r1, after the run
  words: 64,
} as const;

/** Exit-record words a fault fills: the faulting instruction (NIP) and the fault address (si_addr). */
export const EXIT_FAULT_PC = 22;
export const EXIT_FAULT_ADDR = 23;
/** Offset of NIP (gp_regs[32]) in the ppc64 `struct ucontext` (uc_mcontext at 168, gp_regs at +64). */
export const UC_NIP = 488;
/** Signal names for fault reports. */
export const SIGNALS: Record<number, string> = {
  4: "SIGILL",
  5: "SIGTRAP",
  7: "SIGBUS",
  8: "SIGFPE",
  11: "SIGSEGV",
};

/** Bytes above the entry SP that are compared. */
export const WINDOW = 256;

/** Stub log: u64 count + LOG_MAX × (kind, sp, r3). */
export const LOG_MAX = 32;
export const LOG_WORDS = 3;
/** ctx ring: u64 count + REC_MAX × REC_WORDS (ctx[-2] .. ctx[37]). */
export const REC_MAX = 4;
export const REC_WORDS = 40;

/** Poison the clean-call helper puts in r14..r31 before calling the caller (r14 + i → value). */
export function nvPoison(i: number): bigint {
  return 0x5a5a000000000000n | (BigInt(14 + i) << 16n) | 0xc0den;
}
/** Poison for r11/r12 at trampoline entry, and for the stubs' clobbers. */
export const SCRATCH_POISON = 0xdeadc0de00000000n;
/** The stack poison byte below the caller (16 KiB are filled before every run). */
export const STACK_POISON = 0xa5;
export const STACK_POISON_BYTES = 16384;

/** Where the harness maps the trampoline (MAP_FIXED_NOREPLACE; checked at start). */
export const TRAMP_BASE = 0x40000000n;
export const TRAMP_MAX = 0x10000;

/** One job. */
export interface QemuJob {
  id: number;
  indirect: boolean;
  code: Uint8Array;
  patches: { addr: bigint; bytes: Uint8Array }[];
  progRet: bigint;
  /** r3..r10: keep mask and poison bits. */
  poisonAnd: bigint[];
  poisonOr: bigint[];
  args: Uint8Array[];
}

/** One result, decoded. */
export interface QemuResult {
  id: number;
  status: number;
  entry: bigint[];
  visitCount: number;
  visits: bigint[][];
  exit: bigint[];
  log: bigint[][];
  logCount: number;
  ring: bigint[][];
  ringCount: number;
  calleeCalls: number;
  argChanged: number[];
  received: Uint8Array[];
  returned: Uint8Array | null;
}

/** A growable little-endian byte writer. */
class Writer {
  #buf = new Uint8Array(4096);
  #dv = new DataView(this.#buf.buffer);
  len = 0;
  #need(n: number) {
    if (this.len + n <= this.#buf.length) return;
    const b = new Uint8Array(Math.max(this.#buf.length * 2, this.len + n));
    b.set(this.#buf.subarray(0, this.len));
    this.#buf = b;
    this.#dv = new DataView(b.buffer);
  }
  u32(v: number) {
    this.#need(4);
    this.#dv.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  u64(v: bigint) {
    this.#need(8);
    this.#dv.setBigUint64(this.len, BigInt.asUintN(64, v), true);
    this.len += 8;
  }
  bytes(b: Uint8Array) {
    const pad = (4 - (b.length % 4)) % 4;
    this.#need(b.length + pad);
    this.#buf.set(b, this.len);
    this.len += b.length + pad;
  }
  done(): Uint8Array {
    return this.#buf.slice(0, this.len);
  }
}

/** Encodes jobs (and the end marker). */
export function encodeJobs(jobs: QemuJob[]): Uint8Array {
  const w = new Writer();
  for (const j of jobs) {
    if (j.code.length > TRAMP_MAX) throw new Error(`trampoline of ${j.code.length} bytes`);
    w.u32(1);
    w.u32(j.id);
    w.u32(j.indirect ? 1 : 0);
    w.u32(j.code.length);
    w.bytes(j.code);
    w.u32(j.patches.length);
    for (const p of j.patches) {
      w.u64(p.addr);
      w.u32(p.bytes.length);
      w.bytes(p.bytes);
    }
    w.u64(j.progRet);
    for (let i = 0; i < 8; i++) w.u64(j.poisonAnd[i] ?? 0xffffffffffffffffn);
    for (let i = 0; i < 8; i++) w.u64(j.poisonOr[i] ?? 0n);
    w.u32(j.args.length);
    for (const a of j.args) {
      w.u32(a.length);
      w.bytes(a);
    }
  }
  w.u32(0xffffffff);
  return w.done();
}

/** Sizes of one prototype's result tail (parameter sizes, return size or null). */
export interface ResultShape {
  params: number[];
  ret: number | null;
}

/** Bytes of the fixed part of a result (before the per-prototype tail). */
export const FIXED_BYTES = 8 + 8 * (ENTRY.words + 1 + VISIT_MAX * VISIT.words + EXIT.words +
      1 + LOG_MAX * LOG_WORDS + 1 + REC_MAX * REC_WORDS + 1);

/** Bytes of a whole result for `shape`. */
export function resultBytes(shape: ResultShape): number {
  const pad = (n: number) => n + ((8 - (n % 8)) % 8);
  return FIXED_BYTES + 8 * shape.params.length +
    shape.params.reduce((n, s) => n + pad(s), 0) + (shape.ret === null ? 0 : pad(shape.ret));
}

/** Decodes one result at `off` of `buf` (null when the bytes are not all there). */
export function decodeResult(
  buf: Uint8Array,
  off: number,
  shapeOf: (id: number) => ResultShape,
): { result: QemuResult; next: number } | null {
  if (buf.length - off < 8) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const id = dv.getUint32(off, true);
  const shape = shapeOf(id);
  const total = resultBytes(shape);
  if (buf.length - off < total) return null;
  let p = off + 8;
  const word = () => {
    const v = dv.getBigUint64(p, true);
    p += 8;
    return v;
  };
  const words = (n: number) => Array.from({ length: n }, word);
  const entry = words(ENTRY.words);
  const visitCount = Number(word());
  const visits = Array.from({ length: VISIT_MAX }, () => words(VISIT.words));
  const exit = words(EXIT.words);
  const logCount = Number(word());
  const logAll = Array.from({ length: LOG_MAX }, () => words(LOG_WORDS));
  const ringCount = Number(word());
  const ringAll = Array.from({ length: REC_MAX }, () => words(REC_WORDS));
  const calleeCalls = Number(word());
  const argChanged = shape.params.map(() => Number(word()));
  const bytesOf = (n: number) => {
    const b = buf.slice(p, p + n);
    p += n + ((8 - (n % 8)) % 8);
    return b;
  };
  const received = shape.params.map(bytesOf);
  const returned = shape.ret === null ? null : bytesOf(shape.ret);
  return {
    result: {
      id,
      status: dv.getUint32(off + 4, true),
      entry,
      visitCount,
      visits: visits.slice(0, Math.min(visitCount, VISIT_MAX)),
      exit,
      logCount,
      log: logAll.slice(0, Math.min(logCount, LOG_MAX)),
      ringCount,
      ring: ringAll.slice(0, Math.min(ringCount, REC_MAX)),
      calleeCalls,
      argChanged,
      received,
      returned,
    },
    next: p,
  };
}
