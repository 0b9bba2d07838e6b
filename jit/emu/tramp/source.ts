/**
 * C source of a trampoline harness batch (one image per arch and prototype
 * batch; the same image serves every era and attach type). For prototype k:
 *
 * ```c
 * T0 a_k_0; ...                         // argument values, written before each run
 * unsigned char r_k_0[sizeof(T0)]; ...  // what callee_k received (memcpy of each param)
 * R ret_k;                              // what the caller got back
 * void *fp_k;                           // struct_ops: the "function pointer" (→ trampoline)
 * __attribute__((patchable_function_entry(N))) R callee_k(T0 p0, ...) {
 *   tramp_callee_calls++; tramp_callee_fa = __builtin_frame_address(0);
 *   memcpy(r_k_0, &p0, sizeof p0); ...; return <distinctive value>;
 * }
 * void caller_k(void)  { ret_k = callee_k(a_k_0, ...); }           // fentry/fexit/fmod_ret
 * void icaller_k(void) { ret_k = ((R (*)(T0, ...))fp_k)(a_k_0, ...); } // struct_ops
 * ```
 *
 * Plus the stubs the trampoline calls (`tramp_stub_enter`, `tramp_stub_prog`,
 * `tramp_stub_exit`), written in assembly per arch: each logs (kind, SP at
 * entry, first argument) into `tramp_log`, clobbers the caller-saved
 * registers with poison (a real `__bpf_prog_enter` may), and the prog stub
 * copies ctx[-2..37] into the `tramp_rec` ring and returns `tramp_prog_ret`.
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import { CEmitter, cEscape } from "../oracle/cemit.ts";
import type { TrampArch } from "./layout.ts";

/** Symbol names of prototype k. */
export const tsym = {
  caller: (k: number) => `caller_${k}`,
  icaller: (k: number) => `icaller_${k}`,
  callee: (k: number) => `callee_${k}`,
  arg: (k: number, j: number) => `a_${k}_${j}`,
  rec: (k: number, j: number) => `r_${k}_${j}`,
  ret: (k: number) => `ret_${k}`,
  fp: (k: number) => `fp_${k}`,
};

/** Low and high 64 bits of the value every callee returns (truncated to the return size). */
export const CALLEE_RET_LO = 0xc7c6c5c4c3c2c1c0n;
export const CALLEE_RET_HI = 0xd7d6d5d4d3d2d1d0n;

/** Log entry kinds written by the stubs and read by the harness. */
export const LOG_KIND = { enter: 1, prog: 2, exit: 3 } as const;
/** Entries the log holds; u64 words per entry (kind, sp, arg0). */
export const LOG_MAX = 32;
export const LOG_WORDS = 3;
/** ctx words each prog call records (ctx[-2] .. ctx[37]) and ring entries. */
export const REC_WORDS = 40;
export const REC_MAX = 4;

/** One batch's source. */
export interface HarnessSource {
  text: string;
  ids: number[];
  unsupported: { id: number; reason: string }[];
  owners(line: number): number[];
}

/** The C expression of the distinctive value every callee returns (CALLEE_RET_HI:LO truncated to `t`). */
export function retExpr(t: CType, spelled: string): string {
  if (t.kind === "int" && t.bool) return `(${spelled})1`;
  if (t.size === 16) {
    return `(${spelled})(((unsigned __int128)0x${CALLEE_RET_HI.toString(16)}ULL << 64) | 0x${
      CALLEE_RET_LO.toString(16)
    }ULL)`;
  }
  const mask = (1n << BigInt(8 * Math.min(8, t.size))) - 1n;
  const v = CALLEE_RET_LO & mask;
  if (t.kind === "ptr") return `(${spelled})0x${v.toString(16)}ULL`;
  return `(${spelled})0x${v.toString(16)}ULL`;
}

