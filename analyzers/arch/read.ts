/**
 * Reading helpers shared by the per-arch recognisers: preparing an image,
 * finding the argument-limit check and its errno, classifying what a counter
 * counts (C arguments or 8-byte slots), how the slot count adds the extra
 * slots of > 8-byte arguments, and turning syntax nodes into `KnobReading`s.
 * Everything works on the syntax tree (analyzers/c), so renamed locals and
 * reformatting do not change a reading.
 *
 * @module
 */

import type { KnobReading } from "../types.ts";
import type { CImage } from "./types.ts";
import type { CNode } from "../c/parser.ts";
import {
  assignmentsIn,
  callsIn,
  type CFunction,
  comparisonsIn,
  declaredName,
  descendants,
  enclosingIfs,
  evidenceOf,
  fieldsIn,
  functionNamed,
  identifiersIn,
  ifsIn,
  lineOf,
  macroDefinitions,
  parseC,
  returnsIn,
  unparen,
} from "../c/syntax.ts";
import { evalInt, macroConstants } from "../c/consteval.ts";

/**
 * Values from other files a JIT file uses. MAX_BPF_FUNC_ARGS is 12 in every
 * kernel since the trampoline (include/linux/bpf.h; KERNEL_SPEC.md §1.1); the
 * generic analyzer passes the value it read when it has bpf.h.
 */
export const DEFAULT_EXTERN: Record<string, number> = { MAX_BPF_FUNC_ARGS: 12 };

/** Parses a file and resolves its constant macros. */
export async function prepareImage(
  path: string,
  text: string,
  extern: Record<string, number> = DEFAULT_EXTERN,
): Promise<CImage> {
  const c = await parseC(text);
  const consts = await macroConstants(macroDefinitions(c), { ...DEFAULT_EXTERN, ...extern });
  return { path, c, consts };
}

/** A reading of `value`; the evidence is the source line where `node` starts. */
export function reading(
  img: CImage,
  value: string | number | boolean,
  fn: CFunction | string,
  node: CNode,
): KnobReading {
  const line = lineOf(node);
  const text = img.c.text.split("\n", line)[line - 1]?.replace(/\s+/g, " ").trim() ?? "";
  return {
    value,
    function: typeof fn === "string" ? fn : fn.name,
    line,
    evidence: text.length > 160 ? text.slice(0, 157) + "..." : text || evidenceOf(node),
  };
}

/**
 * `fns` followed by the file's functions they call (one level): helpers a
 * series factors out of the trampoline entry (a layout function, a limit
 * helper) are read like the entry itself.
 */
export function withCallees(img: CImage, fns: CFunction[]): CFunction[] {
  const out = [...fns];
  for (const fn of fns) {
    for (const c of callsIn(fn.body)) {
      const callee = functionNamed(img.c, c.name);
      if (callee && !out.includes(callee)) out.push(callee);
    }
  }
  return out;
}

/** The functions of `names` the image defines, in the order given. */
export function definedFunctions(img: CImage, names: string[]): CFunction[] {
  return names.map((n) => functionNamed(img.c, n)).filter((f): f is CFunction => f !== null);
}

/** Evaluates an integer constant expression with the image's macros. */
export function constOf(
  img: CImage,
  n: CNode,
  extra: Record<string, number> = {},
): number | null {
  return evalInt(n, (name) => img.consts.get(name) ?? extra[name] ?? null);
}

/**
 * The constant part of an offset expression: the sum of its constant additive
 * terms (`nr_stack_slots * 8 + 0x18` → 24, `16 + (i - RV_MAX_REG_ARGS) * 8` →
 * 16). `extra` gives values to names (a mode flag) or to calls (`"f()"`).
 * Null when no term is constant.
 */
