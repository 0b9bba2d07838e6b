/**
 * What the placement oracle knows about each architecture it can check: how to
 * compile for it (GCC primary, clang secondary), which registers can carry
 * arguments (searched for argument bytes), how register names alias onto
 * physical register bytes (to compare any spelling `abi.ts` uses), the float
 * formats, and how it runs (Unicorn, or qemu-user for ppc64).
 *
 * These are facts about the targets, not placement rules: which register or
 * slot an argument takes is only ever read from a real compiler's output.
 *
 * @module
 */

import type { ArchName } from "../../arch/types.ts";
import { RISCV_ABI_NAMES } from "../unicorn.ts";

/** Architectures the oracle can compile and run (loongarch64 has no compiler on Debian 12). */
export type OracleArch = Exclude<ArchName, "loongarch64">;

/** The compilers the oracle drives. */
export type Compiler = "gcc" | "clang";

/** Float formats (by size, per arch). */
export type FloatFormat = "binary32" | "binary64" | "x87" | "binary128" | "ibm128";

/** A register that can carry argument bytes, with its width in bytes. */
export interface ArgReg {
  name: string;
  bank: "gpr" | "fpr";
  bytes: number;
}

/** One oracle target. */
export interface Target {
  arch: OracleArch;
  runner: "unicorn" | "qemu";
  bigEndian: boolean;
  regBytes: 4 | 8;
  /** Argument registers searched for argument bytes, in ABI order (GPRs first). */
  argRegs: ArgReg[];
  /**
   * Whether the psABI passes anything by reference at all (s390x, AAPCS64 > 16 B,
   * RISC-V > 2×XLEN). Only gates the search for pointers to argument copies.
   */
  byRefPossible: boolean;
  /** Added to the SP seen at callee entry to get the caller's SP at the call (x86-64: 8, the pushed return address). */
  entrySpToCallerSp: number;
  /** GCC driver and flags for this target. */
  gcc: { cmd: string; flags: string[] };
  /** clang flags (`--target=` included). */
  clang: { cmd: string; flags: string[] };
  /** The linker for flat images (Unicorn targets) or the static link driver (qemu). */
  link: "ld.lld" | "s390x-linux-gnu-ld" | "powerpc64le-linux-gnu-gcc";
  /** qemu-user binary (qemu runner). */
  qemu?: string;
  /** `long double`/`_Float128` formats by size. */
  longDouble: FloatFormat | null;
  /** FPRs hold `float` values in double format (ppc64). */
  floatsAsDouble?: boolean;
  /**
   * `_Alignof(__int128)` per compiler where it is not 16 (the LP64 corpus
   * value): GCC 12 on s390x aligns it to 8, clang 14 to 16.
   */
  int128Align?: Partial<Record<Compiler, number>>;
}

/** Flags every oracle compile uses (TOOLCHAIN.md §2) plus real calls (no sibling-call jumps). */
export const COMMON_CFLAGS = [
  "-ffreestanding",
  "-fno-builtin",
  "-fno-stack-protector",
  "-fno-pic",
  "-fno-asynchronous-unwind-tables",
  "-fno-unwind-tables",
  "-fno-common",
  "-fno-optimize-sibling-calls",
  "-O2",
];

function regs(names: string[], bank: "gpr" | "fpr", bytes: number): ArgReg[] {
  return names.map((name) => ({ name, bank, bytes }));
}

const range = (p: string, a: number, b: number) =>
  Array.from({ length: b - a + 1 }, (_, i) => `${p}${a + i}`);

