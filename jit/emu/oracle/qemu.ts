/**
 * ppc64 (ELFv2, little-endian) placement harness under qemu-user.
 *
 * Unicorn 2.0.1 cannot run ppc64 (TOOLCHAIN.md §3: `UC_ERR_EXCEPTION` on BE,
 * `UC_ERR_MODE` on LE), so the callers are linked into a static executable
 * (`powerpc64le-linux-gnu-gcc -static -nostdlib`: no libc is needed, so the
 * cross libc-dev package is not required) where every `callee_k` is an alias of
 * one assembly recorder. The recorder stores r3–r10, f1–f13, v2–v13, r1 and LR
 * into `rec_regs`, then a C helper copies `len` bytes above r1 (the caller's
 * outgoing area) before returning to the caller. `main` reads run requests on
 * stdin, writes the argument globals, calls `caller_k` through
 * `trampolint_call_clean` (which zeroes the argument registers and 16 KiB of
 * stack below SP first, so no byte of an earlier run is left to be found), and
 * writes one binary record per run on stdout.
 *
 * Protocol (all integers u32 little-endian):
 * - stdin, per run: id, run, dumpLen, nargs, then per argument size + bytes;
 *   terminated by id = 0xffffffff.
 * - stdout, per run: id, run, dumpLen, 384 bytes of registers, dumpLen bytes of stack.
 *
 * No by-reference search on ppc64 (ELFv2 passes every aggregate by value), so
 * the harness does not follow pointers.
 *
 * @module
 */

import { sym } from "./source.ts";
import { stdinReaderC, stdoutWriterC, type SyscallC } from "../qemu_stdio_c.ts";

/** Offsets in the 384-byte register record. */
export const QEMU_REC = {
  size: 384,
  gpr: 0, // r3..r10
  fpr: 64, // f1..f13
  sp: 168,
  lr: 176,
  vr: 192, // v2..v13
} as const;

/** Largest stack dump the harness copies. */
export const QEMU_MAX_DUMP = 16384;

/** `_start`, the recorder and the clean-call helper (GNU as, ELFv2). */
export const RECORDER_S = `/* trampolint ppc64le harness: _start, recorder */
  .abiversion 2
  .machine power8
  .text
  .globl _start
  .type _start,@function
  .p2align 4
_start:
  bcl 20, 31, 1f
1:
  mflr 12
  addis 2, 12, (.TOC.-1b)@ha
  addi 2, 2, (.TOC.-1b)@l
  clrrdi 1, 1, 4
  li 0, 0
  stdu 0, -128(1)
  bl harness_main
  nop
  li 0, 234
  li 3, 4
  sc
  .size _start, .-_start

  .globl trampolint_recorder
  .type trampolint_recorder,@function
  .p2align 4
trampolint_recorder:
  addis 11, 2, rec_regs@toc@ha
  addi 11, 11, rec_regs@toc@l
${[3, 4, 5, 6, 7, 8, 9, 10].map((r, i) => `  std ${r}, ${8 * i}(11)`).join("\n")}
${Array.from({ length: 13 }, (_, i) => `  stfd ${i + 1}, ${64 + 8 * i}(11)`).join("\n")}
  std 1, ${QEMU_REC.sp}(11)
  mflr 0
  std 0, ${QEMU_REC.lr}(11)
${
  Array.from({ length: 12 }, (_, i) => `  li 12, ${QEMU_REC.vr + 16 * i}\n  stvx ${i + 2}, 11, 12`)
    .join("\n")
}
  stdu 1, -96(1)
  bl rec_capture
  nop
  addi 1, 1, 96
  addis 11, 2, rec_regs@toc@ha
  addi 11, 11, rec_regs@toc@l
  ld 0, ${QEMU_REC.lr}(11)
  mtlr 0
  blr
  .size trampolint_recorder, .-trampolint_recorder

  /* void trampolint_call_clean(void (*fn)(void)) */
  .globl trampolint_call_clean
  .type trampolint_call_clean,@function
  .p2align 4
trampolint_call_clean:
  mflr 0
  std 0, 16(1)
  std 31, -8(1)
  stdu 1, -64(1)
  std 2, 24(1)
  mr 31, 3
  /* zero 16 KiB below the stack pointer (the callee frames to come) */
  li 0, 0
  li 11, 2048
  mtctr 11
  mr 11, 1
1:
  stdu 0, -8(11)
  bdnz 1b
  mtctr 31
  mr 12, 31
  li 3, 0
  li 4, 0
  li 5, 0
  li 6, 0
  li 7, 0
  li 8, 0
  li 9, 0
  li 10, 0
${Array.from({ length: 13 }, (_, i) => `  xxlxor ${i + 1}, ${i + 1}, ${i + 1}`).join("\n")}
${Array.from({ length: 12 }, (_, i) => `  vxor ${i + 2}, ${i + 2}, ${i + 2}`).join("\n")}
  bctrl
  ld 2, 24(1)
  addi 1, 1, 64
  ld 31, -8(1)
  ld 0, 16(1)
  mtlr 0
  blr
  .size trampolint_call_clean, .-trampolint_call_clean
  .section .note.GNU-stack,"",@progbits
`;

