/**
 * C source of a batch of prototypes for one target. For prototype k:
 *
 * ```c
 * extern R callee_k(T0, T1, ...);     // an absolute address in the sentinel page (build.ts)
 * T0 a_k_0; T1 a_k_1; ...             // the argument values: non-static, non-const globals
 * void caller_k(void) { callee_k(a_k_0, a_k_1, ...); }
 * ```
 *
 * The arguments are globals the compiler must load at run time (another
 * translation unit could have changed them), so the caller really moves every
 * argument from memory into its ABI location, and the runner writes exactly
 * the bytes it wants (values.ts) before each run without recompiling: the image
 * does not depend on the values, and a prototype can be run several times with
 * different bytes. `-fno-optimize-sibling-calls` (targets.ts) keeps the call a
 * real call, so the callee is entered with the caller's frame below it.
 *
 * Also here: the tiny freestanding runtime (memcpy/memset, AEABI helpers) the
 * compilers call for large copies, and the source-line → prototype map used
 * to attribute compile errors.
 *
 * @module
 */

import type { Prototype } from "../../corpus/types.ts";
import { CEmitter, cEscape } from "./cemit.ts";
import type { Target } from "./targets.ts";

/** Names of prototype k's symbols. */
export const sym = {
  caller: (k: number) => `caller_${k}`,
  callee: (k: number) => `callee_${k}`,
  arg: (k: number, j: number) => `a_${k}_${j}`,
};

/** One batch's C source. */
export interface BatchSource {
  text: string;
  /** Prototype ids (the `k` of the symbols) in the source. */
  ids: number[];
  /** Prototypes that could not even be written as C, with the reason. */
  unsupported: { id: number; reason: string }[];
  /** The prototype ids a 1-based source line belongs to (all users, for shared type definitions). */
  owners(line: number): number[];
}

/**
 * The source for `entries` (id → prototype). Ids are the `k` of the symbol
 * names, stable across rebuilds of a subset (compile-error bisection).
 */
export function batchSource(target: Target, entries: [number, Prototype][]): BatchSource {
  const em = new CEmitter();
  const unsupported: { id: number; reason: string }[] = [];
  const bodies: { id: number; lines: string[] }[] = [];
  for (const [k, p] of entries) {
    try {
      bodies.push({ id: k, lines: protoLines(em, k, p) });
    } catch (e) {
      unsupported.push({ id: k, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  const out: string[] = [
    `/* trampolint placement oracle: ${target.arch}, ${bodies.length} prototypes */`,
  ];
  const lineOwners: (number[] | "all")[] = ["all"];
  for (const d of em.defs) {
    const users = [...d.users];
    for (const l of d.text.split("\n")) {
      out.push(l);
      lineOwners.push(users);
    }
  }
  for (const b of bodies) {
    for (const l of b.lines) {
      out.push(l);
      lineOwners.push([b.id]);
    }
  }
  const ids = bodies.map((b) => b.id);
  return {
    text: out.join("\n") + "\n",
    ids,
    unsupported,
    owners(line: number) {
      const o = lineOwners[line - 1];
      return o === undefined || o === "all" ? [] : o;
    },
  };
}

function protoLines(em: CEmitter, k: number, p: Prototype): string[] {
  if (p.unsupported) throw new Error(`unsupported prototype: ${p.unsupported}`);
  if (p.variadic && p.params.length === 0) {
    throw new Error("variadic function without a named parameter (not valid C17)");
  }
  const ret = p.ret === null ? "void" : em.typeName(p.ret, k);
  const types = p.params.map((q) => em.typeName(q.type, k));
  const params = types.length === 0 ? "void" : types.join(", ") + (p.variadic ? ", ..." : "");
  const lines = [`/* ${k}: ${cEscape(p.name)} */`, `extern ${ret} ${sym.callee(k)}(${params});`];
  p.params.forEach((q, j) => {
    lines.push(`${types[j]} ${sym.arg(k, j)};`);
    lines.push(
      `_Static_assert(sizeof(${types[j]}) == ${q.type.size} && _Alignof(${
        types[j]
      }) == ${q.type.align}, "${k}: arg ${j} (${
        cEscape(q.type.name)
      }) is not ${q.type.size} bytes with alignment ${q.type.align} on this target");`,
    );
  });
  const args = p.params.map((_, j) => sym.arg(k, j)).join(", ");
  lines.push(`void ${sym.caller(k)}(void) { ${sym.callee(k)}(${args}); }`);
  return lines;
}

/**
 * memcpy/memmove/memset (and the ARM EABI helpers clang calls), for flat
 * freestanding images: compilers emit calls to them for large aggregate copies.
 * Byte loops through volatile pointers, so no compiler turns them back into calls.
 */
export const RUNTIME_SOURCE = `/* trampolint oracle runtime */
typedef __SIZE_TYPE__ size_t;
void *memcpy(void *d, const void *s, size_t n) {
  volatile unsigned char *dd = d; const volatile unsigned char *ss = s;
  for (size_t i = 0; i < n; i++) dd[i] = ss[i];
  return d;
}
void *memmove(void *d, const void *s, size_t n) {
  volatile unsigned char *dd = d; const volatile unsigned char *ss = s;
  if (dd < ss) { for (size_t i = 0; i < n; i++) dd[i] = ss[i]; }
  else { for (size_t i = n; i > 0; i--) dd[i - 1] = ss[i - 1]; }
  return d;
}
void *memset(void *d, int c, size_t n) {
  volatile unsigned char *dd = d;
  for (size_t i = 0; i < n; i++) dd[i] = (unsigned char)c;
  return d;
}
#ifdef __arm__
void __aeabi_memcpy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy4(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy8(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memmove(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove4(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove8(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memset(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memset4(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memset8(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memclr(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr4(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr8(void *d, size_t n) { memset(d, 0, n); }
#endif
`;