export function constantPart(
  img: CImage,
  n: CNode,
  extra: Record<string, number> = {},
): number | null {
  const whole = constOf(img, n, extra);
  if (whole !== null) return whole;
  const u = unparen(n);
  if (u.type !== "binary_expression") return null;
  const op = u.childForFieldName("operator")?.type;
  if (op !== "+" && op !== "-") return null;
  const l = constantPart(img, u.childForFieldName("left")!, extra);
  const r = constantPart(img, u.childForFieldName("right")!, extra);
  if (l === null && r === null) return null;
  return (l ?? 0) + (op === "+" ? (r ?? 0) : -(r ?? 0));
}

/** The errno a statement returns (`return -ENOTSUPP;` or `ret = -EOPNOTSUPP; goto out;`), or null. */
export function errnoIn(n: CNode): string | null {
  const values: CNode[] = returnsIn(n).map((r) => r.value).filter((v): v is CNode => v !== null);
  for (const a of assignmentsIn(n)) values.push(a.value);
  for (const v of values) {
    const u = unparen(v);
    if (u.type !== "unary_expression" || u.childForFieldName("operator")?.type !== "-") continue;
    const arg = u.childForFieldName("argument");
    if (arg?.type === "identifier" && /^E[A-Z0-9]+$/.test(arg.text)) return arg.text;
  }
  return null;
}

/** The parameter names of a function, in order. */
export function parameterNames(fn: CFunction): string[] {
  const decl = descendants(fn.node.childForFieldName("declarator") ?? fn.node, "parameter_list")[0];
  return (decl?.namedChildren ?? []).filter((p) => p?.type === "parameter_declaration")
    .map((p) => declaredName(p!.childForFieldName("declarator")) ?? "");
}

/** What a count expression counts: C arguments (`m->nr_args`) or 8-byte slots (sums over `arg_size`). */
export type CountKind = "args" | "slots";

function fileFunction(img: CImage, name: string): CFunction | null {
  return functionNamed(img.c, name);
}

/**
 * Classifies a count expression inside `fn`: "slots" when it (or a local it is
 * computed from, or a file function it calls) uses `arg_size`; "args" when it
 * comes from `nr_args`; null when neither can be seen.
 */
export function countKind(img: CImage, fn: CFunction, expr: CNode, depth = 0): CountKind | null {
  if (depth > 4) return null;
  const own = expr.type === "field_expression" ? [expr.childForFieldName("field")?.text ?? ""] : [];
  const allFields = [...fieldsIn(expr), ...own];
  if (allFields.includes("arg_size")) return "slots";
  let kind: CountKind | null = allFields.includes("nr_args") ? "args" : null;
  for (const call of callsIn(expr)) {
    const callee = fileFunction(img, call.name);
    if (callee && callee.name !== fn.name && fieldsIn(callee.body).includes("arg_size")) {
      return "slots";
    }
  }
  const callees = new Set(callsIn(expr).map((c) => c.name));
  // A struct field (`ta->reg_slots`): what the file assigns to that field, wherever it does.
  for (const field of new Set(allFields)) {
    if (field === "nr_args" || field === "arg_size") continue;
    for (const f of img.c.functions) {
      for (const a of assignmentsIn(f.body)) {
        if (!a.target.endsWith(`->${field}`) && !a.target.endsWith(`.${field}`)) continue;
        const k = countKind(img, f, a.value, depth + 1);
        if (k === "slots") return "slots";
        if (k === "args") kind = "args";
      }
    }
  }
  for (const id of new Set(identifiersIn(expr))) {
    if (callees.has(id) || img.consts.has(id)) continue;
    // `s++` once per slot: incremented in a loop bounded by an argument's slot count.
    for (const u of descendants(fn.body, "update_expression")) {
      if (u.childForFieldName("argument")?.text !== id) continue;
      for (let p = u.parent; p && p.id !== fn.body.id; p = p.parent) {
        const cond = p.type === "for_statement" ? p.childForFieldName("condition") : null;
        if (!cond) continue;
        const bounded = comparisonsIn(cond).some((c) =>
          [c.left, c.right].some((side) =>
            side.type === "identifier" && side.text !== id &&
            countKind(img, fn, side, depth + 1) === "slots"
          )
        );
        if (bounded) return "slots";
      }
    }
    const defs = assignmentsIn(fn.body).filter((a) => a.target === id);
    // A parameter: what the callers in this file pass in its position.
    if (defs.length === 0) {
      const at = parameterNames(fn).indexOf(id);
      for (const caller of at < 0 ? [] : img.c.functions) {
        if (caller.name === fn.name) continue;
        for (const call of callsIn(caller.body, fn.name)) {
          const arg = call.args[at];
          const k = arg ? countKind(img, caller, arg, depth + 1) : null;
          if (k === "slots") return "slots";
          if (k === "args") kind = "args";
        }
      }
    }
    for (const a of defs) {
      if (a.value.id === expr.id) continue;
      const k = countKind(img, fn, a.value, depth + 1);
      if (k === "slots") return "slots";
      if (k === "args") kind = "args";
    }
  }
  return kind;
}

