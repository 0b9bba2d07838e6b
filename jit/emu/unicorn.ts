/**
 * Unicorn 2.0.1 (Debian `libunicorn2`, `libunicorn.so.2`) bound with `Deno.dlopen`,
 * plus a small engine wrapper: explicit `close()`, and an instruction budget and a
 * timeout on every run (ARCHITECTURE.md "Safety design").
 *
 * Only the shared library is needed at run time: every constant below was read
 * from the 2.0.1 headers (`libunicorn-dev`, `/usr/include/unicorn/*.h`) and is
 * written down here as a fact. Recipes and pitfalls: shared/TOOLCHAIN.md §3.
 *
 * - `uc_ctl` is variadic; it is bound as fixed-arity aliases, which is sound on
 *   the x86-64 SysV host for integer arguments only (TOOLCHAIN.md §3 pitfall 5).
 * - Hooks added after code was translated do not fire for cached TBs: call
 *   `removeCache` over the mapped code range first (pitfall 1). Memory hooks
 *   (`hookAdd`) are exempt (measured). The budget uses `uc_emu_start`'s
 *   `count` (instructions), or a block hook on engines that run often
 *   (`EngineOptions.budgetUnit`: `count` costs ~42 µs per run).
 * - Reset SP and the return address before every run (pitfall 2): `Engine` does
 *   not remember anything between runs, callers set what they need.
 * - s390x is opened in big-endian mode (mode 0 gives `UC_ERR_MODE`); register
 *   values are read in host order, guest memory is raw bytes (pitfall 3).
 * - `until` must lie inside a mapped page (pitfall 6).
 * - ppc64 cannot run in 2.0.1 (`UC_ERR_EXCEPTION`/`UC_ERR_MODE`); it is not in
 *   the table; the oracle uses qemu-user for it (oracle/qemu.ts).
 *
 * @module
 */

/** Architectures this binding can open. */
export type UcArchName = "x86_64" | "arm64" | "riscv64" | "s390x" | "arm32";

// ---- constants (unicorn 2.0.1 headers) ----

/** `uc_arch`. */
export const UC_ARCH = {
  ARM: 1,
  ARM64: 2,
  MIPS: 3,
  X86: 4,
  PPC: 5,
  SPARC: 6,
  M68K: 7,
  RISCV: 8,
  S390X: 9,
} as const;
/** `uc_mode` bits. */
export const UC_MODE = {
  LITTLE_ENDIAN: 0,
  ARM: 0,
  THUMB: 16,
  MODE_32: 4,
  MODE_64: 8,
  RISCV64: 8,
  BIG_ENDIAN: 1 << 30,
} as const;
/** `UC_PROT_ALL`. */
export const UC_PROT_ALL = 7;
/** `uc_ctl` request words: `UC_CTL_WRITE(type, nr) = (1 << 30) | (nr << 26) | type`. */
export const UC_CTL = {
  CPU_MODEL_WRITE: 0x44000007,
  TB_REMOVE_CACHE_WRITE: 0x48000009,
  TB_FLUSH_WRITE: 0x4000000a,
  /** `UC_CTL_WRITE(UC_CTL_UC_USE_EXITS, 1)`, arg int. */
  USE_EXITS_WRITE: 0x44000004,
  /** `UC_CTL_WRITE(UC_CTL_UC_EXITS, 2)`, args (uint64_t *exits, size_t len). */
  EXITS_WRITE: 0x48000006,
} as const;
/** `uc_hook_type` bits: memory hooks (`Engine.hookAdd`) and the block hook of block budgets. */
export const UC_HOOK = {
  BLOCK: 1 << 3,
  MEM_READ: 1 << 10,
  MEM_WRITE: 1 << 11,
} as const;
/** `uc_mem_type` of a memory hook callback. */
export const UC_MEM = { READ: 16, WRITE: 17 } as const;

