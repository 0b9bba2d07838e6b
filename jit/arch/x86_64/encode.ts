/**
 * x86-64 instruction encoders for the trampoline generator (tramp.ts): only
 * the forms the kernel's x86 BPF trampoline emits (KERNEL_SPEC.md §2.1), plus
 * a few used by tests to hand-assemble callers and stubs.
 *
 * Encodings follow the Intel SDM (vol. 2). Memory operands use the shortest
 * displacement (disp8 when it fits, else disp32), which is also what the
 * kernel's `emit_insn_suffix()` picks; `[rbp]`/`[r13]` always take a
 * displacement byte and `[rsp]`/`[r12]` a SIB byte.
 *
 * Every encoder is checked against a disassembler in encode_test.ts.
 *
 * @module
 */

/** The 16 general-purpose registers. */
export type Reg =
  | "rax"
  | "rcx"
  | "rdx"
  | "rbx"
  | "rsp"
  | "rbp"
  | "rsi"
  | "rdi"
  | "r8"
  | "r9"
  | "r10"
  | "r11"
  | "r12"
  | "r13"
  | "r14"
  | "r15";

/** Hardware register numbers (ModRM/REX encoding). */
export const REG_NUM: Record<Reg, number> = {
  rax: 0,
  rcx: 1,
  rdx: 2,
  rbx: 3,
  rsp: 4,
  rbp: 5,
  rsi: 6,
  rdi: 7,
  r8: 8,
  r9: 9,
  r10: 10,
  r11: 11,
  r12: 12,
  r13: 13,
  r14: 14,
  r15: 15,
};

/** Access widths in bytes (BPF_B/H/W/DW). */
export type Width = 1 | 2 | 4 | 8;

/** Condition codes used (the low nibble of `0F 8x` / `7x`). */
export const CC = { e: 0x4, ne: 0x5 } as const;
export type Cond = keyof typeof CC;

const n = (r: Reg) => REG_NUM[r];

/** A REX prefix, or nothing when no bit is needed (unless `force`). */
function rex(w: boolean, r: number, x: number, b: number, force = false): number[] {
  const v = (w ? 8 : 0) | ((r >> 3) << 2) | ((x >> 3) << 1) | (b >> 3);
  return v || force ? [0x40 | v] : [];
}

function fits8(v: number): boolean {
  return v >= -128 && v <= 127;
}

function le32(v: number): number[] {
  const u = v >>> 0;
  return [u & 0xff, (u >>> 8) & 0xff, (u >>> 16) & 0xff, (u >>> 24) & 0xff];
}

function le64(v: bigint): number[] {
  const u = BigInt.asUintN(64, v);
  const out: number[] = [];
  for (let i = 0n; i < 8n; i++) out.push(Number((u >> (8n * i)) & 0xffn));
  return out;
}

function checkImm32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    throw new RangeError(`${what}: ${v} does not fit in 32 bits`);
  }
}

/** ModRM (+SIB) (+disp) for `[base + disp]` with `reg` in the reg field. */
function memOperand(regField: number, base: Reg, disp: number): number[] {
  checkImm32(disp, "displacement");
  const b = n(base) & 7;
  const mod = disp === 0 && b !== 5 ? 0 : fits8(disp) ? 1 : 2;
  const out = [(mod << 6) | ((regField & 7) << 3) | b];
  if (b === 4) out.push(0x24); // SIB: base = rsp/r12, no index
  if (mod === 1) out.push(disp & 0xff);
  if (mod === 2) out.push(...le32(disp));
  return out;
}

/** ModRM for a register-direct operand. */
function regOperand(regField: number, rm: number): number {
  return 0xc0 | ((regField & 7) << 3) | (rm & 7);
}

// ---- stack, moves ----

/** `push r64`. */
export function push(r: Reg): number[] {
  return [...rex(false, 0, 0, n(r)), 0x50 + (n(r) & 7)];
}

/** `pop r64`. */
export function pop(r: Reg): number[] {
  return [...rex(false, 0, 0, n(r)), 0x58 + (n(r) & 7)];
}

/** `push imm32` (sign-extended to 64 bits; imm8 form when it fits). */
export function pushImm(imm: number): number[] {
  checkImm32(imm, "push imm");
  return fits8(imm) ? [0x6a, imm & 0xff] : [0x68, ...le32(imm)];
}

/** `mov dst, src` (64-bit). */
export function movRR(dst: Reg, src: Reg): number[] {
  return [...rex(true, n(src), 0, n(dst)), 0x89, regOperand(n(src), n(dst))];
}

