/**
 * Syntax helpers over tree-sitter's C tree: functions and their line ranges,
 * calls, if-statements, comparisons, returns, assignments, macro definitions.
 * Recognisers (analyzers/arch) read kernel C through these, so what they see
 * is tied to the syntax tree, never to line text: reformatting, comments and
 * renamed locals do not change a reading.
 *
 * Lines are 1-based everywhere.
 *
 * @module
 */

import { type CNode, parseTree } from "./parser.ts";

/** A function definition. */
export interface CFunction {
  name: string;
  /** First and last line of the definition (inclusive). */
  start: number;
  end: number;
  node: CNode;
  /** The body (`compound_statement`). */
  body: CNode;
}

/** A parsed C file. */
export interface CFile {
  text: string;
  root: CNode;
  /** Frees the tree's WASM memory; nodes of this file must not be used afterwards. */
  dispose(): void;
  functions: CFunction[];
  /** Number of ERROR nodes (kernel macros tree-sitter could not place); the rest still parses. */
  errors: number;
}

/** A call expression. */
export interface CCall {
  /** The callee when it is a plain identifier (e.g. `emit_stx`), else its text. */
  name: string;
  args: CNode[];
  node: CNode;
  line: number;
}

/** An if-statement. */
export interface CIf {
  /** The condition without its parentheses. */
  condition: CNode;
  consequence: CNode;
  alternative: CNode | null;
  node: CNode;
  line: number;
}

/** A binary comparison (`<`, `<=`, `>`, `>=`, `==`, `!=`). */
export interface CComparison {
  op: "<" | "<=" | ">" | ">=" | "==" | "!=";
  left: CNode;
  right: CNode;
  node: CNode;
  line: number;
}

/** An assignment (`=`, `+=`, …) or an initialised declaration (`int x = …`, op `=`). */
export interface CAssignment {
  /** The assigned identifier (or the text of a non-identifier target). */
  target: string;
  op: string;
  value: CNode;
  node: CNode;
  line: number;
}

/** A `#define`. */
export interface CMacro {
  name: string;
  /** Parameter names for a function-like macro, else null. */
  params: string[] | null;
  /** The replacement text (continuations joined), trimmed. */
  body: string;
  line: number;
}

/** 1-based line of a node's first character. */
export function lineOf(n: CNode): number {
  return n.startPosition.row + 1;
}

/** 1-based line of a node's last character. */
export function endLineOf(n: CNode): number {
  return n.endPosition.row + 1;
}

/** Every descendant (and `n` itself) of the given types, in source order. */
export function descendants(n: CNode, types: string | string[]): CNode[] {
  return n.descendantsOfType(types).filter((x): x is CNode => x !== null);
}

/** The identifier a declarator declares (through pointer/array/function/parenthesised declarators). */
export function declaredName(declarator: CNode | null): string | null {
  let d = declarator;
  for (let i = 0; d && i < 16; i++) {
    if (d.type === "identifier" || d.type === "field_identifier") return d.text;
    d = d.childForFieldName("declarator") ?? d.namedChildren.find((c) =>
      c?.type.endsWith("declarator")
    ) ??
      null;
  }
  return null;
}

function functionOf(def: CNode): CFunction | null {
  const body = def.childForFieldName("body");
  const name = declaredName(def.childForFieldName("declarator"));
  if (!body || !name) return null;
  return { name, start: lineOf(def), end: endLineOf(def), node: def, body };
}

/** Parses C text (never throws on syntax errors: they stay local ERROR nodes). */
export async function parseC(text: string): Promise<CFile> {
  const tree = await parseTree(text);
  const root = tree.rootNode;
  const functions = descendants(root, "function_definition")
    .map(functionOf)
    .filter((f): f is CFunction => f !== null);
  let live = true;
  const dispose = () => {
    if (live) tree.delete();
    live = false;
  };
  return { text, root, functions, errors: descendants(root, "ERROR").length, dispose };
}

/** The (first) definition of `name`, or null. */
export function functionNamed(f: CFile, name: string): CFunction | null {
  return f.functions.find((x) => x.name === name) ?? null;
}

/** Functions whose definition overlaps lines `start..end` (inclusive), in source order. */
export function functionsOverlapping(f: CFile, start: number, end: number): CFunction[] {
  return f.functions.filter((x) => x.start <= end && x.end >= start);
}

/** The function enclosing a line range (the first one it overlaps), or null at file scope. */
export function functionEnclosing(f: CFile, start: number, end: number): CFunction | null {
  return functionsOverlapping(f, start, end)[0] ?? null;
}

/** Calls inside `n`, optionally only calls of `name`. */
export function callsIn(n: CNode, name?: string | string[]): CCall[] {
  const names = name === undefined ? null : Array.isArray(name) ? name : [name];
  const out: CCall[] = [];
  for (const c of descendants(n, "call_expression")) {
    const fn = c.childForFieldName("function");
    const callee = fn?.text ?? "";
    if (names && !names.includes(callee)) continue;
    const args = (c.childForFieldName("arguments")?.namedChildren ?? [])
      .filter((a): a is CNode => a !== null && a.type !== "comment");
    out.push({ name: callee, args, node: c, line: lineOf(c) });
  }
  return out;
}