/** `uc_err` names by value. */
export const UC_ERR_NAMES = [
  "UC_ERR_OK",
  "UC_ERR_NOMEM",
  "UC_ERR_ARCH",
  "UC_ERR_HANDLE",
  "UC_ERR_MODE",
  "UC_ERR_VERSION",
  "UC_ERR_READ_UNMAPPED",
  "UC_ERR_WRITE_UNMAPPED",
  "UC_ERR_FETCH_UNMAPPED",
  "UC_ERR_HOOK",
  "UC_ERR_INSN_INVALID",
  "UC_ERR_MAP",
  "UC_ERR_WRITE_PROT",
  "UC_ERR_READ_PROT",
  "UC_ERR_FETCH_PROT",
  "UC_ERR_ARG",
  "UC_ERR_READ_UNALIGNED",
  "UC_ERR_WRITE_UNALIGNED",
  "UC_ERR_FETCH_UNALIGNED",
  "UC_ERR_HOOK_EXIST",
  "UC_ERR_RESOURCE",
  "UC_ERR_EXCEPTION",
] as const;

/** Error codes that mean the guest touched memory it may not touch. */
const MEMORY_ERRORS = new Set([6, 7, 8, 12, 13, 14, 16, 17, 18]);

/** One register: unicorn id and width in bytes. */
export interface RegInfo {
  id: number;
  bytes: number;
}

/** What `Engine.open` needs to know about an architecture. */
export interface UcArchSpec {
  name: UcArchName;
  ucArch: number;
  ucMode: number;
  /** `uc_ctl` CPU model, set right after `uc_open` (null: unicorn's default). */
  cpuModel: number | null;
  bigEndian: boolean;
  /** Bytes in a general-purpose register. */
  regBytes: 4 | 8;
  pc: string;
  sp: string;
  /** Return-address register (null on x86_64: `call` pushes it). */
  lr: string | null;
  /** Every register the wrapper knows, by lower-case name (aliases included). */
  regs: Record<string, RegInfo>;
  /** Register writes done once after opening (enable the FPU, ...). */
  setup: [string, bigint][];
}

function seq(prefix: string, from: number, to: number, id0: number, bytes: number) {
  const out: Record<string, RegInfo> = {};
  for (let n = from; n <= to; n++) out[`${prefix}${n}`] = { id: id0 + n - from, bytes };
  return out;
}

const X86_64: UcArchSpec = {
  name: "x86_64",
  ucArch: UC_ARCH.X86,
  ucMode: UC_MODE.MODE_64,
  cpuModel: null,
  bigEndian: false,
  regBytes: 8,
  pc: "rip",
  sp: "rsp",
  lr: null,
  regs: {
    rax: { id: 35, bytes: 8 },
    rbp: { id: 36, bytes: 8 },
    rbx: { id: 37, bytes: 8 },
    rcx: { id: 38, bytes: 8 },
    rdi: { id: 39, bytes: 8 },
    rdx: { id: 40, bytes: 8 },
    rip: { id: 41, bytes: 8 },
    rsi: { id: 43, bytes: 8 },
    rsp: { id: 44, bytes: 8 },
    eflags: { id: 25, bytes: 8 },
    ...seq("r", 8, 15, 106, 8),
    ...seq("xmm", 0, 15, 122, 16),
  },
  setup: [],
};

const ARM64: UcArchSpec = {
  name: "arm64",
  ucArch: UC_ARCH.ARM64,
  ucMode: UC_MODE.ARM,
  cpuModel: 3, // UC_CPU_ARM64_MAX
  bigEndian: false,
  regBytes: 8,
  pc: "pc",
  sp: "sp",
  lr: "x30",
  regs: {
    ...seq("x", 0, 28, 199, 8),
    x29: { id: 1, bytes: 8 },
    x30: { id: 2, bytes: 8 },
    fp: { id: 1, bytes: 8 },
    lr: { id: 2, bytes: 8 },
    nzcv: { id: 3, bytes: 8 },
    sp: { id: 4, bytes: 8 },
    pc: { id: 260, bytes: 8 },
    cpacr_el1: { id: 261, bytes: 8 },
    ...seq("q", 0, 31, 104, 16),
    ...seq("v", 0, 31, 228, 16),
  },
  setup: [],
};

