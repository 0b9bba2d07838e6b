/**
 * A series' own selftest prototypes (issue 5: "new or changed prototypes and
 * struct definitions in bpf_testmod (and test_run.c) become corpus entries",
 * KERNEL_SPEC.md §6). From the pre- and post-image of the selftest files:
 * every function definition the series adds, or whose signature (or a struct
 * it takes) it changes, is compiled — its signature with a trapping body, the
 * struct/union/enum definitions it needs, forward declarations and kernel
 * typedefs — by real gcc into DWARF, turned into BTF by pahole and read back
 * with our BTF parser (jit/corpus/selftests.ts `btfOfSource`), so the
 * `Prototype` is what the kernel's BTF would hold. Source label "series".
 *
 * @module
 */

import type { Applied, CorpusAddition } from "./types.ts";
import type { Prototype } from "../jit/corpus/types.ts";
import { btfOfSource } from "../jit/corpus/selftests.ts";
import { parseBtf } from "../jit/corpus/btf/parse.ts";
import { CTypeResolver } from "../jit/corpus/btf/ctype.ts";
import type { CNode } from "./c/parser.ts";
import { type CFile, type CFunction, descendants, parseC } from "./c/syntax.ts";
import { locateHunks, type PatchDiffs } from "./unmodeled.ts";

/** Files whose new function definitions become corpus entries. */
export const SELFTEST_FILES = [
  "tools/testing/selftests/bpf/bpf_testmod/bpf_testmod.c",
  "tools/testing/selftests/bpf/test_kmods/bpf_testmod.c",
  "net/bpf/test_run.c",
] as const;

/**
 * Kernel typedefs and annotation macros the emitted unit needs (include/linux/types.h,
 * compiler attributes): only what prototypes of selftest functions use.
 */
const PREAMBLE = `/* trampolint: a series' selftest prototypes, compiled for their BTF */
typedef unsigned char u8; typedef signed char s8;
typedef unsigned short u16; typedef signed short s16;
typedef unsigned int u32; typedef signed int s32;
typedef unsigned long long u64; typedef signed long long s64;
typedef u8 __u8; typedef s8 __s8; typedef u16 __u16; typedef s16 __s16;
typedef u32 __u32; typedef s32 __s32; typedef u64 __u64; typedef s64 __s64;
typedef u16 __le16; typedef u16 __be16; typedef u32 __le32; typedef u32 __be32;
typedef u64 __le64; typedef u64 __be64; typedef u16 __sum16; typedef u32 __wsum;
typedef _Bool bool;
typedef unsigned long size_t; typedef long ssize_t; typedef long long loff_t;
typedef unsigned long uintptr_t; typedef unsigned int gfp_t; typedef unsigned short umode_t;
typedef int pid_t; typedef unsigned int uid_t; typedef unsigned int gid_t;
typedef u64 phys_addr_t; typedef u64 dma_addr_t;
#define noinline __attribute__((noinline))
#define __noinline __attribute__((noinline))
#define __weak __attribute__((weak))
#define __used __attribute__((used))
#define __always_inline inline
#define __bpf_kfunc
#define __user
#define __percpu
#define __rcu
#define __iomem
#define __force
#define __must_check
#define __maybe_unused
#define notrace
#define __init
#define __exit
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
`;

/** A function definition's signature text (everything before the body), whitespace collapsed. */
export function signatureText(fn: CFunction): string {
  const text = fn.node.text.slice(0, fn.body.startIndex - fn.node.startIndex);
  return text.replace(/\s+/g, " ").trim();
}

/** Top-level struct/union/enum definitions (with a body) by "struct tag". */
function recordDefinitions(c: CFile): Map<string, CNode> {
  const out = new Map<string, CNode>();
  for (const s of descendants(c.root, ["struct_specifier", "union_specifier", "enum_specifier"])) {
    const name = s.childForFieldName("name")?.text;
    if (!name || !s.childForFieldName("body")) continue;
    const kind = s.type.replace("_specifier", "");
    if (!out.has(`${kind} ${name}`)) out.set(`${kind} ${name}`, s);
  }
  return out;
}

/** "struct tag" names referenced in a node. */
function recordRefs(n: CNode): string[] {
  return descendants(n, ["struct_specifier", "union_specifier", "enum_specifier"])
    .map((s) => {
      const name = s.childForFieldName("name")?.text;
      return name ? `${s.type.replace("_specifier", "")} ${name}` : "";
    })
    .filter((x) => x !== "");
}

/** The record definitions `tags` need (themselves and their members' records), dependencies first. */
function neededRecords(tags: string[], defs: Map<string, CNode>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (tag: string) => {
    if (seen.has(tag)) return;
    seen.add(tag);
    const d = defs.get(tag);
    if (!d) return;
    for (const r of recordRefs(d.childForFieldName("body")!)) visit(r);
    order.push(tag);
  };
  for (const r of tags) visit(r);
  return order;
}

/** Record tags of the parameters passed by value (pointer and array parameters dropped). */
function byValueTags(sig: CNode): string[] {
  return descendants(sig, "parameter_declaration").filter((p) => {
    const d = p.childForFieldName("declarator");
    return !d || !/pointer_declarator|array_declarator/.test(d.type);
  }).flatMap((p) => recordRefs(p));
}

