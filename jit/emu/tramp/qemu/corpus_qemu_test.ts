/**
 * ppc64 (qemu-user) over the whole stress + selftest corpus: the known-good
 * era (2026) and v6.13 pass every prototype except those in a named
 * limitation, each saying where it is documented; a failure outside them
 * fails here.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { emulateQemu } from "./emulate.ts";
import { stressPrototypes } from "../../../corpus/stress.ts";
import { selftestPrototypes } from "../../../corpus/selftests.ts";
import type { AttachType } from "../../../arch/tramp_types.ts";
import type { Verdict } from "../verdict.ts";
import { type Limitation, unexplained, unseen } from "../testing/verdicts.ts";

const LIMITATIONS: Limitation[] = [
  {
    id: "fp-aggregates",
    why: "homogeneous float aggregates travel in f1–f13 (ELFv2, abi.ts rule 4); the trampoline " +
      "saves only r3–r10 (d243b62b7bd3). The same finding as on x86_64/arm64.",
    classes: /^stress_hfa_[fd]\d$/,
    rules: ["ctx-slot", "orig-arg"],
  },
  {
    id: "quadword-alignment",
    why: "ELFv2 starts 16-byte-aligned aggregates at an even doubleword (GCC 12 and clang 14; " +
      "abi.ts rule 1); the kernel's flat doubleword model does not (KERNEL_SPEC §2.6 'not " +
      "modelled'), so ctx and the CALL_ORIG registers are one doubleword off.",
    classes:
      /^(stress_s16a16|stress_s16al16|bpf_testmod_test_int128_stack|bpf_testmod_test_int128_backfill)$/,
    rules: ["ctx-slot", "orig-arg"],
  },
];

const protos = [...await selftestPrototypes("lp64"), ...stressPrototypes()];

const RUNS: [string, AttachType][] = [["2026", "fentry"], ["2026", "fexit"], ["v6.13", "fentry"]];
for (const [era, attach] of RUNS) {
  Deno.test(`ppc64 ${era} ${attach}: stress + selftest corpus passes except named limitations`, async () => {
    const vs = await emulateQemu({ arch: "ppc64", era, attach, protos });
    deepStrictEqual(unexplained(vs, LIMITATIONS), []);
    const pass = vs.filter((v) => v.status === "pass").length;
    ok(pass > (era === "2026" ? 1300 : 1150), `${pass} pass of ${vs.length}`); // v6.13 rejects unions
    // every limitation is really exercised (a limitation nothing hits is stale)
    deepStrictEqual(unseen(vs, LIMITATIONS), []);
  });
}

Deno.test("ppc64 dedupe by abiKey gives every prototype the verdict it gets on its own", async () => {
  const opts = { arch: "ppc64" as const, era: "2026", attach: "fexit" as AttachType, protos };
  const all = await emulateQemu(opts);
  const dd = await emulateQemu({ ...opts, dedupe: true });
  const sig = (v: Verdict) =>
    `${v.proto} ${v.status} ${
      v.mismatches.filter((m) => m.severity === "fail").map((m) => `${m.rule}:${m.arg}`).sort()
    }`;
  deepStrictEqual(dd.map(sig), all.map(sig));
});
