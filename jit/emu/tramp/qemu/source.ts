/**
 * Source of the qemu-user trampoline harness (ppc64le, ELFv2): a static,
 * freestanding program (`powerpc64le-linux-gnu-gcc -static -nostdlib`: own
 * `_start`, raw syscalls) for one batch of prototypes. For prototype k:
 *
 * ```c
 * T0 a_k_0; ...  unsigned char r_k_j[sizeof(Tj)];  R ret_k;  void *fp_k;
 * R callee_body_k(T0 p0, ...) { tl_callee_calls++; memcpy(r_k_j, &pj, ..); return <distinct>; }
 * extern R callee_k(T0, ...);                     // assembly entry, see below
 * void caller_k(void)  { ret_k = callee_k(a_k_0, ...); }
 * void icaller_k(void) { ret_k = ((R (*)(T0, ...))fp_k)(a_k_0, ...); }
 * ```
 *
 * `callee_k` is written in assembly in the writable+executable section
 * `.tl_patch`: the ELFv2 global entry (TOC from r12), then at the local entry
 * (the traced function's address, the patch site) one `nop`, then `li r11, k;
 * b tl_reentry` (func+4: where the out-of-line ftrace stub and CALL_ORIG
 * continue), and beside it `tl_ool_k`, four nops for the OOL stub. The
 * observers, all in assembly and using only r0/r11/r12/ctr:
 *
 * - `tl_entry` (the OOL stub's `bl` target, or fp_k for struct_ops) records r1,
 *   r2, LR, r0, r14–r31, r3–r10 and 256 bytes above r1, applies the job's
 *   argument-register poison (bits the ABI leaves unspecified) and poisons
 *   r11/r12, then branches to the trampoline at TRAMP_BASE with LR intact — so
 *   the trampoline sees exactly the state the patch site gives it.
 * - `tl_reentry` (func+4) records the same per visit (fentry: the trampoline's
 *   return; CALL_ORIG: the call into the original) plus the window above the
 *   entry SP, then jumps to `callee_body_k` with r12 = its address.
 * - the stubs `tl_stub_enter/prog/exit` log (kind, r1, r3), the prog stub
 *   copies ctx[-2..37] into a ring and returns `tl_prog_ret`; all clobber the
 *   volatile registers with poison (a real `__bpf_prog_enter` may).
 * - `tl_call_clean(fn)` fills 16 KiB below SP with 0xa5, puts known poison in
 *   r14–r31 and the argument registers, calls fn (caller_k/icaller_k) and
 *   records r1, r2, r14–r31 and the window above the entry SP after it returns.
 *
 * `harness_main` maps the trampoline page at TRAMP_BASE, then per job (see
 * protocol.ts) copies the trampoline and the patch bytes (only into
 * `.tl_patch`), the poison tables and the argument bytes, runs, and writes one
 * result record (flushed per job, so a crash loses only the job in flight).
 *
 * @module
 */

import type { Prototype } from "../../../corpus/types.ts";
import { CEmitter, cEscape } from "../../oracle/cemit.ts";
import { RUNTIME_SOURCE } from "../../oracle/source.ts";
import { retExpr } from "../source.ts";
import { stdinReaderC, stdoutWriterC, type SyscallC } from "../../qemu_stdio_c.ts";
import {
  ENTRY,
  EXIT,
  EXIT_FAULT_ADDR,
  EXIT_FAULT_PC,
  LOG_MAX,
  LOG_WORDS,
  nvPoison,
  REC_MAX,
  REC_WORDS,
  SCRATCH_POISON,
  STACK_POISON,
  STACK_POISON_BYTES,
  TRAMP_BASE,
  TRAMP_MAX,
  UC_NIP,
  VISIT,
  VISIT_MAX,
  WINDOW,
} from "./protocol.ts";

/** Symbol names of prototype k. */
export const qsym = {
  caller: (k: number) => `caller_${k}`,
  icaller: (k: number) => `icaller_${k}`,
  callee: (k: number) => `callee_${k}`,
  body: (k: number) => `callee_body_${k}`,
  ool: (k: number) => `tl_ool_${k}`,
  arg: (k: number, j: number) => `a_${k}_${j}`,
  rec: (k: number, j: number) => `r_${k}_${j}`,
  ret: (k: number) => `ret_${k}`,
  fp: (k: number) => `fp_${k}`,
};