/** Strips `( … )` around an expression. */
export function unparen(n: CNode): CNode {
  let x = n;
  while (x.type === "parenthesized_expression" && x.namedChildCount >= 1) {
    const inner = x.namedChildren.find((c) => c && c.type !== "comment");
    if (!inner) break;
    x = inner;
  }
  return x;
}

/** If-statements inside `n`. */
export function ifsIn(n: CNode): CIf[] {
  const out: CIf[] = [];
  for (const s of descendants(n, "if_statement")) {
    const cond = s.childForFieldName("condition");
    const cons = s.childForFieldName("consequence");
    if (!cond || !cons) continue;
    const alt = s.childForFieldName("alternative");
    out.push({
      condition: unparen(cond),
      consequence: cons,
      alternative: alt,
      node: s,
      line: lineOf(s),
    });
  }
  return out;
}

const COMPARISON_OPS = new Set(["<", "<=", ">", ">=", "==", "!="]);

/** Comparisons inside `n` (including `n` itself). */
export function comparisonsIn(n: CNode): CComparison[] {
  const out: CComparison[] = [];
  for (const b of descendants(n, "binary_expression")) {
    const op = b.childForFieldName("operator")?.type ?? "";
    const left = b.childForFieldName("left");
    const right = b.childForFieldName("right");
    if (!COMPARISON_OPS.has(op) || !left || !right) continue;
    out.push({ op: op as CComparison["op"], left, right, node: b, line: lineOf(b) });
  }
  return out;
}

/** Return statements inside `n`, with their value (null for `return;`). */
export function returnsIn(n: CNode): { value: CNode | null; node: CNode; line: number }[] {
  return descendants(n, "return_statement").map((r) => ({
    value: r.namedChildren.find((c) => c && c.type !== "comment") ?? null,
    node: r,
    line: lineOf(r),
  }));
}

/** Assignments and initialised declarations inside `n`. */
export function assignmentsIn(n: CNode): CAssignment[] {
  const out: CAssignment[] = [];
  for (const a of descendants(n, ["assignment_expression", "init_declarator"])) {
    const value = a.childForFieldName(a.type === "init_declarator" ? "value" : "right");
    const target = a.type === "init_declarator"
      ? declaredName(a.childForFieldName("declarator"))
      : a.childForFieldName("left")?.text ?? null;
    if (!value || !target) continue;
    const op = a.type === "init_declarator" ? "=" : a.childForFieldName("operator")?.type ?? "=";
    out.push({ target, op, value, node: a, line: lineOf(a) });
  }
  return out;
}

/** Identifiers (names) used inside `n`, including `n` itself. */
export function identifiersIn(n: CNode): string[] {
  const own = n.type === "identifier" ? [n.text] : [];
  return own.concat(descendants(n, "identifier").filter((x) => x !== n).map((x) => x.text));
}

/** Field names accessed inside `n` (`m->arg_size[i]` → `arg_size`). */
export function fieldsIn(n: CNode): string[] {
  return descendants(n, "field_expression")
    .map((x) => x.childForFieldName("field")?.text ?? "")
    .filter((s) => s !== "");
}

/** The nearest ancestor of `n` of one of `types` (not `n` itself), or null. */
export function ancestor(n: CNode, types: string | string[], stop?: CNode): CNode | null {
  const ts = Array.isArray(types) ? types : [types];
  for (let p = n.parent; p; p = p.parent) {
    if (stop && p.id === stop.id) return null;
    if (ts.includes(p.type)) return p;
  }
  return null;
}

/** Every ancestor if-statement of `n` up to (not including) `stop`. */
export function enclosingIfs(n: CNode, stop: CNode): CIf[] {
  const out: CIf[] = [];
  for (let p = n.parent; p && p.id !== stop.id; p = p.parent) {
    if (p.type !== "if_statement") continue;
    const cond = p.childForFieldName("condition");
    const cons = p.childForFieldName("consequence");
    if (!cond || !cons) continue;
    out.push({
      condition: unparen(cond),
      consequence: cons,
      alternative: p.childForFieldName("alternative"),
      node: p,
      line: lineOf(p),
    });
  }
  return out;
}

/** One line of evidence: the node's first line of text, whitespace collapsed, ≤ 160 chars. */
export function evidenceOf(n: CNode): string {
  const oneLine = n.text.split("\n")[0].replace(/\s+/g, " ").trim();
  return oneLine.length > 160 ? oneLine.slice(0, 157) + "..." : oneLine;
}

/** `#define`s of the file (object-like and function-like), by name (the first definition wins). */
export function macroDefinitions(f: CFile): Map<string, CMacro> {
  const out = new Map<string, CMacro>();
  for (const d of descendants(f.root, ["preproc_def", "preproc_function_def"])) {
    const name = d.childForFieldName("name")?.text;
    if (!name || out.has(name)) continue;
    const params = d.type === "preproc_function_def"
      ? (d.childForFieldName("parameters")?.namedChildren ?? []).filter((p): p is CNode => !!p)
        .map((p) => p.text)
      : null;
    const body = (d.childForFieldName("value")?.text ?? "").replace(/\\\n/g, " ").trim();
    out.set(name, { name, params, body, line: lineOf(d) });
  }
  return out;
}
