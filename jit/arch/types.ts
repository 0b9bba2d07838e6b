/**
 * The native-ABI side of an architecture (ARCHITECTURE.md: jit/arch/<arch>/abi.ts):
 * where a caller puts each argument. Every architecture implements `Abi`.
 *
 * @module
 */

import type { Prototype } from "../corpus/types.ts";

/** Architectures trampolint knows. */
export type ArchName = "x86_64" | "arm64" | "riscv64" | "s390x" | "arm32" | "ppc64" | "loongarch64";

/**
 * Bytes of an argument travelling in a register. The bytes sit where a
 * native-endian load of `bytes` bytes would put them, starting `regOffset`
 * bytes above the least significant byte (so a float in an s390x FPR, held in
 * the high half, has regOffset 4).
 */
export interface RegPiece {
  kind: "reg";
  /** Register name as the ABI documents and Capstone prints it: `rdi`, `x3`, `a7`, `r2`, `f0`, `d1`, `s3`, `v2`. */
  reg: string;
  /** Register file: general-purpose or floating-point/vector. */
  bank: "gpr" | "fpr";
  /** Byte offset within the argument of the first byte carried. */
  argOffset: number;
  /** Number of argument bytes carried. */
  bytes: number;
  /**
   * Byte offset within the register value (little-endian numbering of the
   * register's bytes, 0 = least significant) where those bytes sit. Usually 0;
   * e.g. the upper half of an arm32 register pair is a separate piece.
   */
  regOffset: number;
  /**
   * Set when the register holds the value in another format than its memory
   * bytes: `f32-as-f64` — a float held in double format (ppc64 FPRs, ELFv2
   * §2.2.3.1), so its 4 bytes are not found verbatim in the register.
   */
  format?: "f32-as-f64";
}

/** Bytes of an argument in the caller's outgoing stack area. */
export interface StackPiece {
  kind: "stack";
  /**
   * Address of the first carried byte, as an offset from the caller's stack
   * pointer at the call instruction (before x86's `call` pushes the return
   * address). Big-endian right-justification (s390x) is already applied.
   */
  offset: number;
  argOffset: number;
  bytes: number;
}

/** A piece of an argument. */
export type Piece = RegPiece | StackPiece;

/** What the ABI promises about register bits above a small integer's size. */
export type Extension = "sign" | "zero" | "unspecified";

/** Where one argument travels. */
export interface ArgLocation {
  /** Parameter index. */
  arg: number;
  /** By value: the pieces that together carry every byte of the argument. */
  pieces: Piece[];
  /**
   * By reference (s390x aggregates of other than 1/2/4/8 bytes, `__int128`;
   * AAPCS64 composites > 16 bytes): the location of the pointer to a caller-made
   * copy; `pieces` is then empty.
   */
  byRef: Piece | null;
  /** For integers narrower than the register: what the upper bits hold. */
  extension: Extension;
}

/** The ABI of one architecture. */
export interface Abi {
  arch: ArchName;
  /** Bytes in a general-purpose register. */
  regBytes: 4 | 8;
  bigEndian: boolean;
  /** Where the caller puts each argument of `proto` (ignores the return value, except where it takes an argument register). */
  placeArgs(proto: Prototype): ArgLocation[];
}