/** Bytes from a callee's symbol (global entry) to its local entry (the patch site). */
export const LOCAL_ENTRY = 8;

/** The harness sources of one batch. */
export interface QemuSource {
  c: string;
  asm: string;
  ids: number[];
  unsupported: { id: number; reason: string }[];
  /** Prototype ids a 1-based line of `c` belongs to. */
  owners(line: number): number[];
}

function protoLines(em: CEmitter, k: number, p: Prototype): string[] {
  if (p.unsupported) throw new Error(`unsupported prototype: ${p.unsupported}`);
  if (p.variadic) throw new Error("variadic prototype (not attachable)");
  if (p.ret && (p.ret.kind === "struct" || p.ret.kind === "union" || p.ret.kind === "array")) {
    throw new Error("aggregate return (not attachable: btf_distill rejects it)");
  }
  const ret = p.ret === null ? "void" : em.typeName(p.ret, k);
  const types = p.params.map((q) => em.typeName(q.type, k));
  const params = types.length === 0 ? "void" : types.join(", ");
  const lines = [`/* ${k}: ${cEscape(p.name)} */`];
  p.params.forEach((q, j) => {
    lines.push(`${types[j]} ${qsym.arg(k, j)};`);
    lines.push(`unsigned char ${qsym.rec(k, j)}[${Math.max(1, q.type.size)}];`);
    lines.push(
      `_Static_assert(sizeof(${types[j]}) == ${q.type.size} && _Alignof(${
        types[j]
      }) == ${q.type.align}, "${k}: arg ${j} (${cEscape(q.type.name)}) layout");`,
    );
  });
  if (p.ret) lines.push(`${ret} ${qsym.ret(k)};`);
  lines.push(`void *${qsym.fp(k)};`);
  const formals = types.length === 0 ? "void" : types.map((t, j) => `${t} p${j}`).join(", ");
  const body = [
    "tl_callee_calls++;",
    ...p.params.map((q, j) => `__builtin_memcpy(${qsym.rec(k, j)}, &p${j}, ${q.type.size});`),
    p.ret ? `return ${retExpr(p.ret, ret)};` : "",
  ];
  lines.push(
    `__attribute__((noipa, used)) ${ret} ${qsym.body(k)}(${formals}) { ${body.join(" ")} }`,
  );
  lines.push(`extern ${ret} ${qsym.callee(k)}(${params});`);
  const args = p.params.map((_, j) => qsym.arg(k, j)).join(", ");
  const store = p.ret ? `${qsym.ret(k)} = ` : "";
  lines.push(`void ${qsym.caller(k)}(void) { ${store}${qsym.callee(k)}(${args}); }`);
  lines.push(
    `void ${qsym.icaller(k)}(void) { ${store}((${ret} (*)(${params}))${qsym.fp(k)})(${args}); }`,
  );
  return lines;
}

/** `lis/ori/rldicr/oris/ori` loading a 64-bit constant (as text). */
function li64(reg: number, v: bigint): string[] {
  const x = BigInt.asUintN(64, v);
  const h = (s: bigint) => Number((x >> s) & 0xffffn);
  const top = h(48n);
  return [
    `  lis ${reg}, ${top >= 0x8000 ? top - 0x10000 : top}`,
    `  ori ${reg}, ${reg}, ${h(32n)}`,
    `  rldicr ${reg}, ${reg}, 32, 31`,
    `  oris ${reg}, ${reg}, ${h(16n)}`,
    `  ori ${reg}, ${reg}, ${h(0n)}`,
  ];
}