/** RISC-V ABI register names in x0..x31 order. */
export const RISCV_ABI_NAMES: readonly string[] = [
  "zero",
  "ra",
  "sp",
  "gp",
  "tp",
  "t0",
  "t1",
  "t2",
  "s0",
  "s1",
  "a0",
  "a1",
  "a2",
  "a3",
  "a4",
  "a5",
  "a6",
  "a7",
  "s2",
  "s3",
  "s4",
  "s5",
  "s6",
  "s7",
  "s8",
  "s9",
  "s10",
  "s11",
  "t3",
  "t4",
  "t5",
  "t6",
]; // deno-fmt-ignore
const RISCV_FP_ABI_NAMES = [
  "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1",
  "fa0", "fa1", "fa2", "fa3", "fa4", "fa5", "fa6", "fa7",
  "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
]; // deno-fmt-ignore

const RISCV64: UcArchSpec = {
  name: "riscv64",
  ucArch: UC_ARCH.RISCV,
  ucMode: UC_MODE.RISCV64,
  cpuModel: null,
  bigEndian: false,
  regBytes: 8,
  pc: "pc",
  sp: "sp",
  lr: "ra",
  regs: {
    ...seq("x", 0, 31, 1, 8),
    ...Object.fromEntries(RISCV_ABI_NAMES.map((n, i) => [n, { id: 1 + i, bytes: 8 }])),
    fp: { id: 9, bytes: 8 },
    ...seq("f", 0, 31, 158, 8),
    ...Object.fromEntries(RISCV_FP_ABI_NAMES.map((n, i) => [n, { id: 158 + i, bytes: 8 }])),
    pc: { id: 190, bytes: 8 },
    mstatus: { id: 116, bytes: 8 },
  },
  // FP instructions trap until mstatus.FS != 0 (TOOLCHAIN.md §3).
  setup: [["mstatus", 1n << 13n]],
};

const S390X: UcArchSpec = {
  name: "s390x",
  ucArch: UC_ARCH.S390X,
  ucMode: UC_MODE.BIG_ENDIAN,
  cpuModel: null,
  bigEndian: true,
  regBytes: 8,
  pc: "pc",
  sp: "r15",
  lr: "r14",
  regs: {
    ...seq("r", 0, 15, 1, 8),
    ...seq("f", 0, 15, 17, 8),
    ...seq("a", 0, 15, 49, 4),
    pc: { id: 65, bytes: 8 },
    pswm: { id: 66, bytes: 8 },
  },
  setup: [],
};

const ARM32: UcArchSpec = {
  name: "arm32",
  ucArch: UC_ARCH.ARM,
  ucMode: UC_MODE.ARM,
  cpuModel: 17, // UC_CPU_ARM_CORTEX_A15: ARMv7-A, VFPv4-D32 + NEON (what armhf targets)
  bigEndian: false,
  regBytes: 4,
  pc: "pc",
  sp: "sp",
  lr: "lr",
  regs: {
    ...seq("r", 0, 12, 66, 4),
    r13: { id: 12, bytes: 4 },
    r14: { id: 10, bytes: 4 },
    r15: { id: 11, bytes: 4 },
    sp: { id: 12, bytes: 4 },
    lr: { id: 10, bytes: 4 },
    pc: { id: 11, bytes: 4 },
    cpsr: { id: 3, bytes: 4 },
    fpexc: { id: 4, bytes: 4 },
    fpscr: { id: 6, bytes: 4 },
    ...seq("d", 0, 31, 14, 8),
    ...seq("s", 0, 31, 79, 4),
    ...seq("q", 0, 15, 50, 16),
  },
  // VFP/NEON off after reset: FPEXC.EN (bit 30) must be set or vldr/vmov trap.
  setup: [["fpexc", 1n << 30n]],
};