/** An argument-limit check: `if (<count> > <limit>) return -E…;`. */
export interface LimitCheck {
  counts: CountKind;
  /** The largest accepted count. */
  limit: number;
  errno: string;
  fn: CFunction;
  /** The comparison. */
  node: CNode;
  /** The counted expression. */
  counter: CNode;
}

/** Every argument-limit check in `fns`, in source order. */
export function limitChecks(img: CImage, fns: CFunction[]): LimitCheck[] {
  const out: LimitCheck[] = [];
  for (const fn of fns) {
    for (const i of ifsIn(fn.body)) {
      const errno = errnoIn(i.consequence);
      if (!errno) continue;
      for (const c of comparisonsIn(i.condition)) {
        let counter: CNode | null = null;
        let limit: number | null = null;
        const l = constOf(img, c.left);
        const r = constOf(img, c.right);
        if (r !== null && l === null && (c.op === ">" || c.op === ">=")) {
          counter = c.left;
          limit = c.op === ">" ? r : r - 1;
        } else if (l !== null && r === null && (c.op === "<" || c.op === "<=")) {
          counter = c.right;
          limit = c.op === "<" ? l : l - 1;
        }
        if (!counter || limit === null) continue;
        const counts = countKind(img, fn, counter);
        if (counts) out.push({ counts, limit, errno, fn, node: c.node, counter });
      }
    }
  }
  return out;
}

/** How the slot count adds the extra slots of > 8-byte arguments. */
export interface SlotExtras {
  /** `struct-only`: only under a BTF_FMODEL_STRUCT_ARG test; `all`: for every argument. */
  rule: "struct-only" | "all";
  fn: CFunction;
  node: CNode;
}

/** True when `n` is inside a loop within `fn`. */
function inLoop(n: CNode, fn: CFunction): boolean {
  for (let p = n.parent; p && p.id !== fn.body.id; p = p.parent) {
    if (p.type === "for_statement" || p.type === "while_statement" || p.type === "do_statement") {
      return true;
    }
  }
  return false;
}

/**
 * The accumulation of per-argument slots (`x += (m->arg_size[i] + 7) / 8 - 1`
 * or `x += slots` with `slots` from `arg_size`) in a loop, restricted to the
 * targets named in `targets` when given (the limit check's counter).
 */