/**
 * `mov [base+disp], src` of `width` bytes (BPF_STX of BPF_B/H/W/DW):
 * `88`/`66 89`/`89`/`REX.W 89`. Byte stores of sil/dil/spl/bpl need a REX.
 */
export function store(width: Width, base: Reg, disp: number, src: Reg): number[] {
  const s = n(src);
  const b = n(base);
  const mem = memOperand(s, base, disp);
  switch (width) {
    case 8:
      return [...rex(true, s, 0, b), 0x89, ...mem];
    case 4:
      return [...rex(false, s, 0, b), 0x89, ...mem];
    case 2:
      return [0x66, ...rex(false, s, 0, b), 0x89, ...mem];
    case 1:
      return [...rex(false, s, 0, b, s >= 4 && s <= 7), 0x88, ...mem];
  }
}

/**
 * `dst = zero-extended [base+disp]` of `width` bytes (BPF_LDX): `movzx r64,
 * byte/word`, `mov r32` (implicitly zero-extends), `mov r64`.
 */
export function load(width: Width, dst: Reg, base: Reg, disp: number): number[] {
  const d = n(dst);
  const b = n(base);
  const mem = memOperand(d, base, disp);
  switch (width) {
    case 8:
      return [...rex(true, d, 0, b), 0x8b, ...mem];
    case 4:
      return [...rex(false, d, 0, b), 0x8b, ...mem];
    case 2:
      return [...rex(true, d, 0, b), 0x0f, 0xb7, ...mem];
    case 1:
      return [...rex(true, d, 0, b), 0x0f, 0xb6, ...mem];
  }
}

/** `mov dword/qword [base+disp], imm32` (the qword form sign-extends). */
export function storeImm(width: 4 | 8, base: Reg, disp: number, imm: number): number[] {
  checkImm32(imm, "store imm");
  return [...rex(width === 8, 0, 0, n(base)), 0xc7, ...memOperand(0, base, disp), ...le32(imm)];
}

/** `mov r32, imm32` (zero-extends into the 64-bit register). */
export function movImm32(dst: Reg, imm: number): number[] {
  checkImm32(imm, "mov imm32");
  return [...rex(false, 0, 0, n(dst)), 0xb8 + (n(dst) & 7), ...le32(imm)];
}

/** `movabs r64, imm64`. */
export function movImm64(dst: Reg, imm: bigint): number[] {
  return [...rex(true, 0, 0, n(dst)), 0xb8 + (n(dst) & 7), ...le64(imm)];
}

/** Shortest load of a 64-bit constant: `mov r32, imm32` when it zero-extends, else `movabs`. */
export function movImm(dst: Reg, imm: bigint): number[] {
  const u = BigInt.asUintN(64, imm);
  return u <= 0xffffffffn ? movImm32(dst, Number(u)) : movImm64(dst, u);
}

/** `lea dst, [base+disp]` (64-bit). */
export function lea(dst: Reg, base: Reg, disp: number): number[] {
  return [...rex(true, n(dst), 0, n(base)), 0x8d, ...memOperand(n(dst), base, disp)];
}

function aluImm(ext: number, r: Reg, imm: number): number[] {
  checkImm32(imm, "alu imm");
  const pre = [...rex(true, 0, 0, n(r))];
  return fits8(imm)
    ? [...pre, 0x83, regOperand(ext, n(r)), imm & 0xff]
    : [...pre, 0x81, regOperand(ext, n(r)), ...le32(imm)];
}

/** `sub r64, imm` (imm8 or imm32 form). */
export function subImm(r: Reg, imm: number): number[] {
  return aluImm(5, r, imm);
}

/** `add r64, imm` (imm8 or imm32 form). */
export function addImm(r: Reg, imm: number): number[] {
  return aluImm(0, r, imm);
}

/** `cmp qword [base+disp], imm8` (sign-extended). */
export function cmpMemImm8(base: Reg, disp: number, imm: number): number[] {
  if (!fits8(imm)) throw new RangeError(`cmp imm8: ${imm}`);
  return [...rex(true, 0, 0, n(base)), 0x83, ...memOperand(7, base, disp), imm & 0xff];
}

/** `test a, b` (64-bit). */
export function testRR(a: Reg, b: Reg): number[] {
  return [...rex(true, n(b), 0, n(a)), 0x85, regOperand(n(b), n(a))];
}

/** `xor a32, b32` (clears the 64-bit register when a = b). */
export function xorRR32(a: Reg, b: Reg): number[] {
  return [...rex(false, n(b), 0, n(a)), 0x31, regOperand(n(b), n(a))];
}

