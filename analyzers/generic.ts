/**
 * The generic (arch-independent) analyzer: include/linux/bpf.h and
 * kernel/bpf/btf.c (KERNEL_SPEC.md §1.1, §1.2).
 *
 * Knobs read:
 * - from bpf.h: `MAX_BPF_FUNC_ARGS`, `MAX_BPF_FUNC_REG_ARGS`, every
 *   `BTF_FMODEL_*` flag (its bit), and whether `struct btf_func_model` has
 *   `ret_flags`;
 * - from `btf_distill_func_proto()` in btf.c: the argument size cap
 *   (`size > 16` → -EINVAL, 720e6a435194), whether struct args are flagged
 *   STRUCT_ARG (v6.1), whether signed ints are flagged SIGNED_ARG
 *   (49f67f393ff2, v6.3), whether unions count as structs (`btf_type_is_struct`
 *   instead of `__btf_type_is_struct`, ccb4f5d91ec4, v6.18), and the
 *   `distillEra` of jit/corpus/distill.ts these add up to.
 *
 * @module
 */

import type { Applied, KnobChange, KnobReading, Unmodeled } from "./types.ts";
import type { CImage } from "./arch/types.ts";
import { prepareImage, reading } from "./arch/read.ts";
import {
  callsIn,
  type CFile,
  comparisonsIn,
  descendants,
  endLineOf,
  functionNamed,
  lineOf,
} from "./c/syntax.ts";
import { constOf } from "./arch/read.ts";
import { knobChanges, readFromAbsence } from "./changes.ts";
import {
  hunkFunction,
  type LocatedHunk,
  locateHunks,
  type PatchDiffs,
  unmodeledHunks,
} from "./unmodeled.ts";

/** The files this analyzer reads. */
export const BPF_H = "include/linux/bpf.h";
export const BTF_C = "kernel/bpf/btf.c";
export const GENERIC_FILES = [BPF_H, BTF_C] as const;

/** Functions of btf.c whose hunks are argument-model code. */
export const GENERIC_SCOPE = ["btf_distill_func_proto", "__get_type_size", "get_ctx_arg_idx"];

type Readings = Record<string, KnobReading>;

/** Knobs of bpf.h. */
export function readBpfH(img: CImage): Readings {
  const out: Readings = {};
  for (const d of descendants(img.c.root, "preproc_def")) {
    const name = d.childForFieldName("name")?.text ?? "";
    if (!/^(MAX_BPF_FUNC_ARGS|MAX_BPF_FUNC_REG_ARGS|BTF_FMODEL_\w+)$/.test(name)) continue;
    const v = img.consts.get(name);
    if (v !== undefined && !(name in out)) out[name] = reading(img, v, "<file>", d);
  }
  const model = descendants(img.c.root, "struct_specifier").find((s) =>
    s.childForFieldName("name")?.text === "btf_func_model" && s.childForFieldName("body")
  );
  if (model) {
    const fields = descendants(model, "field_identifier").map((f) => f.text);
    const rf = descendants(model, "field_identifier").find((f) => f.text === "ret_flags");
    out.retFlags = reading(img, fields.includes("ret_flags"), "<file>", rf ?? model);
  }
  return out;
}

/** Knobs of btf_distill_func_proto() in btf.c. */
export function readBtfC(img: CImage): Readings {
  const out: Readings = {};
  const fn = functionNamed(img.c, "btf_distill_func_proto");
  if (!fn) return out;
  const cap = comparisonsIn(fn.body).find((c) => c.op === ">" && constOf(img, c.right) === 16);
  if (cap) out.argSizeCap = reading(img, 16, fn, cap.node);
  const use = (name: string) => descendants(fn.body, "identifier").find((i) => i.text === name);
  const structFlag = use("BTF_FMODEL_STRUCT_ARG");
  out.structArgFlag = structFlag
    ? reading(img, true, fn, structFlag)
    : reading(img, false, fn, fn.node);
  const signed = use("BTF_FMODEL_SIGNED_ARG");
  out.signedArgFlag = signed ? reading(img, true, fn, signed) : reading(img, false, fn, fn.node);
  // The struct test used for the flag: __btf_type_is_struct (STRUCT only) or btf_type_is_struct (+ UNION).
  const tests = callsIn(fn.body, ["btf_type_is_struct", "__btf_type_is_struct"]);
  const unionTest = tests.find((c) => c.name === "btf_type_is_struct");
  if (tests.length) {
    out.unionArgs = reading(img, !!unionTest, fn, (unionTest ?? tests[0]).node);
  }
  // The era of jit/corpus/distill.ts these amount to (KERNEL_SPEC §1.2 table).
  const era = out.unionArgs?.value === true
    ? "v6.18"
    : signed
    ? "v6.3"
    : structFlag
    ? "v6.1"
    : "v5.5";
  const decisive = out.unionArgs?.value === true
    ? unionTest!.node
    : signed ?? structFlag ?? fn.node;
  out.distillEra = reading(img, era, fn, decisive);
  return out;
}