/** The oracle targets. */
export const TARGETS: Record<OracleArch, Target> = {
  x86_64: {
    arch: "x86_64",
    runner: "unicorn",
    bigEndian: false,
    regBytes: 8,
    argRegs: [
      ...regs(["rdi", "rsi", "rdx", "rcx", "r8", "r9"], "gpr", 8),
      ...regs(range("xmm", 0, 7), "fpr", 16),
    ],
    byRefPossible: false,
    entrySpToCallerSp: 8,
    gcc: { cmd: "gcc", flags: ["-m64"] },
    clang: { cmd: "clang", flags: ["--target=x86_64-linux-gnu"] },
    link: "ld.lld",
    longDouble: "x87",
  },
  arm64: {
    arch: "arm64",
    runner: "unicorn",
    bigEndian: false,
    regBytes: 8,
    argRegs: [...regs(range("x", 0, 7), "gpr", 8), ...regs(range("v", 0, 7), "fpr", 16)],
    byRefPossible: true,
    entrySpToCallerSp: 0,
    gcc: { cmd: "aarch64-linux-gnu-gcc", flags: [] },
    clang: { cmd: "clang", flags: ["--target=aarch64-linux-gnu"] },
    link: "ld.lld",
    longDouble: "binary128",
  },
  riscv64: {
    arch: "riscv64",
    runner: "unicorn",
    bigEndian: false,
    regBytes: 8,
    argRegs: [...regs(range("a", 0, 7), "gpr", 8), ...regs(range("fa", 0, 7), "fpr", 8)],
    byRefPossible: true,
    entrySpToCallerSp: 0,
    gcc: {
      cmd: "riscv64-linux-gnu-gcc",
      flags: ["-march=rv64gc", "-mabi=lp64d", "-mcmodel=medany", "-mno-relax"],
    },
    clang: {
      cmd: "clang",
      flags: [
        "--target=riscv64-linux-gnu",
        "-march=rv64gc",
        "-mabi=lp64d",
        "-mcmodel=medany",
        "-mno-relax",
      ],
    },
    link: "ld.lld",
    longDouble: "binary128",
  },
  s390x: {
    arch: "s390x",
    runner: "unicorn",
    bigEndian: true,
    regBytes: 8,
    argRegs: [
      ...regs(["r2", "r3", "r4", "r5", "r6"], "gpr", 8),
      ...regs(["f0", "f2", "f4", "f6"], "fpr", 8),
    ],
    byRefPossible: true,
    entrySpToCallerSp: 0,
    gcc: { cmd: "s390x-linux-gnu-gcc", flags: [] },
    clang: { cmd: "clang", flags: ["--target=s390x-linux-gnu"] },
    link: "s390x-linux-gnu-ld", // ld.lld 14 segfaults on SystemZ objects
    longDouble: "binary128",
    int128Align: { gcc: 8 },
  },
  arm32: {
    arch: "arm32",
    runner: "unicorn",
    bigEndian: false,
    regBytes: 4,
    argRegs: [...regs(range("r", 0, 3), "gpr", 4), ...regs(range("d", 0, 7), "fpr", 8)],
    byRefPossible: false,
    entrySpToCallerSp: 0,
    gcc: { cmd: "arm-linux-gnueabihf-gcc", flags: [] }, // Thumb-2, armv7-a+fp, hard-float
    clang: {
      cmd: "clang",
      flags: [
        "--target=arm-linux-gnueabihf",
        "-march=armv7-a",
        "-mfloat-abi=hard",
        "-mfpu=vfpv3-d16",
        "-marm",
      ],
    },
    link: "ld.lld",
    longDouble: null, // long double is double (8 bytes)
  },
  ppc64: {
    arch: "ppc64",
    runner: "qemu",
    bigEndian: false,
    regBytes: 8,
    argRegs: [
      ...regs(range("r", 3, 10), "gpr", 8),
      ...regs(range("f", 1, 13), "fpr", 8),
      ...regs(range("v", 2, 13), "fpr", 16),
    ],
    byRefPossible: false,
    entrySpToCallerSp: 0,
    gcc: { cmd: "powerpc64le-linux-gnu-gcc", flags: [] },
    clang: { cmd: "clang", flags: ["--target=powerpc64le-linux-gnu"] },
    link: "powerpc64le-linux-gnu-gcc",
    qemu: "qemu-ppc64le-static",
    longDouble: "ibm128",
    floatsAsDouble: true,
  },
};

/** True for the architectures the oracle knows. */
export function isOracleArch(a: string): a is OracleArch {
  return a in TARGETS;
}

/** The float format of a float type of `size` bytes named `name` on `arch`. */
export function floatFormat(t: Target, size: number, name: string): FloatFormat | null {
  if (size === 4) return "binary32";
  if (size === 8) return "binary64";
  if (size === 16) {
    if (/128/.test(name)) return "binary128";
    return t.longDouble === null ? null : t.longDouble;
  }
  return null;
}

/**
 * Physical register bytes a register name denotes: the register file (one
 * physical register, or arm32's whole VFP bank "vfp"), the index of the name's
 * least significant byte in that file, and the name's width. Accepts the
 * spellings ABI docs and Capstone print (`edi`, `w3`, `q0`, `d1`, `s3`, `x10`,
 * `fa0`, `f10`, `%r2`, ...). Null for names that are not argument-capable here.
 */
export interface RegCell {
  file: string;
  base: number;
  width: number;
  bank: "gpr" | "fpr";
}

const X86_GPR: Record<string, string[]> = {
  rdi: ["rdi", "edi", "di", "dil"],
  rsi: ["rsi", "esi", "si", "sil"],
  rdx: ["rdx", "edx", "dx", "dl"],
  rcx: ["rcx", "ecx", "cx", "cl"],
  r8: ["r8", "r8d", "r8w", "r8b"],
  r9: ["r9", "r9d", "r9w", "r9b"],
  rax: ["rax", "eax", "ax", "al"],
};
/** RISC-V ABI register names x0..x17 (the argument registers and below). */
const RV_ABI_X = RISCV_ABI_NAMES.slice(0, 18);