/** `shl r64, imm8`. */
export function shlImm(r: Reg, imm: number): number[] {
  return [...rex(true, 0, 0, n(r)), 0xc1, regOperand(4, n(r)), imm & 0x3f];
}

/** `shr r64, imm8` (logical). */
export function shrImm(r: Reg, imm: number): number[] {
  return [...rex(true, 0, 0, n(r)), 0xc1, regOperand(5, n(r)), imm & 0x3f];
}

// ---- control flow ----

function rel32(from: bigint, to: bigint): number[] {
  const rel = to - from;
  if (rel < -0x80000000n || rel > 0x7fffffffn) {
    throw new RangeError(`rel32 out of range: 0x${from.toString(16)} → 0x${to.toString(16)}`);
  }
  return le32(Number(rel));
}

/** `call rel32` placed at `at`, to `target`. */
export function callRel(at: bigint, target: bigint): number[] {
  return [0xe8, ...rel32(at + 5n, target)];
}

/** `jmp rel32` placed at `at`, to `target`. */
export function jmpRel(at: bigint, target: bigint): number[] {
  return [0xe9, ...rel32(at + 5n, target)];
}

/** `jcc rel32` placed at `at`, to `target`. */
export function jccRel(cc: Cond, at: bigint, target: bigint): number[] {
  return [0x0f, 0x80 | CC[cc], ...rel32(at + 6n, target)];
}

/** `call qword [base+disp]`. */
export function callMem(base: Reg, disp: number): number[] {
  return [...rex(false, 0, 0, n(base)), 0xff, ...memOperand(2, base, disp)];
}

/** `call r64`. */
export function callReg(r: Reg): number[] {
  return [...rex(false, 0, 0, n(r)), 0xff, regOperand(2, n(r))];
}

/** `ret`. */
export const RET = [0xc3];
/** `leave` (mov rsp, rbp; pop rbp). */
export const LEAVE = [0xc9];
/** One-byte `nop`. */
export const NOP1 = [0x90];
/** The 5-byte `nop dword [rax+rax*1+0]` (the kernel's `x86_nops[5]`, X86_PATCH_SIZE). */
export const NOP5 = [0x0f, 0x1f, 0x44, 0x00, 0x00];
/** `endbr64` (IBT landing pad; the kernel emits it with CONFIG_X86_KERNEL_IBT). */
export const ENDBR64 = [0xf3, 0x0f, 0x1e, 0xfa];
/** `int3`. */
export const INT3 = [0xcc];

// ---- a tiny assembler with forward labels ----

/** A position to jump to, bound later. */
export interface Label {
  at: number | null;
  /** Byte offsets of rel32 fields to patch when bound: [field offset, end of instruction]. */
  fixups: [number, number][];
}

/** Accumulates code at a known base address; resolves rel32 calls and forward jumps. */
export class Asm {
  readonly base: bigint;
  readonly bytes: number[] = [];

  constructor(base: bigint) {
    this.base = base;
  }

  /** Address of the next byte. */
  get pc(): bigint {
    return this.base + BigInt(this.bytes.length);
  }

  /** Append raw bytes. */
  emit(...chunks: number[][]): this {
    for (const c of chunks) this.bytes.push(...c);
    return this;
  }

  /** `call rel32` to an absolute address. */
  call(target: bigint): this {
    return this.emit(callRel(this.pc, target));
  }

  label(): Label {
    return { at: null, fixups: [] };
  }

  /** `jcc rel32` to a label (bound now or later). */
  jcc(cc: Cond, l: Label): this {
    this.bytes.push(0x0f, 0x80 | CC[cc], 0, 0, 0, 0);
    this.#ref(l);
    return this;
  }

  /** `jmp rel32` to a label. */
  jmp(l: Label): this {
    this.bytes.push(0xe9, 0, 0, 0, 0);
    this.#ref(l);
    return this;
  }

  #ref(l: Label): void {
    const end = this.bytes.length;
    l.fixups.push([end - 4, end]);
    if (l.at !== null) this.#patch(l.at, end - 4, end);
  }

  #patch(target: number, field: number, end: number): void {
    this.bytes.splice(field, 4, ...le32(target - end));
  }

  /** Bind a label here; patches earlier references. */
  bind(l: Label): this {
    l.at = this.bytes.length;
    for (const [field, end] of l.fixups) this.#patch(l.at, field, end);
    return this;
  }

  code(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}