function protoLines(em: CEmitter, k: number, p: Prototype, pfe: number): string[] {
  if (p.unsupported) throw new Error(`unsupported prototype: ${p.unsupported}`);
  if (p.variadic) throw new Error("variadic prototype (not attachable)");
  const ret = p.ret === null ? "void" : em.typeName(p.ret, k);
  const types = p.params.map((q) => em.typeName(q.type, k));
  const params = types.length === 0 ? "void" : types.join(", ");
  const lines = [`/* ${k}: ${cEscape(p.name)} */`];
  p.params.forEach((q, j) => {
    lines.push(`${types[j]} ${tsym.arg(k, j)};`);
    lines.push(`unsigned char ${tsym.rec(k, j)}[${q.type.size}];`);
    lines.push(
      `_Static_assert(sizeof(${types[j]}) == ${q.type.size} && _Alignof(${
        types[j]
      }) == ${q.type.align}, "${k}: arg ${j} (${cEscape(q.type.name)}) layout");`,
    );
  });
  if (p.ret) lines.push(`${ret} ${tsym.ret(k)};`);
  lines.push(`void *${tsym.fp(k)};`);
  const formals = types.length === 0 ? "void" : types.map((t, j) => `${t} p${j}`).join(", ");
  const body = [
    "tramp_callee_calls++;",
    "tramp_callee_fa = (unsigned long long)__builtin_frame_address(0);",
    ...p.params.map((q, j) => `__builtin_memcpy(${tsym.rec(k, j)}, &p${j}, ${q.type.size});`),
    p.ret ? `return ${retExpr(p.ret, ret)};` : "",
  ];
  lines.push(
    `__attribute__((noipa, patchable_function_entry(${pfe}))) ${ret} ${
      tsym.callee(k)
    }(${formals}) { ${body.join(" ")} }`,
  );
  const args = p.params.map((_, j) => tsym.arg(k, j)).join(", ");
  const store = p.ret ? `${tsym.ret(k)} = ` : "";
  lines.push(`void ${tsym.caller(k)}(void) { ${store}${tsym.callee(k)}(${args}); }`);
  lines.push(
    `void ${tsym.icaller(k)}(void) { ${store}((${ret} (*)(${params}))${tsym.fp(k)})(${args}); }`,
  );
  return lines;
}

const COMMON_DECLS = `/* trampolint trampoline harness */
unsigned long long tramp_log[1 + ${LOG_MAX * LOG_WORDS}];
unsigned long long tramp_rec[1 + ${REC_MAX * REC_WORDS}];
unsigned long long tramp_prog_ret;
volatile unsigned long long tramp_callee_calls;
volatile unsigned long long tramp_callee_fa;
`;

const X86_POISON = ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "r10", "r11"];

function x86Log(kind: number): string {
  return `
  leaq tramp_log(%rip), %r11
  movq (%r11), %rax
  cmpq $${LOG_MAX - 1}, %rax
  ja 1f
  imulq $${LOG_WORDS * 8}, %rax, %rax
  movq $${kind}, 8(%r11,%rax)
  movq %rsp, 16(%r11,%rax)
  movq %rdi, 24(%r11,%rax)
1:
  incq (%r11)`;
}

function x86Clobber(): string {
  return X86_POISON.map((r, i) => `  movabsq $0xdeadc0de0000${(0x10 + i).toString(16)}00, %${r}`)
    .join("\n");
}