/** `struct btf_func_model` and the BTF_FMODEL_* / MAX_BPF_FUNC_* defines: model data in bpf.h. */
function modelRegions(c: CFile): { name: string; start: number; end: number }[] {
  const out: { name: string; start: number; end: number }[] = [];
  for (const s of descendants(c.root, "struct_specifier")) {
    if (s.childForFieldName("name")?.text === "btf_func_model" && s.childForFieldName("body")) {
      out.push({ name: "struct btf_func_model", start: lineOf(s), end: endLineOf(s) });
    }
  }
  for (const d of descendants(c.root, "preproc_def")) {
    const name = d.childForFieldName("name")?.text ?? "";
    if (/^(MAX_BPF_FUNC_\w+|BTF_FMODEL_\w+)$/.test(name)) {
      out.push({ name: `#define ${name}`, start: lineOf(d), end: lineOf(d) });
    }
  }
  return out;
}

/** Which model region of bpf.h a hunk changes (by its added and removed lines), or null. */
function modelRegion(pre: CFile | null, post: CFile | null): (h: LocatedHunk) => string | null {
  const preR = pre ? modelRegions(pre) : [], postR = post ? modelRegions(post) : [];
  const hit = (rs: typeof preR, lines: number[]) =>
    rs.find((r) => lines.some((l) => l >= r.start && l <= r.end))?.name ?? null;
  return (h) => hit(postR, h.plus) ?? hit(preR, h.minus);
}

/** What the generic analyzer says about a series. */
export interface GenericResult {
  before: Readings;
  after: Readings;
  knobs: KnobChange[];
  unmodeled: Unmodeled[];
  /** Constants of bpf.h other files use (MAX_BPF_FUNC_ARGS), before and after. */
  constsBefore: Record<string, number>;
  constsAfter: Record<string, number>;
}

/** Reads bpf.h and btf.c before and after the series (untouched files from `readBase`, unchanged). */
export async function readGeneric(
  applied: Applied,
  patches: PatchDiffs[],
  readBase?: (path: string) => Promise<string | null>,
): Promise<GenericResult> {
  const res: GenericResult = {
    before: {},
    after: {},
    knobs: [],
    unmodeled: [],
    constsBefore: {},
    constsAfter: {},
  };
  for (const file of GENERIC_FILES) {
    const touched = applied.pre.has(file) || applied.post.has(file);
    let preText = applied.pre.get(file) ?? null;
    let postText = applied.post.get(file) ?? null;
    if (!touched && readBase && applied.info.mode !== "hunk-only") {
      preText = postText = await readBase(file).catch(() => null);
    }
    const pre = preText === null ? null : await prepareImage(file, preText);
    const post = postText === null
      ? null
      : postText === preText
      ? pre
      : await prepareImage(file, postText);
    const read = file === BPF_H ? readBpfH : readBtfC;
    const before = pre ? read(pre) : {};
    const after = post ? read(post) : {};
    Object.assign(res.before, before);
    Object.assign(res.after, after);
    if (file === BPF_H) {
      for (const [img, into] of [[pre, res.constsBefore], [post, res.constsAfter]] as const) {
        const v = img?.consts.get("MAX_BPF_FUNC_ARGS");
        if (v !== undefined) into.MAX_BPF_FUNC_ARGS = v;
      }
    }
    if (!touched) {
      pre?.c.dispose();
      continue;
    }
    const located: LocatedHunk[] = locateHunks(patches, file, preText, postText);
    const fnOf = (h: LocatedHunk) => hunkFunction(h, pre?.c ?? null, post?.c ?? null);
    const { changes, explained } = knobChanges(
      file,
      before,
      after,
      located,
      fnOf,
      readFromAbsence(pre?.c ?? null, post?.c ?? null),
    );
    res.knobs.push(...changes);
    res.unmodeled.push(
      ...unmodeledHunks(
        located,
        pre?.c ?? null,
        post?.c ?? null,
        GENERIC_SCOPE,
        before,
        after,
        explained,
        modelRegion(pre?.c ?? null, post?.c ?? null),
      ).unmodeled,
    );
    pre?.c.dispose();
    if (post !== pre) post?.c.dispose();
  }
  return res;
}
