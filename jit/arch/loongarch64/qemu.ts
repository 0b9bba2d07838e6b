/**
 * Runs raw LoongArch64 machine code under `qemu-loongarch64-static` (Debian
 * qemu-user-static 7.2 ships it; TOOLCHAIN.md §2), for checking our encoder
 * by behaviour: nothing on Debian 12 can assemble or disassemble LoongArch, but
 * qemu's CPU model executes it. The code is wrapped in a minimal static ELF64
 * executable (one RWX PT_LOAD segment) that we write ourselves.
 *
 * Convention for test programs: on entry `a0` points at a zeroed 4 KiB scratch
 * buffer; the program ends with `exitWith(...)`-style code of its own (see
 * `writeAndExit`), so everything it reports goes to stdout.
 *
 * @module
 */

import * as L from "./encode.ts";
import { runTool, toolUnavailable } from "../../tools.ts";

const { R } = L;

/** Where the segment is loaded (a usual LoongArch64 executable base). */
export const LOAD_BASE = 0x120000000n;
/** Code starts this far into the segment (after the ELF headers). */
export const CODE_OFFSET = 0x1000;
/** Scratch buffer offset in the segment (a0 on entry). */
export const SCRATCH_OFFSET = 0x8000;
/** Scratch buffer size. */
export const SCRATCH_SIZE = 0x1000;

const QEMU = "qemu-loongarch64-static";

/** Null when qemu-loongarch64-static can run, else why not. */
export function qemuLoongArchUnavailable(): Promise<string | null> {
  return toolUnavailable(QEMU);
}

/** EM_LOONGARCH (ELF machine 258). */
const EM_LOONGARCH = 258;

/**
 * A static ELF64 LE executable whose one RWX PT_LOAD segment at LOAD_BASE is
 * `segment` (its first 0x100 bytes are overwritten by the headers) followed by
 * zeroes up to `memSize`; execution starts at LOAD_BASE + `entryOffset`.
 */
export function elfFromSegment(
  segment: Uint8Array,
  entryOffset: number,
  memSize: number,
): Uint8Array {
  if (entryOffset < 0x100 || entryOffset >= segment.length || memSize < segment.length) {
    throw new RangeError(`bad segment layout (entry 0x${entryOffset.toString(16)})`);
  }
  const out = segment.slice();
  out.fill(0, 0, 0x100);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]); // ELF64, little-endian, version 1, SysV
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, EM_LOONGARCH, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, LOAD_BASE + BigInt(entryOffset), true); // e_entry
  dv.setBigUint64(32, 64n, true); // e_phoff
  dv.setUint32(48, 0x43, true); // e_flags: LP64D, object ABI v1
  dv.setUint16(52, 64, true); // e_ehsize
  dv.setUint16(54, 56, true); // e_phentsize
  dv.setUint16(56, 1, true); // e_phnum
  dv.setUint16(58, 64, true); // e_shentsize
  const ph = 64; // PT_LOAD, RWX
  dv.setUint32(ph, 1, true);
  dv.setUint32(ph + 4, 7, true);
  dv.setBigUint64(ph + 8, 0n, true);
  dv.setBigUint64(ph + 16, LOAD_BASE, true);
  dv.setBigUint64(ph + 24, LOAD_BASE, true);
  dv.setBigUint64(ph + 32, BigInt(out.length), true);
  dv.setBigUint64(ph + 40, BigInt(memSize), true);
  dv.setBigUint64(ph + 48, 0x10000n, true);
  return out;
}

/** A static executable holding `code` at LOAD_BASE + CODE_OFFSET, scratch buffer after it. */
export function elfExecutable(code: Uint8Array): Uint8Array {
  if (CODE_OFFSET + code.length > SCRATCH_OFFSET) {
    throw new RangeError(`code of ${code.length} bytes does not fit before the scratch buffer`);
  }
  const seg = new Uint8Array(CODE_OFFSET + code.length);
  seg.set(code, CODE_OFFSET);
  return elfFromSegment(seg, CODE_OFFSET, SCRATCH_OFFSET + SCRATCH_SIZE);
}

/**
 * The prologue every test program starts with: a0 = scratch buffer. Uses
 * pc-relative-free absolute addressing (movAddr).
 */
export function entryPrologue(): number[] {
  return L.movAddr(R.a0, LOAD_BASE + BigInt(SCRATCH_OFFSET));
}

/**
 * The epilogue: write(1, scratch, bytes) then exit_group(0) (generic Linux
 * syscall numbers 64 and 94, a7 = number).
 */
export function writeAndExit(
  bytes: number,
  from: bigint = LOAD_BASE + BigInt(SCRATCH_OFFSET),
): number[] {
  return [
    ...L.movAddr(R.a1, from),
    L.addiD(R.a0, R.zero, 1),
    ...L.movImm(R.a2, bytes),
    L.addiD(R.a7, R.zero, 64),
    L.syscall(0),
    L.addiD(R.a0, R.zero, 0),
    L.addiD(R.a7, R.zero, 94),
    L.syscall(0),
  ];
}

/** Runs a program built from `words` (already including prologue/epilogue); returns stdout bytes. */
export function runWords(words: number[]): Promise<Uint8Array> {
  return runElf(elfExecutable(L.wordsToBytes(words)));
}

/** Runs an executable image under qemu-loongarch64-static; returns stdout bytes. */
export async function runElf(elf: Uint8Array): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "trampolint-la-" });
  try {
    const path = `${dir}/prog`;
    await Deno.writeFile(path, elf, { mode: 0o755 });
    const r = await runTool(QEMU, [path], { timeoutMs: 20_000 });
    if (r.code !== 0) {
      throw new Error(`${QEMU} exited with ${r.code}: ${r.stderr.trim()}`);
    }
    return r.stdout;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