const X86_STUBS = `
__asm__(
".text\\n"
${
  [
    ["tramp_stub_enter", LOG_KIND.enter, "  movl $1, %eax"],
    ["tramp_stub_exit", LOG_KIND.exit, "  xorl %eax, %eax"],
  ].map(([name, kind, tail]) =>
    [
      `.globl ${name}`,
      `.p2align 4`,
      `${name}:`,
      ...x86Log(kind as number).split("\n").filter((l) => l.trim()),
      ...x86Clobber().split("\n"),
      tail as string,
      "  ret",
    ].map((l) => `"${l}\\n"`).join("\n")
  ).join("\n")
}
${
  [
    ".globl tramp_stub_prog",
    ".p2align 4",
    "tramp_stub_prog:",
    ...x86Log(LOG_KIND.prog).split("\n").filter((l) => l.trim()),
    "  leaq tramp_rec(%rip), %r11",
    "  movq (%r11), %rax",
    `  cmpq $${REC_MAX - 1}, %rax`,
    "  ja 2f",
    `  imulq $${REC_WORDS * 8}, %rax, %rax`,
    "  leaq 8(%r11,%rax), %r10",
    "  leaq -16(%rdi), %rsi",
    `  movl $${REC_WORDS}, %ecx`,
    "3:",
    "  movq (%rsi), %rax",
    "  movq %rax, (%r10)",
    "  addq $8, %rsi",
    "  addq $8, %r10",
    "  decl %ecx",
    "  jnz 3b",
    "2:",
    "  incq (%r11)",
    ...x86Clobber().split("\n"),
    "  movq tramp_prog_ret(%rip), %rax",
    "  ret",
  ].map((l) => `"${l}\\n"`).join("\n")
}
);
`;

function a64Mov(reg: string, v: bigint): string[] {
  const out: string[] = [];
  for (let s = 0; s < 4; s++) {
    const h = (v >> BigInt(16 * s)) & 0xffffn;
    out.push(`  ${s === 0 ? "movz" : "movk"} ${reg}, #0x${h.toString(16)}, lsl #${16 * s}`);
  }
  return out;
}

function a64Log(kind: number): string[] {
  return [
    "  adrp x10, tramp_log",
    "  add x10, x10, :lo12:tramp_log",
    "  ldr x11, [x10]",
    `  cmp x11, #${LOG_MAX - 1}`,
    "  b.hi 1f",
    `  mov x12, #${LOG_WORDS * 8}`,
    "  mul x12, x11, x12",
    "  add x12, x10, x12",
    `  mov x13, #${kind}`,
    "  str x13, [x12, #8]",
    "  mov x13, sp",
    "  str x13, [x12, #16]",
    "  str x0, [x12, #24]",
    "1:",
    "  add x11, x11, #1",
    "  str x11, [x10]",
  ];
}

function a64Clobber(keepX0: boolean): string[] {
  const out: string[] = [];
  for (let r = keepX0 ? 1 : 0; r <= 17; r++) {
    out.push(...a64Mov(`x${r}`, 0xdeadc0de00000000n | BigInt(0x1000 + r * 0x100)));
  }
  return out;
}

/** A global assembly function `name`, aligned to 2^`p2align` bytes. */
function asmFn(name: string, p2align: number, body: string[]): string[] {
  return [".globl " + name, `.p2align ${p2align}`, name + ":", ...body];
}

/** Assembly lines as a top-level `__asm__` block of the C source. */
function asmBlock(lines: string[]): string {
  return `\n__asm__(\n${lines.map((l) => `"${l}\\n"`).join("\n")}\n);\n`;
}

const A64_STUBS = (() => {
  const fn = (name: string, body: string[]) => asmFn(name, 4, body);
  const lines = [
    ".text",
    ...fn("tramp_stub_enter", [
      ...a64Log(LOG_KIND.enter),
      ...a64Clobber(false),
      "  mov x0, #1",
      "  ret",
    ]),
    ...fn("tramp_stub_exit", [
      ...a64Log(LOG_KIND.exit),
      ...a64Clobber(false),
      "  mov x0, #0",
      "  ret",
    ]),
    ...fn("tramp_stub_prog", [
      ...a64Log(LOG_KIND.prog),
      "  adrp x10, tramp_rec",
      "  add x10, x10, :lo12:tramp_rec",
      "  ldr x11, [x10]",
      `  cmp x11, #${REC_MAX - 1}`,
      "  b.hi 2f",
      `  mov x12, #${REC_WORDS * 8}`,
      "  mul x12, x11, x12",
      "  add x12, x12, x10",
      "  add x12, x12, #8",
      "  sub x13, x0, #16",
      `  mov x14, #${REC_WORDS}`,
      "3:",
      "  ldr x15, [x13], #8",
      "  str x15, [x12], #8",
      "  subs x14, x14, #1",
      "  b.ne 3b",
      "2:",
      "  add x11, x11, #1",
      "  str x11, [x10]",
      ...a64Clobber(false),
      "  adrp x10, tramp_prog_ret",
      "  ldr x0, [x10, :lo12:tramp_prog_ret]",
      "  ret",
    ]),
  ];
  return asmBlock(lines);
})();