/** Absolute address of a symbol (the static executable is not position independent). */
function la(reg: number, sym: string): string[] {
  return [
    `  lis ${reg}, ${sym}@highest`,
    `  ori ${reg}, ${reg}, ${sym}@higher`,
    `  rldicr ${reg}, ${reg}, 32, 31`,
    `  oris ${reg}, ${reg}, ${sym}@h`,
    `  ori ${reg}, ${reg}, ${sym}@l`,
  ];
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const fn = (name: string, body: string[]) => [
  `  .globl ${name}`,
  `  .type ${name},@function`,
  "  .p2align 4",
  `${name}:`,
  ...body,
  `  .size ${name}, .-${name}`,
];

function logStub(kind: number): string[] {
  return [
    ...la(11, "tl_log"),
    "  ld 12, 0(11)",
    `  cmpldi 12, ${LOG_MAX - 1}`,
    "  bgt 0, 1f",
    `  mulli 12, 12, ${LOG_WORDS * 8}`,
    "  add 12, 12, 11",
    `  li 0, ${kind}`,
    "  std 0, 8(12)",
    "  std 1, 16(12)",
    "  std 3, 24(12)",
    "1:",
    "  ld 12, 0(11)",
    "  addi 12, 12, 1",
    "  std 12, 0(11)",
  ];
}

function clobber(): string[] {
  // r0, r4..r12 and ctr: a real __bpf_prog_enter/exit may change all of them
  const out: string[] = [];
  for (const r of [0, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    out.push(...li64(r, SCRATCH_POISON | BigInt(0x1000 + r * 0x10)));
  }
  out.push("  mtctr 0");
  return out;
}

/** The assembly part (start, observers, stubs, clean call, callee entries). */
export function harnessAsm(ids: number[]): string {
  const lines: string[] = [
    "/* trampolint ppc64le trampoline harness: observers and stubs */",
    "  .abiversion 2",
    "  .machine power8",
    "  .text",
    ...fn("_start", [
      "  bcl 20, 31, 1f",
      "1:",
      "  mflr 12",
      "  addis 2, 12, (.TOC.-1b)@ha",
      "  addi 2, 2, (.TOC.-1b)@l",
      "  clrrdi 1, 1, 4",
      "  li 0, 0",
      "  stdu 0, -128(1)",
      "  bl harness_main",
      "  nop",
      "  li 0, 234",
      "  li 3, 4",
      "  sc",
    ]),
    ...fn("tl_entry", [
      ...la(12, "tl_entry_rec"),
      `  std 1, ${8 * ENTRY.r1}(12)`,
      `  std 2, ${8 * ENTRY.r2}(12)`,
      "  mflr 11",
      `  std 11, ${8 * ENTRY.lr}(12)`,
      `  std 0, ${8 * ENTRY.r0}(12)`,
      ...range(14, 31).map((r) => `  std ${r}, ${8 * (ENTRY.nv + r - 14)}(12)`),
      ...range(3, 10).map((r) => `  std ${r}, ${8 * (ENTRY.args + r - 3)}(12)`),
      ...range(0, WINDOW / 8 - 1).flatMap((j) => [
        `  ld 11, ${8 * j}(1)`,
        `  std 11, ${8 * (ENTRY.window + j)}(12)`,
      ]),
      ...la(12, "tl_poison"),
      ...range(3, 10).flatMap((r) => [
        `  ld 11, ${8 * (r - 3)}(12)`,
        `  and ${r}, ${r}, 11`,
        `  ld 11, ${64 + 8 * (r - 3)}(12)`,
        `  or ${r}, ${r}, 11`,
      ]),
      ...li64(12, TRAMP_BASE),
      "  mtctr 12",
      ...li64(11, SCRATCH_POISON | 0x11n),
      ...li64(12, SCRATCH_POISON | 0x12n),
      "  bctr",
    ]),
    ...fn("tl_reentry", [
      // r11 = k (set by callee_k at func+4)
      ...la(12, "tl_vptr"),
      "  ld 12, 0(12)",
      `  std 11, ${8 * VISIT.k}(12)`,
      `  std 1, ${8 * VISIT.r1}(12)`,
      `  std 2, ${8 * VISIT.r2}(12)`,
      "  mflr 11",
      `  std 11, ${8 * VISIT.lr}(12)`,
      `  std 0, ${8 * VISIT.r0}(12)`,
      ...range(14, 31).map((r) => `  std ${r}, ${8 * (VISIT.nv + r - 14)}(12)`),
      ...range(3, 10).map((r) => `  std ${r}, ${8 * (VISIT.args + r - 3)}(12)`),
      ...la(11, "tl_entry_rec"),
      `  ld 11, ${8 * ENTRY.r1}(11)`,
      "  cmpdi 11, 0",
      "  beq 0, 2f",
      ...range(0, WINDOW / 8 - 1).flatMap((j) => [
        `  ld 0, ${8 * j}(11)`,
        `  std 0, ${8 * (VISIT.window + j)}(12)`,
      ]),
      "2:",
      `  addi 11, 12, ${8 * VISIT.words}`,
      ...la(12, "tl_vend"),
      "  ld 12, 0(12)",
      "  cmpld 0, 11, 12",
      ...la(12, "tl_vptr"),
      "  bgt 0, 3f",
      "  std 11, 0(12)",
      "3:",
      `  ld 0, -${8 * VISIT.words}(11)`,
      ...la(12, "tl_vcount"),
      "  ld 11, 0(12)",
      "  addi 11, 11, 1",
      "  std 11, 0(12)",
      ...la(12, "tl_bodies"),
      "  sldi 0, 0, 3",
      "  ldx 12, 12, 0",
      "  mtctr 12",
      "  bctr",
    ]),
    ...fn("tl_stub_enter", [...logStub(1), ...clobber(), "  li 3, 1", "  blr"]),
    ...fn("tl_stub_exit", [...logStub(3), ...clobber(), "  li 3, 0", "  blr"]),
    ...fn("tl_stub_prog", [
      ...logStub(2),
      ...la(11, "tl_ring"),
      "  ld 12, 0(11)",
      `  cmpldi 12, ${REC_MAX - 1}`,
      "  bgt 0, 2f",
      `  mulli 12, 12, ${REC_WORDS * 8}`,
      "  add 12, 12, 11",
      "  addi 12, 12, 8",
      "  addi 4, 3, -16",
      `  li 0, ${REC_WORDS}`,
      "  mtctr 0",
      "3:",
      "  ld 0, 0(4)",
      "  std 0, 0(12)",
      "  addi 4, 4, 8",
      "  addi 12, 12, 8",
      "  bdnz 3b",
      "2:",
      "  ld 12, 0(11)",
      "  addi 12, 12, 1",
      "  std 12, 0(11)",
      ...clobber(),
      ...la(12, "tl_prog_ret"),
      "  ld 3, 0(12)",
      "  blr",
    ]),
    ...fn("tl_call_clean", [
      "  mflr 0",
      "  std 0, 16(1)",
      "  stdu 1, -256(1)",
      "  std 2, 24(1)",
      ...range(14, 31).map((r) => `  std ${r}, ${32 + 8 * (r - 14)}(1)`),
      // 0xa5 below the stack pointer: the frames to come start on poison
      "  mr 11, 1",
      ...li64(0, BigInt(`0x${STACK_POISON.toString(16).repeat(8)}`)),
      `  li 12, ${STACK_POISON_BYTES / 8}`,
      "  mtctr 12",
      "1:",
      "  stdu 0, -8(11)",
      "  bdnz 1b",
      "  mtctr 3",
      "  mr 12, 3",
      ...range(14, 31).flatMap((r) => li64(r, nvPoison(r - 14))),
      ...la(11, "tl_exit_rec"),
      `  std 1, ${8 * EXIT.r1Before}(11)`,
      `  std 2, ${8 * EXIT.r2Before}(11)`,
      ...range(3, 11).flatMap((r) => li64(r, SCRATCH_POISON | BigInt(0x2000 + r))),
      "  bctrl",
      ...la(11, "tl_exit_rec"),
      `  std 1, ${8 * EXIT.r1After}(11)`,
      `  std 2, ${8 * EXIT.r2After}(11)`,
      ...range(14, 31).map((r) => `  std ${r}, ${8 * (EXIT.nv + r - 14)}(11)`),
      ...la(12, "tl_entry_rec"),
      `  ld 12, ${8 * ENTRY.r1}(12)`,
      "  cmpdi 12, 0",
      "  beq 0, 2f",
      ...range(0, WINDOW / 8 - 1).flatMap((j) => [
        `  ld 0, ${8 * j}(12)`,
        `  std 0, ${8 * (EXIT.window + j)}(11)`,
      ]),
      "2:",
      // our own SP as it was before the call, whatever the trampoline did to it
      `  ld 1, ${8 * EXIT.r1Before}(11)`,
      "  ld 2, 24(1)",
      ...range(14, 31).map((r) => `  ld ${r}, ${32 + 8 * (r - 14)}(1)`),
      "  addi 1, 1, 256",
      "  ld 0, 16(1)",
      "  mtlr 0",
      "  blr",
    ]),
    `  .section .tl_patch,"awx",@progbits`,
    // pages of their own: qemu-user drops the translations of a page on every
    // write into it, so no data may share a page with patched code
    "  .p2align 16",
    "  .globl tl_patch_start",
    "tl_patch_start:",
  ];
  for (const k of ids) {
    const c = qsym.callee(k);
    lines.push(
      ...fn(c, [
        "0:",
        "  addis 2, 12, (.TOC.-0b)@ha",
        "  addi 2, 2, (.TOC.-0b)@l",
        `  .localentry ${c}, ${LOCAL_ENTRY}`,
        "  nop",
        `  li 11, ${k}`,
        "  b tl_reentry",
      ]),
      `  .globl ${qsym.ool(k)}`,
      `${qsym.ool(k)}:`,
      "  nop",
      "  nop",
      "  nop",
      "  nop",
    );
  }
  lines.push(
    "  .globl tl_patch_end",
    "tl_patch_end:",
    "  .p2align 16, 0",
    '  .section .note.GNU-stack,"",@progbits',
    "",
  );
  return lines.join("\n");
}

/** A call of MAIN's `sys6` wrapper with three arguments. */
const sys6: SyscallC = (nr, a, b, c) => `sys6(${nr}, ${a}, ${b}, ${c}, 0, 0, 0)`;

const MAIN = `
typedef unsigned int u32;
typedef unsigned long long u64;
static long sys6(long nr, long a, long b, long c, long d, long e, long f) {
  register long r0 __asm__("r0") = nr;
  register long r3 __asm__("r3") = a;
  register long r4 __asm__("r4") = b;
  register long r5 __asm__("r5") = c;
  register long r6 __asm__("r6") = d;
  register long r7 __asm__("r7") = e;
  register long r8 __asm__("r8") = f;
  __asm__ volatile("sc\\n\\tbns+ 1f\\n\\tneg %1, %1\\n1:"
                   : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5), "+r"(r6), "+r"(r7), "+r"(r8)
                   :
                   : "memory", "cr0", "r9", "r10", "r11", "r12", "ctr", "xer");
  return r3;
}
#define SYS_read 3
#define SYS_write 4
#define SYS_mmap 90
#define SYS_exit_group 234
u64 tl_entry_rec[${ENTRY.words}];
u64 tl_visits[${VISIT_MAX * VISIT.words}];
u64 tl_vptr, tl_vend, tl_vcount;
u64 tl_exit_rec[${EXIT.words}];
u64 tl_log[1 + ${LOG_MAX * LOG_WORDS}];
u64 tl_ring[1 + ${REC_MAX * REC_WORDS}];
u64 tl_poison[16];
u64 tl_prog_ret;
volatile u64 tl_callee_calls;
extern void tl_entry(void);
extern void tl_call_clean(void (*fn)(void));
extern unsigned char tl_patch_start[], tl_patch_end[];
${stdinReaderC(sys6)}
static int rdpad(void *p, size_t n) {
  unsigned char pad[4];
  return rd(p, n) && rd(pad, (4 - n % 4) % 4);
}
${stdoutWriterC(sys6)}
static int wrpad8(const void *p, size_t n) {
  static const unsigned char z[8];
  return wr(p, n) && wr(z, (8 - n % 8) % 8);
}
static void say(const char *m) {
  size_t n = 0;
  while (m[n]) n++;
  sys6(SYS_write, 2, (long)m, (long)n, 0, 0, 0);
}
static void sync_icache(unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i += 32) __asm__ volatile("dcbst 0, %0" :: "r"(p + i) : "memory");
  __asm__ volatile("sync" ::: "memory");
  for (size_t i = 0; i < n; i += 32) __asm__ volatile("icbi 0, %0" :: "r"(p + i) : "memory");
  __asm__ volatile("isync" ::: "memory");
}
static unsigned char jbuf[${TRAMP_MAX}];
/* the job in flight (for the fault handler) */
static const struct entry *cur;
static u32 cur_na;
static int emit(const struct entry *e, u32 na, u32 signo) {
  u32 status[2] = { e->id, signo };
  u64 calls = tl_callee_calls;
  if (!wr(status, 8) || !wr(tl_entry_rec, sizeof tl_entry_rec) || !wr(&tl_vcount, 8) ||
      !wr(tl_visits, sizeof tl_visits) || !wr(tl_exit_rec, sizeof tl_exit_rec) ||
      !wr(tl_log, sizeof tl_log) || !wr(tl_ring, sizeof tl_ring) || !wr(&calls, 8)) return 3;
  for (u32 j = 0; j < na; j++) {
    u64 changed = 0;
    for (u32 b = 0; b < e->sizes[j]; b++) changed += e->args[j][b] != jbuf[64 * j + b];
    if (!wr(&changed, 8)) return 3;
  }
  for (u32 j = 0; j < na; j++) if (!wrpad8(e->recs[j], e->sizes[j])) return 3;
  if (e->ret && !wrpad8(e->ret, e->retsize)) return 3;
  return flush() ? 0 : 3;
}
/* A fault in the job: report what was observed so far (status = the signal,
   exit record words ${EXIT_FAULT_PC}/${EXIT_FAULT_ADDR} = NIP and si_addr), then exit; the runner restarts. */
static void on_fault(int sig, void *info, void *uc) {
  if (cur) {
    tl_exit_rec[${EXIT_FAULT_PC}] = *(u64 *)((unsigned char *)uc + ${UC_NIP});
    tl_exit_rec[${EXIT_FAULT_ADDR}] = *(u64 *)((unsigned char *)info + 16);
    emit(cur, cur_na, (u32)sig);
  }
  sys6(SYS_exit_group, 5, 0, 0, 0, 0, 0);
}
static unsigned char altstack[65536];
static void catch_faults(void) {
  struct { void *sp; int flags; int pad; unsigned long size; } ss = { altstack, 0, 0, sizeof altstack };
  sys6(185 /* sigaltstack */, (long)&ss, 0, 0, 0, 0, 0);
  struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } sa =
    { (void *)on_fault, 0x4 /* SA_SIGINFO */ | 0x08000000 /* SA_ONSTACK */, 0, 0 };
  static const int sigs[] = { 4, 5, 7, 8, 11 }; /* ILL TRAP BUS FPE SEGV */
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sys6(173 /* rt_sigaction */, sigs[i], (long)&sa, 0, 8, 0, 0);
}
static int run_all(void) {
  unsigned char *tramp = (unsigned char *)0x${TRAMP_BASE.toString(16)}UL;
  u32 h[4];
  while (rd(h, 4) && h[0] == 1u) {
    if (!rd(h + 1, 12)) { say("short job header\\n"); return 2; }
    const struct entry *e = find(h[1]);
    if (!e || h[3] > ${TRAMP_MAX}u) { say("bad job: unknown prototype or oversized trampoline\\n"); return 2; }
    if (!rdpad(jbuf, h[3])) { say("short trampoline\\n"); return 2; }
    memcpy(tramp, jbuf, h[3]);
    sync_icache(tramp, h[3]);
    u32 np;
    if (!rd(&np, 4)) { say("short patch count\\n"); return 2; }
    for (u32 i = 0; i < np; i++) {
      u64 addr; u32 len;
      if (!rd(&addr, 8) || !rd(&len, 4) || len > 64 || !rdpad(jbuf, len)) { say("short patch\\n"); return 2; }
      unsigned char *at = (unsigned char *)addr;
      if (at < tl_patch_start || at + len > tl_patch_end) { say("patch outside .tl_patch\\n"); return 2; }
      memcpy(at, jbuf, len);
      sync_icache(at, len);
    }
    if (!rd(&tl_prog_ret, 8) || !rd(tl_poison, sizeof tl_poison)) { say("short job\\n"); return 2; }
    u32 na;
    if (!rd(&na, 4) || na != e->nargs) { say("argument count mismatch\\n"); return 2; }
    for (u32 j = 0; j < na; j++) {
      u32 size;
      if (!rd(&size, 4) || size != e->sizes[j] || !rdpad(jbuf + 64 * j, size)) { say("argument size mismatch\\n"); return 2; }
      memcpy(e->args[j], jbuf + 64 * j, size);
      memset(e->recs[j], 0xee, size);
    }
    if (e->ret) memset(e->ret, 0xee, e->retsize);
    memset(tl_entry_rec, 0, sizeof tl_entry_rec);
    memset(tl_visits, 0, sizeof tl_visits);
    memset(tl_exit_rec, 0, sizeof tl_exit_rec);
    tl_vptr = (u64)tl_visits;
    tl_vend = (u64)(tl_visits + ${(VISIT_MAX - 1) * VISIT.words});
    tl_vcount = 0;
    tl_log[0] = 0;
    tl_ring[0] = 0;
    tl_callee_calls = 0;
    if (h[2]) *e->fp = (void *)tl_entry;
    cur = e;
    cur_na = na;
    tl_call_clean(h[2] ? e->icaller : e->caller);
    cur = 0;
    if (emit(e, na, 0)) return 3;
  }
  return flush() ? 0 : 3;
}
void harness_main(void) {
  long m = sys6(SYS_mmap, 0x${TRAMP_BASE.toString(16)}L, ${TRAMP_MAX}, 7, 0x22 | 0x100000, -1, 0);
  if (m != 0x${TRAMP_BASE.toString(16)}L) {
    say("cannot map the trampoline page at 0x${TRAMP_BASE.toString(16)}\\n");
    sys6(SYS_exit_group, 4, 0, 0, 0, 0, 0);
  }
  catch_faults();
  sys6(SYS_exit_group, run_all(), 0, 0, 0, 0, 0);
}
`;

/** The batch's sources for `entries` (id → prototype). */
export function harnessSources(entries: [number, Prototype][]): QemuSource {
  const em = new CEmitter();
  const unsupported: { id: number; reason: string }[] = [];
  const bodies: { id: number; p: Prototype; lines: string[] }[] = [];
  for (const [k, p] of entries) {
    try {
      bodies.push({ id: k, p, lines: protoLines(em, k, p) });
    } catch (e) {
      unsupported.push({ id: k, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  bodies.sort((a, b) => a.id - b.id); // entries[] is searched by id
  const out: string[] = [];
  const owners: (number[] | "all")[] = [];
  const push = (text: string, o: number[] | "all") => {
    for (const l of text.split("\n")) {
      out.push(l);
      owners.push(o);
    }
  };
  push(RUNTIME_SOURCE, "all");
  push(
    "typedef unsigned int u32;\ntypedef unsigned long long u64;\nextern volatile u64 tl_callee_calls;\n",
    "all",
  );
  for (const d of em.defs) push(d.text, [...d.users]);
  for (const b of bodies) push(b.lines.join("\n"), [b.id]);
  const rows = bodies.map((b) => {
    const k = b.id, n = b.p.params.length;
    const list = (f: (j: number) => string) =>
      n ? `{ ${Array.from({ length: n }, (_, j) => f(j)).join(", ")} }` : "{ 0 }";
    push(
      `static unsigned char *const tl_args_${k}[] = ${
        list((j) => `(unsigned char *)&${qsym.arg(k, j)}`)
      };\n` +
        `static unsigned char *const tl_recs_${k}[] = ${list((j) => qsym.rec(k, j))};\n` +
        `static const unsigned tl_sizes_${k}[] = ${list((j) => String(b.p.params[j].type.size))};`,
      [k],
    );
    const ret = b.p.ret ? `(unsigned char *)&${qsym.ret(k)}, ${b.p.ret.size}` : "0, 0";
    return `  { ${k}u, ${qsym.caller(k)}, ${
      qsym.icaller(k)
    }, ${n}u, tl_args_${k}, tl_recs_${k}, tl_sizes_${k}, ${ret}, &${qsym.fp(k)} },`;
  });
  const maxId = Math.max(-1, ...bodies.map((b) => b.id));
  const table = Array.from({ length: maxId + 1 }, () => "0");
  for (const b of bodies) table[b.id] = `(void *)${qsym.body(b.id)}`;
  push(
    `struct entry { u32 id; void (*caller)(void); void (*icaller)(void); u32 nargs;
  unsigned char *const *args; unsigned char *const *recs; const unsigned *sizes;
  unsigned char *ret; u32 retsize; void **fp; };
void *const tl_bodies[${Math.max(1, maxId + 1)}] = { ${table.join(", ")} };
static const struct entry entries[] = {
${rows.join("\n") || "  { 0 }"}
};
static const struct entry *find(u32 id) {
  size_t lo = 0, hi = ${bodies.length};
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (entries[mid].id == id) return &entries[mid];
    if (entries[mid].id < id) lo = mid + 1; else hi = mid;
  }
  return 0;
}
${MAIN}`,
    "all",
  );
  return {
    c: out.join("\n") + "\n",
    asm: harnessAsm(bodies.map((b) => b.id)),
    ids: bodies.map((b) => b.id),
    unsupported,
    owners(line: number) {
      const o = owners[line - 1];
      return o === undefined || o === "all" ? [] : o;
    },
  };
}