/** Resolve a register name on `arch` to its physical bytes. */
export function regCell(arch: OracleArch, raw: string): RegCell | null {
  const name = raw.trim().toLowerCase().replace(/^[%$]/, "");
  let m: RegExpMatchArray | null;
  switch (arch) {
    case "x86_64": {
      for (const [canon, aliases] of Object.entries(X86_GPR)) {
        const i = aliases.indexOf(name);
        if (i >= 0) return { file: canon, base: 0, width: [8, 4, 2, 1][i], bank: "gpr" };
      }
      if ((m = name.match(/^[xy]mm(\d+)$/))) {
        return { file: `xmm${m[1]}`, base: 0, width: 16, bank: "fpr" };
      }
      return null;
    }
    case "arm64":
      if ((m = name.match(/^[xw](\d+)$/)) && +m[1] <= 30) {
        return { file: `x${m[1]}`, base: 0, width: name[0] === "x" ? 8 : 4, bank: "gpr" };
      }
      if ((m = name.match(/^([vqdshb])(\d+)$/)) && +m[2] <= 31) {
        const w = { v: 16, q: 16, d: 8, s: 4, h: 2, b: 1 }[m[1]]!;
        return { file: `v${m[2]}`, base: 0, width: w, bank: "fpr" };
      }
      return null;
    case "riscv64":
      if ((m = name.match(/^x(\d+)$/)) && +m[1] <= 31) {
        const n = +m[1];
        return {
          file: n >= 10 && n <= 17 ? `a${n - 10}` : `x${n}`,
          base: 0,
          width: 8,
          bank: "gpr",
        };
      }
      if (RV_ABI_X.includes(name)) {
        const n = RV_ABI_X.indexOf(name);
        return { file: n >= 10 ? name : `x${n}`, base: 0, width: 8, bank: "gpr" };
      }
      if (name === "fp") return { file: "x8", base: 0, width: 8, bank: "gpr" };
      if ((m = name.match(/^fa(\d)$/)) && +m[1] <= 7) {
        return { file: `fa${m[1]}`, base: 0, width: 8, bank: "fpr" };
      }
      if ((m = name.match(/^f(\d+)$/)) && +m[1] <= 31) {
        const n = +m[1];
        return {
          file: n >= 10 && n <= 17 ? `fa${n - 10}` : `f${n}`,
          base: 0,
          width: 8,
          bank: "fpr",
        };
      }
      return null;
    case "s390x":
      if ((m = name.match(/^r(\d+)$/)) && +m[1] <= 15) {
        return { file: `r${m[1]}`, base: 0, width: 8, bank: "gpr" };
      }
      if ((m = name.match(/^f(\d+)$/)) && +m[1] <= 15) {
        return { file: `f${m[1]}`, base: 0, width: 8, bank: "fpr" };
      }
      return null;
    case "arm32":
      if ((m = name.match(/^r(\d+)$/)) && +m[1] <= 15) {
        return { file: `r${m[1]}`, base: 0, width: 4, bank: "gpr" };
      }
      if ((m = name.match(/^s(\d+)$/)) && +m[1] <= 31) {
        return { file: "vfp", base: 4 * +m[1], width: 4, bank: "fpr" };
      }
      if ((m = name.match(/^d(\d+)$/)) && +m[1] <= 31) {
        return { file: "vfp", base: 8 * +m[1], width: 8, bank: "fpr" };
      }
      if ((m = name.match(/^q(\d+)$/)) && +m[1] <= 15) {
        return { file: "vfp", base: 16 * +m[1], width: 16, bank: "fpr" };
      }
      return null;
    case "ppc64":
      if ((m = name.match(/^r(\d+)$/)) && +m[1] <= 31) {
        return { file: `r${m[1]}`, base: 0, width: 8, bank: "gpr" };
      }
      if ((m = name.match(/^f(\d+)$/)) && +m[1] <= 31) {
        return { file: `f${m[1]}`, base: 0, width: 8, bank: "fpr" };
      }
      if ((m = name.match(/^v(\d+)$/)) && +m[1] <= 31) {
        return { file: `v${m[1]}`, base: 0, width: 16, bank: "fpr" };
      }
      return null;
  }
}

/** The file a dumped argument register belongs to, and where its byte 0 sits in it. */
export function dumpRegCell(arch: OracleArch, reg: ArgReg): RegCell {
  const c = regCell(arch, reg.name);
  if (!c) throw new Error(`${arch}: ${reg.name} is not a register`);
  return { ...c, width: reg.bytes };
}
