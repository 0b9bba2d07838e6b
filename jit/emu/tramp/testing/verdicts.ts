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

/**
 * A documented limitation on a corpus run: the stress classes (or selftest
 * names, matched against `stressClass`) and failing rules it covers, and why.
 */
export interface Limitation {
  id: string;
  why: string;
  classes: RegExp;
  rules: string[];
}

/**
 * The failing verdicts of `vs` that no limitation explains (one whose classes
 * match and whose rules cover every failing rule), each explained.
 */
export function unexplained(vs: Verdict[], lims: readonly Limitation[]): string[] {
  const out: string[] = [];
  for (const v of vs) {
    if (v.status !== "fail") continue;
    const rules = failures(v).map((m) => m.rule);
    const lim = lims.find((l) =>
      l.classes.test(stressClass(v.proto)) && rules.every((r) => l.rules.includes(r))
    );
    if (!lim) out.push(explain(v));
  }
  return out;
}

/** The ids of the limitations no failing verdict of `vs` hits (stale entries). */
export function unseen(vs: Verdict[], lims: readonly Limitation[]): string[] {
  return lims.filter((l) =>
    !vs.some((v) => v.status === "fail" && l.classes.test(stressClass(v.proto)))
  )
    .map((l) => l.id);
}