/** A new or changed function of a selftest file. */
interface Candidate {
  file: string;
  fn: CFunction;
  sig: string;
  records: string[];
  change: "added" | "changed";
}

function candidates(path: string, pre: CFile | null, post: CFile): Candidate[] {
  const postDefs = recordDefinitions(post);
  const preDefs = pre ? recordDefinitions(pre) : new Map<string, CNode>();
  const out: Candidate[] = [];
  for (const fn of post.functions) {
    const sig = signatureText(fn);
    // Only functions with external linkage are in the module's BTF as FUNCs a program attaches to.
    if (/^static\b/.test(sig)) continue;
    const sigNode = fn.node.childForFieldName("declarator") ?? fn.node;
    const records = neededRecords(recordRefs(sigNode), postDefs);
    const old = pre?.functions.find((f) => f.name === fn.name) ?? null;
    let change: Candidate["change"] | null = old ? null : "added";
    if (old && signatureText(old) !== sig) change = "changed";
    if (old && !change) {
      // A struct taken by value (not through a pointer) that changed changes the prototype.
      const differs = neededRecords(byValueTags(sigNode), postDefs).some((r) =>
        preDefs.get(r)?.text.replace(/\s+/g, " ") !== postDefs.get(r)?.text.replace(/\s+/g, " ")
      );
      if (differs) change = "changed";
    }
    if (change) out.push({ file: path, fn, sig, records, change });
  }
  return out;
}

/** The standalone C unit for candidates: preamble, forward declarations, records, trapping bodies. */
export function unitFor(
  cands: { fn: CFunction; sig: string; records: string[] }[],
  post: CFile,
): string {
  const defs = recordDefinitions(post);
  const records = [...new Set(cands.flatMap((c) => c.records))];
  const defined = new Set(records);
  const mentioned = new Set<string>();
  for (const c of cands) {
    for (const r of recordRefs(c.fn.node.childForFieldName("declarator")!)) mentioned.add(r);
  }
  for (const r of records) for (const m of recordRefs(defs.get(r)!)) mentioned.add(m);
  const forward = [...mentioned].filter((m) => !defined.has(m) && !m.startsWith("enum "))
    .map((m) => `${m};`);
  const body = records.map((r) => `${defs.get(r)!.text};`);
  const fns = cands.map((c) => `${c.sig}\n{\n\t__builtin_trap();\n}`);
  return [PREAMBLE, ...forward, "", ...body, "", ...fns, ""].join("\n");
}

/** The 1-based patch adding/changing a function: the last one whose hunk touches its lines. */
function patchOf(
  patches: PatchDiffs[],
  path: string,
  pre: string | null,
  post: string,
  fn: CFunction,
): number {
  const hs = locateHunks(patches, path, pre, post)
    .filter((h) => h.plus.some((l) => l >= fn.start && l <= fn.end));
  return hs.at(-1)?.patch ??
    patches.filter((p) => p.files.some((f) => f.newPath === path)).at(-1)?.index ?? 0;
}

/** What the selftest analysis found: additions, and what could not be compiled. */
export interface SelftestResult {
  additions: CorpusAddition[];
  notes: string[];
}

async function prototypesOf(unit: string): Promise<Map<string, Prototype>> {
  const btf = parseBtf(await btfOfSource(new TextEncoder().encode(unit), "lp64"));
  const resolver = new CTypeResolver(btf, { pointerSize: 8 });
  const out = new Map<string, Prototype>();
  for (const f of btf.funcs()) out.set(f.name, resolver.proto(f.id, "series"));
  return out;
}

/** Corpus additions of a series (LP64; every arch with a trampoline is LP64). */
export async function selftestAdditions(
  applied: Applied,
  patches: PatchDiffs[],
): Promise<SelftestResult> {
  const additions: CorpusAddition[] = [];
  const notes: string[] = [];
  for (const path of SELFTEST_FILES) {
    const postText = applied.post.get(path);
    if (postText === undefined || postText === null) continue;
    const preText = applied.pre.get(path) ?? null;
    const post = await parseC(postText);
    const pre = preText === null ? null : await parseC(preText);
    const cands = candidates(path, pre, post);
    if (cands.length === 0) {
      post.dispose();
      pre?.dispose();
      continue;
    }
    let protos: Map<string, Prototype>;
    const failed: string[] = [];
    try {
      protos = await prototypesOf(unitFor(cands, post));
    } catch {
      // One bad prototype must not hide the others: compile each alone.
      protos = new Map();
      for (const c of cands) {
        try {
          for (const [k, v] of await prototypesOf(unitFor([c], post))) protos.set(k, v);
        } catch (e) {
          failed.push(
            `${c.fn.name}: ${
              (e as Error).message.split("\n").find((l) => /error/.test(l)) ?? "compile failed"
            }`,
          );
        }
      }
    }
    for (const c of cands) {
      const proto = protos.get(c.fn.name);
      if (!proto) continue;
      additions.push({
        proto,
        decl: `${c.sig};`,
        file: path,
        patch: patchOf(patches, path, preText, postText, c.fn),
        change: c.change,
      });
    }
    post.dispose();
    pre?.dispose();
    for (const f of failed) notes.push(`${path}: not compiled, not in the corpus: ${f}`);
  }
  return { additions, notes };
}