export function slotExtras(
  img: CImage,
  fns: CFunction[],
  targets: string[] | null,
): SlotExtras | null {
  for (const fn of fns) {
    for (const a of assignmentsIn(fn.body)) {
      if (a.op !== "+=" || !inLoop(a.node, fn)) continue;
      if (targets && !targets.includes(a.target.replace(/^.*(->|\.)/, ""))) continue;
      if (countKind(img, fn, a.value) !== "slots") continue;
      const structOnly = enclosingIfs(a.node, fn.body).some((i) =>
        identifiersIn(i.condition).includes("BTF_FMODEL_STRUCT_ARG")
      );
      return { rule: structOnly ? "struct-only" : "all", fn, node: a.node };
    }
    // `s++` once per slot of every argument (a per-slot placement loop).
    for (const u of descendants(fn.body, "update_expression")) {
      const arg = u.childForFieldName("argument");
      if (!arg || arg.type !== "identifier" || !inLoop(u, fn)) continue;
      if (targets && !targets.includes(arg.text)) continue;
      if (countKind(img, fn, arg) !== "slots") continue;
      const structOnly = enclosingIfs(u, fn.body).some((i) =>
        identifiersIn(i.condition).includes("BTF_FMODEL_STRUCT_ARG")
      );
      return { rule: structOnly ? "struct-only" : "all", fn, node: u };
    }
  }
  return null;
}

/**
 * The register-fit test of a per-argument placement loop
 * (`if (nr_regs + arg_regs > 6)`, `if (nregs + slots <= 8)`): a comparison of a
 * sum with a constant, where the sum involves an argument's slot count. Returns
 * the constant (the number of argument registers).
 */
export function registerFit(
  img: CImage,
  fns: CFunction[],
): { regs: number; fn: CFunction; node: CNode; sum: CNode } | null {
  for (const fn of fns) {
    // A limit check (`if (slots > N) return -E…`) is not a register-fit test.
    const limits = new Set(
      ifsIn(fn.body).filter((i) => errnoIn(i.consequence) !== null)
        .flatMap((i) => comparisonsIn(i.condition).map((c) => c.node.id)),
    );
    for (const c of comparisonsIn(fn.body)) {
      if (limits.has(c.node.id)) continue;
      const [sum, k] = constOf(img, c.right) !== null ? [c.left, c.right] : [c.right, c.left];
      const v = constOf(img, k);
      const s = unparen(sum);
      if (v === null || s.type !== "binary_expression") continue;
      if (s.childForFieldName("operator")?.type !== "+") continue;
      if (countKind(img, fn, s) !== "slots") continue;
      return { regs: v, fn, node: c.node, sum: s };
    }
  }
  return null;
}

/** The first use of identifier `name` in `fns`, or null. */
export function firstUse(fns: CFunction[], name: string): { fn: CFunction; node: CNode } | null {
  for (const fn of fns) {
    const id = descendants(fn.body, "identifier").find((x) => x.text === name);
    if (id) return { fn, node: id.parent ?? id };
  }
  return null;
}

/** The first call of one of `names` in `fns`, or null. */
export function firstCall(
  fns: CFunction[],
  names: string | string[],
): { fn: CFunction; node: CNode; args: CNode[] } | null {
  for (const fn of fns) {
    const c = callsIn(fn.body, names)[0];
    if (c) return { fn, node: c.node, args: c.args };
  }
  return null;
}

/** The signature line of a function, as evidence for a knob read from an absence. */
export function signature(fn: CFunction): CNode {
  return fn.node.childForFieldName("declarator") ?? fn.node;
}

/** A rounding of a counter up to a multiple (alignment handling). */
export interface Rounding {
  target: string;
  multiple: number;
  fn: CFunction;
  node: CNode;
}

const ROUND_CALLS = ["round_up", "roundup", "ALIGN", "ALIGN_UP", "__ALIGN_KERNEL"];

function lowBitsTest(img: CImage, cond: CNode): { target: string; multiple: number } | null {
  // `x & 1`, `x % 2`, `x & 15`, `x % 16`, optionally `!= 0`.
  let c = unparen(cond);
  if (c.type === "binary_expression" && c.childForFieldName("operator")?.type === "!=") {
    if (constOf(img, c.childForFieldName("right")!) !== 0) return null;
    c = unparen(c.childForFieldName("left")!);
  }
  if (c.type !== "binary_expression") return null;
  const op = c.childForFieldName("operator")?.type;
  const left = unparen(c.childForFieldName("left")!);
  const k = constOf(img, c.childForFieldName("right")!);
  if (k === null || left.type === "number_literal") return null;
  if (op === "&" && (k & (k + 1)) === 0 && k > 0) return { target: left.text, multiple: k + 1 };
  if (op === "%" && k > 1) return { target: left.text, multiple: k };
  return null;
}

