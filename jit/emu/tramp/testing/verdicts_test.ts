import { deepStrictEqual } from "node:assert/strict";
import type { Rule, Verdict } from "../verdict.ts";
import { type Limitation, unexplained, unseen } from "./verdicts.ts";

function v(proto: string, fails: Rule[], status: Verdict["status"] = "fail"): Verdict {
  return {
    proto,
    protoC: "",
    arch: "s390x",
    era: "v6.3",
    attach: "fentry",
    status,
    mismatches: fails.map((rule) => ({
      arg: 0,
      type: null,
      expected: "e",
      observed: "o",
      rule,
      severity: "fail" as const,
    })),
  };
}

const LIMS: Limitation[] = [
  { id: "hfa", why: "fp regs", classes: /^stress_hfa_f\d$/, rules: ["ctx-slot", "orig-arg"] },
  { id: "stale", why: "fixed", classes: /^stress_gone$/, rules: ["retval"] },
];

Deno.test("unexplained: a failure is explained only when one limitation covers its class and every failing rule", () => {
  const vs = [
    v("stress_hfa_f2_p9", ["ctx-slot", "orig-arg"]), // class stress_hfa_f2: explained
    v("stress_hfa_f2_p10", ["ctx-slot", "retval"]), // retval not covered
    v("stress_u8_p1", ["ctx-slot"]), // no limitation for the class
    v("stress_u8_p2", [], "pass"),
  ];
  deepStrictEqual(unexplained(vs, LIMS), [
    "s390x v6.3 fentry stress_hfa_f2_p10: fail \n" +
    "  [fail] ctx-slot arg0: expected e; observed o\n" +
    "  [fail] retval arg0: expected e; observed o",
    "s390x v6.3 fentry stress_u8_p1: fail \n  [fail] ctx-slot arg0: expected e; observed o",
  ]);
  deepStrictEqual(unseen(vs, LIMS), ["stale"]);
});