/** The architectures unicorn 2.0.1 runs for trampolint. */
export const UC_ARCHES: Record<UcArchName, UcArchSpec> = {
  x86_64: X86_64,
  arm64: ARM64,
  riscv64: RISCV64,
  s390x: S390X,
  arm32: ARM32,
};

// ---- the library ----

const SYMBOLS = {
  uc_version: { parameters: ["buffer", "buffer"], result: "u32" },
  uc_open: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  uc_close: { parameters: ["pointer"], result: "i32" },
  uc_strerror: { parameters: ["i32"], result: "pointer" },
  uc_mem_map: { parameters: ["pointer", "u64", "usize", "u32"], result: "i32" },
  uc_mem_unmap: { parameters: ["pointer", "u64", "usize"], result: "i32" },
  uc_mem_write: { parameters: ["pointer", "u64", "buffer", "usize"], result: "i32" },
  uc_mem_read: { parameters: ["pointer", "u64", "buffer", "usize"], result: "i32" },
  uc_reg_write: { parameters: ["pointer", "i32", "buffer"], result: "i32" },
  uc_reg_read: { parameters: ["pointer", "i32", "buffer"], result: "i32" },
  uc_emu_start: { parameters: ["pointer", "u64", "u64", "u64", "usize"], result: "i32" },
  uc_emu_stop: { parameters: ["pointer"], result: "i32" },
  // uc_ctl is variadic: fixed-arity aliases (integer args only; x86-64 SysV host).
  uc_ctl_1i32: { name: "uc_ctl", parameters: ["pointer", "i32", "i32"], result: "i32" },
  uc_ctl_2u64: { name: "uc_ctl", parameters: ["pointer", "i32", "u64", "u64"], result: "i32" },
  uc_ctl_buf: { name: "uc_ctl", parameters: ["pointer", "i32", "buffer", "usize"], result: "i32" },
  // uc_hook_add is variadic after `end` (only UC_HOOK_INSN/TCG_OPCODE take more):
  // (uc, &hh, type, callback, user_data, begin, end)
  uc_hook_add: {
    parameters: ["pointer", "buffer", "i32", "function", "pointer", "u64", "u64"],
    result: "i32",
  },
  uc_hook_del: { parameters: ["pointer", "usize"], result: "i32" },
} as const;

/** `uc_cb_hookcode_t(uc, address, size, user_data)` (block hooks). */
const HOOK_BLOCK_DEF = {
  parameters: ["pointer", "u64", "u32", "pointer"],
  result: "void",
} as const;

/** `uc_cb_hookmem_t(uc, type, address, size, value, user_data)`. */
const HOOK_MEM_DEF = {
  parameters: ["pointer", "i32", "u64", "i32", "i64", "pointer"],
  result: "void",
} as const;

/**
 * A memory hook callback: the access type (`UC_MEM`), address, size in bytes
 * and (writes) the value written, sign-extended to 64 bits.
 */
export type MemHookFn = (type: number, addr: bigint, size: number, value: bigint) => void;

type UcLib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Thrown when libunicorn.so.2 cannot be loaded (or FFI is not permitted). */
export class UnicornMissingError extends Error {
  constructor(cause: string, notPermitted = false) {
    super(
      notPermitted
        ? `libunicorn.so.2 cannot be loaded: FFI is not permitted (run Deno with --allow-ffi): ${cause}`
        : `libunicorn.so.2 could not be loaded (install Debian package libunicorn2): ${cause}`,
    );
    this.name = "UnicornMissingError";
  }
}

let lib: UcLib | null = null;
let loadError: UnicornMissingError | null = null;

/** The bound library (loaded on first use); throws `UnicornMissingError`. */
export function unicorn(): UcLib {
  if (lib) return lib;
  if (loadError !== null) throw loadError;
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("TRAMPOLINT_LIBUNICORN");
  } catch { /* no --allow-env: use the default names */ }
  const candidates = [
    fromEnv,
    "libunicorn.so.2",
    "/usr/lib/x86_64-linux-gnu/libunicorn.so.2",
  ].filter((x): x is string => !!x);
  const errors: string[] = [];
  for (const path of candidates) {
    try {
      lib = Deno.dlopen(path, SYMBOLS).symbols;
      return lib;
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable) {
        loadError = new UnicornMissingError(e.message, true);
        throw loadError;
      }
      errors.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  loadError = new UnicornMissingError(errors.join("; "));
  throw loadError;
}