/**
 * Roundings of counters inside argument loops of `fns`: `x = round_up(x, 2)`,
 * `x = ALIGN(x, 16)`, `x = (x + 15) & ~15`, `x += x & 1`, `if (x % 2) x++;`.
 * (Frame-size roundings outside loops are not argument placement.)
 */
export function roundingsIn(img: CImage, fns: CFunction[]): Rounding[] {
  const out: Rounding[] = [];
  for (const fn of fns) {
    for (const a of assignmentsIn(fn.body)) {
      if (!inLoop(a.node, fn)) continue;
      const v = unparen(a.value);
      const target = a.target.replace(/^.*(->|\.)/, "");
      if (v.type === "call_expression") {
        const name = v.childForFieldName("function")?.text ?? "";
        const args = (v.childForFieldName("arguments")?.namedChildren ?? []).filter((x) => !!x);
        const k = args[1] ? constOf(img, args[1]) : null;
        if (ROUND_CALLS.includes(name) && k !== null && k > 1) {
          out.push({ target, multiple: k, fn, node: a.node });
        }
        continue;
      }
      if (a.op === "+=") {
        const t = lowBitsTest(img, v);
        if (t && t.multiple === 2) out.push({ target, multiple: 2, fn, node: a.node });
        continue;
      }
      if (v.type === "binary_expression" && v.childForFieldName("operator")?.type === "&") {
        const mask = unparen(v.childForFieldName("right")!);
        if (mask.type === "unary_expression" && mask.childForFieldName("operator")?.type === "~") {
          const k = constOf(img, mask.childForFieldName("argument")!);
          if (k !== null && k > 0 && (k & (k + 1)) === 0) {
            out.push({ target, multiple: k + 1, fn, node: a.node });
          }
        }
      }
    }
    // `if (x % 2) x++;` / `if (x & 1) x += 1;`
    for (const i of ifsIn(fn.body)) {
      if (!inLoop(i.node, fn)) continue;
      const t = lowBitsTest(img, i.condition);
      if (!t) continue;
      const bumps = descendants(i.consequence, ["update_expression", "assignment_expression"])
        .some((u) => u.text.replace(/\s+/g, "").startsWith(t.target.replace(/\s+/g, "")));
      if (bumps) {
        out.push({
          target: t.target.replace(/^.*(->|\.)/, ""),
          multiple: t.multiple,
          fn,
          node: i.node,
        });
      }
    }
  }
  return out;
}

/**
 * Alignment handling of a placement loop (AAPCS64 C.8 / psABI): a rounding to
 * an even register of the register-fit counter, and a rounding of any other
 * counter (a stack slot or offset) to 16 bytes or an even slot.
 */
export function alignmentHandling(
  img: CImage,
  fns: CFunction[],
  fit: { sum: CNode } | null,
): { evenRegister: Rounding | null; stack16: Rounding | null } {
  const rounds = roundingsIn(img, fns);
  const fitIds = fit ? identifiersIn(fit.sum) : [];
  const evenRegister = rounds.find((r) => r.multiple === 2 && fitIds.includes(r.target)) ?? null;
  const stack16 =
    rounds.find((r) =>
      r !== evenRegister && !fitIds.includes(r.target) && (r.multiple === 16 || r.multiple === 2)
    ) ?? null;
  return { evenRegister, stack16 };
}

/** The slotCounting reading in an arch's vocabulary (`names`: [struct-only word, every-arg word]). */
export function slotCountingReading(
  img: CImage,
  extras: SlotExtras,
  names: readonly [string, string],
): KnobReading {
  return reading(img, extras.rule === "struct-only" ? names[0] : names[1], extras.fn, extras.node);
}