/**
 * s390x stubs (ELF ABI: r2 = first argument and return value, r14 = return
 * address, r0/r1/r3–r5 volatile; nothing here touches the caller's 160-byte
 * save area). Addresses come from `larl` (the globals are 8-aligned).
 */
function s390Log(kind: number): string[] {
  return [
    "  larl %r1, tramp_log",
    "  lg %r0, 0(%r1)",
    `  clgfi %r0, ${LOG_MAX - 1}`,
    "  jh 1f",
    "  lgr %r3, %r0",
    `  mghi %r3, ${LOG_WORDS * 8}`,
    "  la %r3, 0(%r3,%r1)",
    `  lghi %r4, ${kind}`,
    "  stg %r4, 8(%r3)",
    "  stg %r15, 16(%r3)",
    "  stg %r2, 24(%r3)",
    "1:",
    "  aghi %r0, 1",
    "  stg %r0, 0(%r1)",
  ];
}

function s390Clobber(): string[] {
  return ["r0", "r1", "r3", "r4", "r5"].flatMap((r, i) => [
    `  llihf %${r}, 0xdeadc0de`,
    `  oilf %${r}, 0x${(0x1000 + i * 0x100).toString(16)}`,
  ]);
}

const S390X_STUBS = (() => {
  const fn = (name: string, body: string[]) => asmFn(name, 4, body);
  const lines = [
    ".text",
    ...fn("tramp_stub_enter", [
      ...s390Log(LOG_KIND.enter),
      ...s390Clobber(),
      "  lghi %r2, 1",
      "  br %r14",
    ]),
    ...fn("tramp_stub_exit", [
      ...s390Log(LOG_KIND.exit),
      ...s390Clobber(),
      "  lghi %r2, 0",
      "  br %r14",
    ]),
    ...fn("tramp_stub_prog", [
      ...s390Log(LOG_KIND.prog),
      "  larl %r1, tramp_rec",
      "  lg %r0, 0(%r1)",
      `  clgfi %r0, ${REC_MAX - 1}`,
      "  jh 2f",
      "  lgr %r3, %r0",
      `  mghi %r3, ${REC_WORDS * 8}`,
      "  la %r3, 8(%r3,%r1)",
      "  lay %r4, -16(%r2)",
      // ctx[-2..37]: REC_WORDS * 8 = 320 bytes, in two mvc (≤ 256 each)
      "  mvc 0(256,%r3), 0(%r4)",
      `  mvc 256(${REC_WORDS * 8 - 256},%r3), 256(%r4)`,
      "2:",
      "  aghi %r0, 1",
      "  stg %r0, 0(%r1)",
      ...s390Clobber(),
      "  larl %r1, tramp_prog_ret",
      "  lg %r2, 0(%r1)",
      "  br %r14",
    ]),
  ];
  return asmBlock(lines);
})();

function rvLog(kind: number): string[] {
  return [
    "  la t3, tramp_log",
    "  ld t4, 0(t3)",
    `  li t5, ${LOG_MAX - 1}`,
    "  bgtu t4, t5, 1f",
    `  li t5, ${LOG_WORDS * 8}`,
    "  mul t5, t4, t5",
    "  add t5, t5, t3",
    `  li t6, ${kind}`,
    "  sd t6, 8(t5)",
    "  sd sp, 16(t5)",
    "  sd a0, 24(t5)",
    "1:",
    "  addi t4, t4, 1",
    "  sd t4, 0(t3)",
  ];
}

/** Caller-saved registers a stub poisons (a real `__bpf_prog_enter` may clobber them). */
const RV_POISON = ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "a1", "a2", "a3", "a4", "a6", "a7"];

