/**
 * Helpers for the bug and corpus tests of the trampoline emulation: ad-hoc
 * prototypes, the failing mismatches of a verdict, and a readable dump of a
 * verdict for assertion messages.
 *
 * @module
 */

import { equal, ok } from "node:assert/strict";
import type { CType, Prototype } from "../../../corpus/types.ts";
import { intType } from "../../../corpus/ctypes.ts";
import type { Mismatch, Verdict } from "../verdict.ts";

/** A prototype `ret name(params…)` (parameters named a0, a1, …), source "selftest". */
export function proto(
  name: string,
  params: CType[],
  ret: CType | null = intType(64, true),
): Prototype {
  return {
    name,
    source: "selftest",
    ret,
    params: params.map((type, i) => ({ name: `a${i}`, type })),
    variadic: false,
    unsupported: null,
  };
}

/** The failing mismatches of `v` (of one rule, if given). */
export const failures = (v: Verdict, rule?: string): Mismatch[] =>
  v.mismatches.filter((m) => m.severity === "fail" && (!rule || m.rule === rule));

/** The verdict and every mismatch, one per line. */
export function explain(v: Verdict): string {
  return `${v.arch} ${v.era} ${v.attach} ${v.proto}: ${v.status} ${v.reason ?? ""}\n` +
    v.mismatches.map((m) =>
      `  [${m.severity}] ${m.rule} arg${m.arg}: expected ${m.expected}; observed ${m.observed}`
    ).join("\n");
}

/** Asserts a failing verdict with at least one `rule` failure. */
export function assertFails(v: Verdict, rule: string): void {
  equal(v.status, "fail", explain(v));
  ok(failures(v, rule).length > 0, `expected a ${rule} failure\n${explain(v)}`);
}

/** Asserts a passing verdict. */
export function assertPasses(v: Verdict): void {
  equal(v.status, "pass", explain(v));
}

/** The stress class of a prototype name (`stress_u8_p9_probe` → `stress_u8`). */
export function stressClass(name: string): string {
  return name.replace(/_p\d+(_fp)?(_probe)?$/, "");
}