/** Null when unicorn can be used here, else the reason it cannot (for test skips). */
export function unicornUnavailable(): string | null {
  try {
    unicorn();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** `uc_version()` as [major, minor]. */
export function unicornVersion(): [number, number] {
  const maj = new Uint32Array(1), min = new Uint32Array(1);
  unicorn().uc_version(maj, min);
  return [maj[0], min[0]];
}

/** The text of a unicorn error code. */
export function ucStrerror(code: number): string {
  const p = unicorn().uc_strerror(code);
  return p ? new Deno.UnsafePointerView(p).getCString() : `error ${code}`;
}

/** A failed unicorn call. `memory` is true for invalid memory accesses by the guest. */
export class UcError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly memory: boolean;
  readonly pc: bigint | null;
  constructor(what: string, code: number, pc: bigint | null = null) {
    const codeName = UC_ERR_NAMES[code] ?? `UC_ERR_${code}`;
    const at = pc === null ? "" : ` at pc=0x${pc.toString(16)}`;
    const kind = MEMORY_ERRORS.has(code) ? "invalid memory access: " : "";
    super(`${what}: ${kind}${codeName} (${ucStrerror(code)})${at}`);
    this.name = "UcError";
    this.code = code;
    this.codeName = codeName;
    this.memory = MEMORY_ERRORS.has(code);
    this.pc = pc;
  }
}

/** A run that did not reach `until` within its instruction budget or time. */
export class EmuLimitError extends Error {
  readonly limit: "budget" | "timeout";
  readonly pc: bigint;
  constructor(limit: "budget" | "timeout", detail: string, pc: bigint) {
    super(`emulation stopped at pc=0x${pc.toString(16)}: ${detail}`);
    this.name = "EmuLimitError";
    this.limit = limit;
    this.pc = pc;
  }
}

/** Options of one `Engine.run`. */
export interface RunOptions {
  /** First instruction (ARM: set bit 0 for Thumb code). */
  begin: bigint;
  /** Stop when the PC reaches this address (must be in a mapped page). */
  until: bigint;
  /**
   * Maximum number of instructions (default 100,000), or of translation-block
   * executions on an engine opened with `budgetUnit: "blocks"`; always enforced.
   */
  budget?: number;
  /**
   * Wall-clock limit in µs (default 1,000,000). By default it is checked when
   * the run returns (the budget already bounds the run); with `hardTimeout`
   * Unicorn's timer thread stops the run, which costs ~0.5 ms per run.
   */
  timeoutUs?: number;
  hardTimeout?: boolean;
}

/** How a run ended. */
export interface RunResult {
  /** PC after the run (equals `until` on success). */
  pc: bigint;
  /** Elapsed wall time in µs. */
  elapsedUs: number;
}

/** Default instruction budget of a run. */
export const DEFAULT_BUDGET = 100_000;
/** Default timeout of a run (µs). */
export const DEFAULT_TIMEOUT_US = 1_000_000;

/** Options of `Engine.open`. */
export interface EngineOptions {
  /**
   * What a run's `budget` counts. "instructions" (default) passes it as
   * `uc_emu_start`'s `count`, which on 2.0.1 costs ~42 µs per run (measured:
   * 48 µs vs 6 µs for a 32-instruction run). "blocks" counts executed
   * translation blocks in a block hook added once at open and stops the run
   * with `uc_emu_stop`: ~0.2 µs per block, no fixed cost. Fixed per engine:
   * switching `count` on and off between runs flushes every TB.
   */
  budgetUnit?: "instructions" | "blocks";
}

/**
 * Called (engines with `budgetUnit: "blocks"`) before every translation block
 * runs, with the block's address; registers and memory are those at that
 * address, and may be read or written, and memory hooks added or removed.
 * Return true to stop the run there (`run` then returns without error).
 */
export type BlockListener = (addr: bigint) => boolean | void;

/** One unicorn engine. Call `close()` when done (engines hold ~1 GiB of virtual memory). */
export class Engine {
  readonly spec: UcArchSpec;
  #uc: Deno.PointerValue;
  #lib: UcLib;
  #buf = new Uint8Array(16);
  #buf64 = new BigUint64Array(this.#buf.buffer);
  #closed = false;
  #maps: [bigint, bigint][] = [];
  /** One native callback per JS hook function (kept alive until close). */
  #callbacks = new Map<MemHookFn, Deno.UnsafeCallback<typeof HOOK_MEM_DEF>>();
  #hh = new BigUint64Array(1);
  /** What `budget` counts (EngineOptions.budgetUnit). */
  readonly budgetUnit: "instructions" | "blocks";
  #blocks = 0;
  #blockLimit = 0;
  #blockHook: Deno.UnsafeCallback<typeof HOOK_BLOCK_DEF> | null = null;
  #listener: BlockListener | null = null;
  #listenerError: unknown = null;
  #stopped = false;

  private constructor(
    spec: UcArchSpec,
    uc: Deno.PointerValue,
    l: UcLib,
    unit: "instructions" | "blocks",
  ) {
    this.spec = spec;
    this.#uc = uc;
    this.#lib = l;
    this.budgetUnit = unit;
  }

  /** Open an engine for `arch` (CPU model and FPU enabled as the arch needs). */
  static open(arch: UcArchName, opts: EngineOptions = {}): Engine {
    const l = unicorn();
    const spec = UC_ARCHES[arch];
    const out = new BigUint64Array(1);
    const rc = l.uc_open(spec.ucArch, spec.ucMode, out);
    if (rc !== 0) throw new UcError(`uc_open(${arch})`, rc);
    const e = new Engine(
      spec,
      Deno.UnsafePointer.create(out[0]),
      l,
      opts.budgetUnit ?? "instructions",
    );
    try {
      if (spec.cpuModel !== null) {
        // must come right after uc_open
        const rc2 = l.uc_ctl_1i32(e.#uc, UC_CTL.CPU_MODEL_WRITE, spec.cpuModel);
        if (rc2 !== 0) throw new UcError(`uc_ctl(CPU_MODEL=${spec.cpuModel})`, rc2);
      }
      for (const [r, v] of spec.setup) e.regWrite(r, e.regRead(r) | v);
      if (e.budgetUnit === "blocks") e.#addBlockHook();
    } catch (err) {
      e.close();
      throw err;
    }
    return e;
  }

  /** Blocks the last run executed (engines opened with `budgetUnit: "blocks"`; else 0). */
  get lastRunBlocks(): number {
    return this.#blocks;
  }

  /** The permanent block hook that enforces block budgets (before any code is translated). */
  #addBlockHook(): void {
    const cb = new Deno.UnsafeCallback(HOOK_BLOCK_DEF, (_uc, addr) => {
      if (this.#stopped) return;
      if (++this.#blocks > this.#blockLimit) {
        this.#stopped = true;
        this.#lib.uc_emu_stop(this.#uc);
        return;
      }
      const l = this.#listener;
      if (l === null) return;
      let stop: boolean | void;
      try {
        stop = l(BigInt.asUintN(64, BigInt(addr)));
      } catch (err) {
        // an exception must not unwind through unicorn: keep it for `run`
        this.#listenerError = err;
        stop = true;
      }
      if (stop) {
        this.#stopped = true;
        this.#lib.uc_emu_stop(this.#uc);
      }
    });
    this.#blockHook = cb;
    // begin > end: every address
    const rc = this.#lib.uc_hook_add(this.#uc, this.#hh, UC_HOOK.BLOCK, cb.pointer, null, 1n, 0n);
    if (rc !== 0) throw new UcError("uc_hook_add(BLOCK)", rc);
  }

  /**
   * Set (or clear with null) the block listener. Only engines opened with
   * `budgetUnit: "blocks"` have the block hook that calls it.
   */
  setBlockListener(l: BlockListener | null): void {
    if (this.budgetUnit !== "blocks") throw new Error('block listeners need budgetUnit: "blocks"');
    this.#listener = l;
  }

  #live(): Deno.PointerValue {
    if (this.#closed) throw new Error(`unicorn engine (${this.spec.name}) used after close()`);
    return this.#uc;
  }

  #reg(name: string): RegInfo {
    const r = this.spec.regs[name.toLowerCase()];
    if (!r) throw new Error(`${this.spec.name}: unknown register ${name}`);
    return r;
  }

  /** Map `size` bytes (page multiples) at `addr`. */
  map(addr: bigint, size: number, prot = UC_PROT_ALL): void {
    const rc = this.#lib.uc_mem_map(this.#live(), addr, BigInt(size), prot);
    if (rc !== 0) {
      throw new UcError(`uc_mem_map(0x${addr.toString(16)}, 0x${size.toString(16)})`, rc);
    }
    this.#maps.push([addr, addr + BigInt(size)]);
  }

  /** The mapped ranges [start, end). */
  get maps(): readonly [bigint, bigint][] {
    return this.#maps;
  }

  /** True when [addr, addr+len) is inside one mapped range. */
  isMapped(addr: bigint, len = 1): boolean {
    return this.#maps.some(([a, b]) => addr >= a && addr + BigInt(len) <= b);
  }

  /** Write guest memory. */
  write(addr: bigint, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const rc = this.#lib.uc_mem_write(this.#live(), addr, bytes, BigInt(bytes.length));
    if (rc !== 0) throw new UcError(`uc_mem_write(0x${addr.toString(16)}, ${bytes.length})`, rc);
  }

  /** Read guest memory into `into` (or a new array of `len`). */
  read(addr: bigint, len: number, into?: Uint8Array): Uint8Array {
    const out = into ?? new Uint8Array(len);
    if (out.length === 0) return out;
    const rc = this.#lib.uc_mem_read(this.#live(), addr, out, BigInt(out.length));
    if (rc !== 0) throw new UcError(`uc_mem_read(0x${addr.toString(16)}, ${out.length})`, rc);
    return out;
  }

  /** Write a register: a bigint (zero-extended to the register) or its value bytes (LSB first). */
  regWrite(name: string, value: bigint | Uint8Array): void {
    const r = this.#reg(name);
    this.#buf.fill(0);
    if (typeof value === "bigint") {
      this.#buf64[0] = BigInt.asUintN(64, value);
      this.#buf64[1] = BigInt.asUintN(64, value >> 64n);
    } else this.#buf.set(value.subarray(0, 16));
    const rc = this.#lib.uc_reg_write(this.#live(), r.id, this.#buf);
    if (rc !== 0) throw new UcError(`uc_reg_write(${name})`, rc);
  }

  /** Read a register as an unsigned bigint (128-bit registers included). */
  regRead(name: string): bigint {
    const b = this.regBytes(name);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }

  /** A register's value bytes, least significant first (host order; independent of guest endianness). */
  regBytes(name: string): Uint8Array {
    const r = this.#reg(name);
    this.#buf.fill(0);
    const rc = this.#lib.uc_reg_read(this.#live(), r.id, this.#buf);
    if (rc !== 0) throw new UcError(`uc_reg_read(${name})`, rc);
    return this.#buf.slice(0, r.bytes);
  }

  /** Invalidate translated code in [begin, end) (must start in mapped memory). */
  removeCache(begin: bigint, end: bigint): void {
    const rc = this.#lib.uc_ctl_2u64(this.#live(), UC_CTL.TB_REMOVE_CACHE_WRITE, begin, end);
    if (rc !== 0) throw new UcError("uc_ctl(TB_REMOVE_CACHE)", rc);
  }

  /**
   * Add a memory hook (`UC_HOOK.MEM_WRITE` / `MEM_READ`) over [begin, end]
   * (both inclusive; begin > end: every address). Returns the hook handle for
   * `hookDel`. The callback runs synchronously inside `run`.
   *
   * Measured on 2.0.1 (unicorn_test.ts, and a scratch check without any earlier
   * hook): unlike code hooks (TOOLCHAIN.md §3 pitfall 1), a memory-write hook
   * added after the code was translated does fire for the cached blocks, so
   * hooks can be added and removed per run without `removeCache`.
   */
  hookAdd(type: number, callback: MemHookFn, begin: bigint, end: bigint): bigint {
    const uc = this.#live();
    let cb = this.#callbacks.get(callback);
    if (!cb) {
      cb = new Deno.UnsafeCallback(
        HOOK_MEM_DEF,
        (_uc, t, addr, size, value) => callback(t, addr, size, value),
      );
      this.#callbacks.set(callback, cb);
    }
    this.#hh[0] = 0n;
    const rc = this.#lib.uc_hook_add(uc, this.#hh, type, cb.pointer, null, begin, end);
    if (rc !== 0) throw new UcError(`uc_hook_add(type=${type})`, rc);
    return this.#hh[0];
  }

  /** Remove a hook added by `hookAdd`. */
  hookDel(handle: bigint): void {
    const rc = this.#lib.uc_hook_del(this.#live(), handle);
    if (rc !== 0) throw new UcError("uc_hook_del", rc);
  }

  /**
   * Run from `begin` until the PC reaches `until`. Throws `UcError` (with
   * `memory` set for invalid memory accesses) when unicorn stops with an error,
   * and `EmuLimitError` when the budget or the timeout ran out first.
   */
  run(opts: RunOptions): RunResult {
    const budget = opts.budget ?? DEFAULT_BUDGET;
    const timeoutUs = opts.timeoutUs ?? DEFAULT_TIMEOUT_US;
    if (!(budget > 0)) throw new Error("instruction budget must be positive");
    const blocks = this.budgetUnit === "blocks";
    this.#blocks = 0;
    this.#blockLimit = budget;
    this.#stopped = false;
    this.#listenerError = null;
    const t0 = performance.now();
    const rc = this.#lib.uc_emu_start(
      this.#live(),
      opts.begin,
      opts.until,
      BigInt(opts.hardTimeout ? timeoutUs : 0),
      blocks ? 0n : BigInt(budget),
    );
    const elapsedUs = (performance.now() - t0) * 1000;
    const pc = this.regRead(this.spec.pc);
    if (this.#listenerError !== null) {
      const err = this.#listenerError;
      this.#listenerError = null;
      throw err;
    }
    if (rc !== 0) throw new UcError(`run from 0x${opts.begin.toString(16)}`, rc, pc);
    if (this.#stopped && this.#blocks <= this.#blockLimit) return { pc, elapsedUs };
    const until = this.spec.name === "arm32" ? opts.until & ~1n : opts.until;
    if (timeoutUs > 0 && elapsedUs > timeoutUs) {
      throw new EmuLimitError("timeout", `timeout of ${timeoutUs} µs reached`, pc);
    }
    if (pc !== until) {
      if (opts.hardTimeout && timeoutUs > 0 && elapsedUs >= timeoutUs * 0.9) {
        throw new EmuLimitError("timeout", `timeout of ${timeoutUs} µs reached`, pc);
      }
      throw new EmuLimitError(
        "budget",
        `${blocks ? "block" : "instruction"} budget of ${budget} exhausted before reaching 0x${
          until.toString(16)
        }`,
        pc,
      );
    }
    return { pc, elapsedUs };
  }

  /** Close the engine (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lib.uc_close(this.#uc);
    this.#blockHook?.close();
    for (const cb of this.#callbacks.values()) cb.close();
    this.#callbacks.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
