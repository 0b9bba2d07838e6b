/**
 * Evaluation of simple integer constant expressions in C syntax trees:
 * literals (decimal, hex, octal, with U/L suffixes), macros that expand to
 * constants, parentheses, casts, unary `- ~ !` and the binary arithmetic,
 * shift, bit and comparison operators, `?:`, the kernel's `BIT(n)`. Anything else (sizeof, calls,
 * variables) is not constant: the result is null, never a guess.
 *
 * @module
 */

import type { CNode } from "./parser.ts";
import { parseTree } from "./parser.ts";
import type { CMacro } from "./syntax.ts";

/** Looks a name up (a macro or an enum constant): its value, or null when unknown/not constant. */
export type ConstLookup = (name: string) => number | null;

/** The value of a C integer literal (`0x18`, `12UL`, `010`), or null. */
export function intLiteral(text: string): number | null {
  const t = text.replace(/[uUlL]+$/, "");
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[bB][01]+$/.test(t)) return parseInt(t.slice(2), 2);
  if (/^0[0-7]+$/.test(t)) return parseInt(t.slice(1), 8);
  if (/^[0-9]+$/.test(t)) return parseInt(t, 10);
  return null;
}

function binary(op: string, a: number, b: number): number | null {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return b === 0 ? null : Math.trunc(a / b);
    case "%":
      return b === 0 ? null : a % b;
    case "<<":
      return a * 2 ** b;
    case ">>":
      return Math.floor(a / 2 ** b);
    case "&":
      return Number(BigInt(a) & BigInt(b));
    case "|":
      return Number(BigInt(a) | BigInt(b));
    case "^":
      return Number(BigInt(a) ^ BigInt(b));
    case "<":
      return a < b ? 1 : 0;
    case "<=":
      return a <= b ? 1 : 0;
    case ">":
      return a > b ? 1 : 0;
    case ">=":
      return a >= b ? 1 : 0;
    case "==":
      return a === b ? 1 : 0;
    case "!=":
      return a !== b ? 1 : 0;
    case "&&":
      return a && b ? 1 : 0;
    case "||":
      return a || b ? 1 : 0;
  }
  return null;
}

/** The value of an integer constant expression, or null when it is not one. */
export function evalInt(n: CNode, lookup: ConstLookup = () => null): number | null {
  switch (n.type) {
    case "number_literal":
      return intLiteral(n.text);
    case "char_literal": {
      const m = /^'(.)'$/.exec(n.text);
      return m ? m[1].charCodeAt(0) : null;
    }
    case "identifier":
      return lookup(n.text);
    case "parenthesized_expression": {
      const inner = n.namedChildren.find((c) => c && c.type !== "comment");
      return inner ? evalInt(inner, lookup) : null;
    }
    case "cast_expression": {
      const v = n.childForFieldName("value");
      return v ? evalInt(v, lookup) : null;
    }
    case "unary_expression": {
      const op = n.childForFieldName("operator")?.type;
      const arg = n.childForFieldName("argument");
      const v = arg ? evalInt(arg, lookup) : null;
      if (v === null) return null;
      if (op === "-") return -v;
      if (op === "+") return v;
      if (op === "~") return ~v;
      if (op === "!") return v ? 0 : 1;
      return null;
    }
    case "binary_expression": {
      const op = n.childForFieldName("operator")?.type ?? "";
      const l = n.childForFieldName("left");
      const r = n.childForFieldName("right");
      const a = l ? evalInt(l, lookup) : null;
      const b = r ? evalInt(r, lookup) : null;
      return a === null || b === null ? null : binary(op, a, b);
    }
    case "conditional_expression": {
      const c = n.childForFieldName("condition");
      const cv = c ? evalInt(c, lookup) : null;
      if (cv === null) return null;
      const pick = n.childForFieldName(cv ? "consequence" : "alternative");
      return pick ? evalInt(pick, lookup) : null;
    }
    case "call_expression": {
      // The kernel's BIT(n) / BIT_ULL(n) (include/linux/bits.h) are constants.
      const fn = n.childForFieldName("function")?.text;
      const args = n.childForFieldName("arguments")?.namedChildren ?? [];
      if ((fn === "BIT" || fn === "BIT_ULL") && args.length === 1 && args[0]) {
        const v = evalInt(args[0], lookup);
        return v === null ? null : 2 ** v;
      }
      // A call whose value the caller fixes (e.g. a mode predicate): looked up as "name()".
      return fn ? lookup(`${fn}()`) : null;
    }
    case "expression_statement": {
      const inner = n.namedChildren.find((c) => c && c.type !== "comment");
      return inner ? evalInt(inner, lookup) : null;
    }
  }
  return null;
}

/** Parses an expression written as text (e.g. a macro body) and evaluates it. */
export async function evalIntText(
  text: string,
  lookup: ConstLookup = () => null,
): Promise<number | null> {
  const tree = await parseTree(`long __trampolint_eval = (${text});`);
  try {
    const init = tree.rootNode.descendantsOfType("init_declarator")[0];
    const v = init?.childForFieldName("value");
    if (!v || tree.rootNode.hasError) return null;
    return evalInt(v, lookup);
  } finally {
    tree.delete();
  }
}

/**
 * Resolves object-like macros to constants (recursively: a macro may use
 * another). `extra` supplies values from other files (e.g. MAX_BPF_FUNC_ARGS
 * from include/linux/bpf.h) for names the file does not define itself. Cycles
 * and non-constant bodies give null.
 */
export async function macroConstants(
  macros: Map<string, CMacro>,
  extra: Record<string, number> = {},
): Promise<Map<string, number>> {
  const bodies = new Map<string, string>();
  for (const m of macros.values()) {
    if (m.params === null && m.body !== "") bodies.set(m.name, m.body);
  }
  // The file's own definition wins over a value from elsewhere.
  const out = new Map<string, number>(Object.entries(extra).filter(([k]) => !bodies.has(k)));
  // Fixed point: each round resolves macros whose names resolved in earlier rounds.
  for (let round = 0; round < 8; round++) {
    let progress = false;
    for (const [name, body] of bodies) {
      if (out.has(name)) continue;
      const v = await evalIntText(body, (n) => out.get(n) ?? null);
      if (v !== null) {
        out.set(name, v);
        progress = true;
      }
    }
    if (!progress) break;
  }
  return out;
}