/** A call of main.c's `sys3` wrapper. */
const sys3: SyscallC = (nr, a, b, c) => `sys3(${nr}, ${a}, ${b}, ${c})`;

/** `main.c` for the given prototypes (id → number of arguments); freestanding, raw syscalls. */
export function harnessMain(entries: [number, number][]): string {
  const decl: string[] = [];
  const tables: string[] = [];
  const rows: string[] = [];
  for (const [k, n] of entries) {
    decl.push(`extern void ${sym.caller(k)}(void);`);
    const args = Array.from({ length: n }, (_, j) => sym.arg(k, j));
    for (const a of args) decl.push(`extern unsigned char ${a}[];`);
    tables.push(
      `static unsigned char *const args_${k}[] = { ${args.length ? args.join(", ") : "0"} };`,
    );
    rows.push(`  { ${k}u, ${sym.caller(k)}, ${n}u, args_${k} },`);
  }
  return `/* trampolint ppc64le placement harness (no libc: raw Linux syscalls) */
typedef unsigned int u32;
typedef unsigned long u64;
typedef __SIZE_TYPE__ size_t;
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
static long sys3(long nr, long a, long b, long c) {
  register long r0 __asm__("r0") = nr;
  register long r3 __asm__("r3") = a;
  register long r4 __asm__("r4") = b;
  register long r5 __asm__("r5") = c;
  __asm__ volatile("sc\\n\\tbns+ 1f\\n\\tneg %1, %1\\n1:"
                   : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5)
                   :
                   : "memory", "cr0", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "ctr", "xer");
  return r3;
}
#define SYS_read 3
#define SYS_write 4
#define SYS_exit_group 234
unsigned char rec_regs[${QEMU_REC.size}] __attribute__((aligned(16)));
static unsigned char rec_stack[${QEMU_MAX_DUMP}];
static u32 rec_len;
void rec_capture(void) {
  u64 sp;
  memcpy(&sp, rec_regs + ${QEMU_REC.sp}, 8);
  memcpy(rec_stack, (const void *)sp, rec_len);
}
extern void trampolint_call_clean(void (*fn)(void));
${decl.join("\n")}
struct entry { u32 id; void (*fn)(void); u32 nargs; unsigned char *const *args; };
${tables.join("\n")}
static const struct entry entries[] = {
${rows.join("\n")}
};
static const struct entry *find(u32 id) {
  size_t lo = 0, hi = sizeof entries / sizeof entries[0];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (entries[mid].id == id) return &entries[mid];
    if (entries[mid].id < id) lo = mid + 1; else hi = mid;
  }
  return 0;
}
${stdinReaderC(sys3)}
${stdoutWriterC(sys3)}
static void fail(const char *m) {
  size_t n = 0;
  while (m[n]) n++;
  sys3(SYS_write, 2, (long)m, (long)n);
}
static int run_all(void) {
  static unsigned char buf[1 << 16];
  u32 h[4];
  while (rd(h, sizeof h) && h[0] != 0xffffffffu) {
    const struct entry *e = find(h[0]);
    if (!e || h[3] != e->nargs || h[2] > sizeof rec_stack) { fail("bad request\\n"); return 2; }
    for (u32 j = 0; j < h[3]; j++) {
      u32 size;
      if (!rd(&size, 4) || size > sizeof buf || !rd(buf, size)) { fail("short input\\n"); return 2; }
      memcpy(e->args[j], buf, size);
    }
    rec_len = h[2];
    memset(rec_regs, 0, sizeof rec_regs);
    memset(rec_stack, 0, rec_len);
    trampolint_call_clean(e->fn);
    if (!wr(h, 12) || !wr(rec_regs, sizeof rec_regs) || !wr(rec_stack, rec_len)) return 3;
  }
  return flush() ? 0 : 3;
}
/* keep 64 KiB of stack above the callers, so reading dumpLen bytes above their SP is safe */
__attribute__((noinline)) static int deep(void) {
  volatile unsigned char pad[65536];
  pad[0] = 0;
  pad[sizeof pad - 1] = 0;
  return run_all() + pad[0];
}
void harness_main(void) {
  sys3(SYS_exit_group, deep(), 0, 0);
}
`;
}

/** The implicit linker script aliasing every callee to the recorder. */
export function harnessDefs(ids: number[]): string {
  return ids.map((k) => `${sym.callee(k)} = trampolint_recorder;`).join("\n") + "\n";
}
