/**
 * Capstone 4 (Debian `libcapstone4`, `libcapstone.so.4`) bound with
 * `Deno.dlopen`: disassembly for reports and tests (TOOLCHAIN.md §4).
 * SKIPDATA is on, so data words between instructions do not stop decoding.
 *
 * @module
 */

/** Architectures this binding disassembles. */
export type CsArchName = "x86_64" | "arm64" | "arm32" | "thumb" | "s390x" | "ppc64" | "ppc64be";

const CS_ARCH = { ARM: 0, ARM64: 1, X86: 3, PPC: 4, SYSZ: 6 } as const;
const CS_MODE = { ARM: 0, THUMB: 16, M64: 8, BE: 0x80000000 } as const;
const CS_OPT_SYNTAX = 1, CS_OPT_SKIPDATA = 5, CS_OPT_ON = 3, CS_OPT_SYNTAX_INTEL = 1;
const INSN_SIZE = 240;

const MODES: Record<CsArchName, [number, number]> = {
  x86_64: [CS_ARCH.X86, CS_MODE.M64],
  arm64: [CS_ARCH.ARM64, CS_MODE.ARM],
  arm32: [CS_ARCH.ARM, CS_MODE.ARM],
  thumb: [CS_ARCH.ARM, CS_MODE.THUMB],
  s390x: [CS_ARCH.SYSZ, CS_MODE.BE | 0], // | 0: the i32 FFI parameter needs 1 << 31 as a signed value
  ppc64: [CS_ARCH.PPC, CS_MODE.M64],
  ppc64be: [CS_ARCH.PPC, CS_MODE.M64 | CS_MODE.BE],
};

const SYMBOLS = {
  cs_open: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  cs_option: { parameters: ["usize", "i32", "usize"], result: "i32" },
  cs_disasm: {
    parameters: ["usize", "buffer", "usize", "u64", "usize", "buffer"],
    result: "usize",
  },
  cs_free: { parameters: ["pointer", "usize"], result: "void" },
  cs_close: { parameters: ["buffer"], result: "i32" },
} as const;

let lib: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] | null = null;

function capstone() {
  if (lib) return lib;
  const errors: string[] = [];
  for (const p of ["libcapstone.so.4", "/usr/lib/x86_64-linux-gnu/libcapstone.so.4"]) {
    try {
      lib = Deno.dlopen(p, SYMBOLS).symbols;
      return lib;
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  throw new Error(
    `libcapstone.so.4 could not be loaded (install libcapstone4): ${errors.join("; ")}`,
  );
}

/** Null when Capstone can be used, else why not. */
export function capstoneUnavailable(): string | null {
  try {
    capstone();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** One decoded instruction. */
export interface Insn {
  address: bigint;
  size: number;
  bytes: Uint8Array;
  mnemonic: string;
  opStr: string;
}

/** Disassemble `code` loaded at `address` (Intel syntax on x86). */
export function disassemble(arch: CsArchName, code: Uint8Array, address = 0n): Insn[] {
  const l = capstone();
  const [a, m] = MODES[arch];
  const h = new BigUint64Array(1);
  const rc = l.cs_open(a, m, h);
  if (rc !== 0) throw new Error(`cs_open(${arch}) failed: ${rc}`);
  const handle = h[0];
  try {
    l.cs_option(handle, CS_OPT_SKIPDATA, BigInt(CS_OPT_ON));
    if (arch === "x86_64") l.cs_option(handle, CS_OPT_SYNTAX, BigInt(CS_OPT_SYNTAX_INTEL));
    const out = new BigUint64Array(1);
    const n = Number(l.cs_disasm(handle, code, BigInt(code.length), address, 0n, out));
    const res: Insn[] = [];
    if (n === 0) return res;
    const ptr = Deno.UnsafePointer.create(out[0])!;
    try {
      const view = new Deno.UnsafePointerView(ptr);
      const dec = new TextDecoder();
      const cstr = (off: number, max: number) => {
        const b = new Uint8Array(view.getArrayBuffer(max, off));
        const z = b.indexOf(0);
        return dec.decode(b.subarray(0, z < 0 ? max : z));
      };
      for (let i = 0; i < n; i++) {
        const o = i * INSN_SIZE;
        const size = view.getUint16(o + 16);
        res.push({
          address: view.getBigUint64(o + 8),
          size,
          bytes: new Uint8Array(view.getArrayBuffer(size, o + 18)).slice(),
          mnemonic: cstr(o + 34, 32),
          opStr: cstr(o + 66, 160),
        });
      }
    } finally {
      l.cs_free(ptr, BigInt(n));
    }
    return res;
  } finally {
    l.cs_close(h);
  }
}

/** `address: bytes  mnemonic op_str` lines. */
export function disassembleText(arch: CsArchName, code: Uint8Array, address = 0n): string {
  return insnsText(disassemble(arch, code, address));
}

/** `address: bytes  mnemonic op_str` lines of decoded instructions (any disassembler). */
export function insnsText(insns: Insn[]): string {
  return insns.map((i) =>
    `  ${i.address.toString(16).padStart(8, "0")}:  ${
      [...i.bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ").padEnd(30)
    } ${i.mnemonic}${i.opStr ? " " + i.opStr : ""}`
  ).join("\n");
}