function rvClobber(): string[] {
  return RV_POISON.map((r, i) => `  li ${r}, 0xdeadc0de0000${(0x10 + i).toString(16)}00`);
}

/**
 * riscv64 stubs. The program stub returns in a0 and a5: a JIT-compiled BPF
 * program keeps R0 in a5 and copies it to a0 in its epilogue
 * (bpf_jit_comp64.c regmap, __build_epilogue; its 32-bit `addiw` there is
 * not modelled: the full value is returned), and the trampoline saves a5
 * (49b5e77ae3e2) or both (Björn Töpel's a0/a5 fix).
 */
const RV_STUBS = (() => {
  const fn = (name: string, body: string[]) => asmFn(name, 2, body);
  const lines = [
    ".text",
    ".option push",
    ".option norvc",
    ...fn("tramp_stub_enter", [
      ...rvLog(LOG_KIND.enter),
      ...rvClobber(),
      "  li a5, 0xdeadc0de00005500",
      "  li a0, 1",
      "  ret",
    ]),
    ...fn("tramp_stub_exit", [
      ...rvLog(LOG_KIND.exit),
      ...rvClobber(),
      "  li a5, 0xdeadc0de00005500",
      "  li a0, 0",
      "  ret",
    ]),
    ...fn("tramp_stub_prog", [
      ...rvLog(LOG_KIND.prog),
      "  la t3, tramp_rec",
      "  ld t4, 0(t3)",
      `  li t5, ${REC_MAX - 1}`,
      "  bgtu t4, t5, 2f",
      `  li t5, ${REC_WORDS * 8}`,
      "  mul t5, t4, t5",
      "  add t5, t5, t3",
      "  addi t5, t5, 8",
      "  addi t6, a0, -16",
      `  li t2, ${REC_WORDS}`,
      "3:",
      "  ld t1, 0(t6)",
      "  sd t1, 0(t5)",
      "  addi t6, t6, 8",
      "  addi t5, t5, 8",
      "  addi t2, t2, -1",
      "  bnez t2, 3b",
      "2:",
      "  addi t4, t4, 1",
      "  sd t4, 0(t3)",
      ...rvClobber(),
      "  la t3, tramp_prog_ret",
      "  ld a0, 0(t3)",
      "  mv a5, a0",
      "  ret",
    ]),
    ".option pop",
  ];
  return asmBlock(lines);
})();

/**
 * Each arch's stub assembly (`tramp_stub_enter`, `tramp_stub_prog`,
 * `tramp_stub_exit`, module doc): adding an arch to the harness adds one
 * entry here.
 */
export const STUBS: Record<TrampArch, string> = {
  x86_64: X86_STUBS,
  arm64: A64_STUBS,
  s390x: S390X_STUBS,
  riscv64: RV_STUBS,
};

/** The stubs' assembly for `arch`. */
export function stubSource(arch: TrampArch): string {
  return STUBS[arch];
}

/** The batch source for `entries` (id → prototype). */
export function harnessSource(
  arch: TrampArch,
  entries: [number, Prototype][],
  patchableNops: number,
): HarnessSource {
  const em = new CEmitter();
  const unsupported: { id: number; reason: string }[] = [];
  const bodies: { id: number; lines: string[] }[] = [];
  for (const [k, p] of entries) {
    try {
      bodies.push({ id: k, lines: protoLines(em, k, p, patchableNops) });
    } catch (e) {
      unsupported.push({ id: k, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  const out: string[] = [];
  const owners: (number[] | "all")[] = [];
  const push = (text: string, o: number[] | "all") => {
    for (const l of text.split("\n")) {
      out.push(l);
      owners.push(o);
    }
  };
  push(COMMON_DECLS + stubSource(arch), "all");
  for (const d of em.defs) push(d.text, [...d.users]);
  for (const b of bodies) push(b.lines.join("\n"), [b.id]);
  return {
    text: out.join("\n") + "\n",
    ids: bodies.map((b) => b.id),
    unsupported,
    owners(line: number) {
      const o = owners[line - 1];
      return o === undefined || o === "all" ? [] : o;
    },
  };
}
