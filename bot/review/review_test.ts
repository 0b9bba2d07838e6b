import assert from "node:assert/strict";
import type { Analysis, ArchAnalysis, EraMatch } from "../../analyzers/types.ts";
import { loadTrampArch } from "../../jit/emu/tramp/emulate.ts";
import { unicornUnavailable } from "../../jit/emu/unicorn.ts";
import { toolUnavailable } from "../../jit/emu/oracle/tools.ts";
import { stressPrototypes } from "../../jit/corpus/stress.ts";
import { planEras, reviewAnalysis, reviewStatus, sincePrevious } from "./review.ts";

const skip = unicornUnavailable() ?? (await toolUnavailable("gcc")) ??
  (await loadTrampArch("x86_64").then(() => null, (e) => String(e)));

const era = (e: string | null, nearest = e ?? "v6.1"): EraMatch => ({
  era: e,
  nearest,
  differs: [],
  label: e ?? `unknown era, nearest ${nearest}`,
});

function archAnalysis(o: Partial<ArchAnalysis> & Pick<ArchAnalysis, "arch">): ArchAnalysis {
  return {
    files: [],
    eraBefore: era("v6.1"),
    eraAfter: era("v6.1"),
    before: {},
    after: {},
    knobs: [],
    unmodeled: [],
    touched: false,
    notes: [],
    ...o,
  };
}

function analysis(o: Partial<Analysis>): Analysis {
  return {
    mode: "tree",
    base: "test",
    baseNote: "test",
    applyErrors: [],
    arches: {},
    generic: { before: {}, after: {}, knobs: [], unmodeled: [] },
    corpusAdditions: [],
    otherFiles: [],
    ...o,
  };
}

const series = {
  messageId: "m@x",
  subject: "[PATCH v2 0/1] bpf, x86: 12 args",
  version: 2,
  author: "A <a@x>",
  date: "2026-11-22",
};

Deno.test("planEras: base from the pre-image, patched = base + the changed knobs", async () => {
  const t = await loadTrampArch("x86_64");
  const aa = archAnalysis({
    arch: "x86_64",
    touched: true,
    knobs: [
      { name: "maxSlots", before: 6, after: 12, file: "f", function: "g", hunk: "@@" },
      { name: "notAKnob", before: 1, after: 2, file: "f", function: "g", hunk: "@@" },
    ],
  });
  const p = planEras(t, aa, undefined, "plan-test");
  assert.equal(p.before, "v6.1");
  assert.equal(p.after, "v6.1+plan-test");
  assert.equal(t.knobs(p.after).maxSlots.value, 12);
  assert.ok(p.notes.some((n) => n.includes("notAKnob")), p.notes.join("\n"));
  // no pre-image: the newest mainline era, said so
  const q = planEras(t, undefined, undefined, "x");
  assert.equal(q.before, "v6.19");
  assert.equal(q.after, q.before);
  assert.ok(q.notes[0].includes("unknown"));
  // an override wins
  assert.equal(planEras(t, aa, "v6.6", "plan-test2").before, "v6.6");
});

Deno.test({
  name: "reviewAnalysis: x86 limit 6 → 12 makes 7–12-slot prototypes attachable; arm64 untouched",
  ignore: !!skip,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // the knobs 473e3150e30a changed, as the recogniser would read them (all but distill)
    const t = await loadTrampArch("x86_64");
    const k61 = t.knobs("v6.1"), k66 = t.knobs("v6.6");
    const knobs = Object.keys(k66)
      .filter((n) => n !== "distillEra" && k61[n].value !== k66[n].value)
      .map((name) => ({
        name,
        before: k61[name].value,
        after: k66[name].value,
        file: "arch/x86/net/bpf_jit_comp.c",
        function: "arch_prepare_bpf_trampoline",
        hunk: "@@ -1,1 +1,1 @@",
      }));
    assert.ok(knobs.some((c) => c.name === "maxSlots"));
    const a = analysis({
      arches: {
        x86_64: archAnalysis({ arch: "x86_64", touched: true, knobs }),
        arm64: archAnalysis({ arch: "arm64", eraBefore: era("v6.0"), eraAfter: era("v6.0") }),
      },
    });
    const r = await reviewAnalysis(series, a, {
      arches: ["x86_64", "arm64"],
      btfPath: null,
      attachFull: ["fentry"],
      attachSmall: [],
    });
    assert.equal(r.arches.x86_64?.status !== "error", true, JSON.stringify(r.arches));
    assert.equal(r.arches.x86_64?.before, "v6.1");
    assert.equal(r.arches.x86_64?.after, "v6.1+v2");
    const g = r.layoutChanges.find((x) =>
      x.arch === "x86_64" && x.cause.startsWith("becomes attachable")
    );
    assert.ok(g, JSON.stringify(r.layoutChanges.map((x) => x.cause)));
    assert.ok(g.counts.stress > 0 && g.counts.real === 0);
    assert.equal(r.arches.arm64?.status, "not-applicable");
    assert.equal(r.corpus.real, 0);
    assert.ok(r.corpus.stress > 1000);
    assert.ok(r.timings.total > 0);
    // every introduced finding is a failing x86 verdict of the patched model
    for (const f of r.failures.introduced) {
      assert.equal(f.arch, "x86_64");
      assert.equal(f.era, "v6.1+v2");
    }
    assert.equal(reviewStatus(r), r.failures.introduced.length > 0 ? 1 : 0);
  },
});

Deno.test({
  name: "reviewAnalysis: the series' own new prototypes are checked on every arch",
  ignore: !!skip,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // an __int128 after 5 longs: fails on x86 v6.6 (B4 slot undercount)
    const p = stressPrototypes().find((q) =>
      q.params.length === 7 && q.params[5].type.kind === "int" && q.params[5].type.size === 16
    ) ?? stressPrototypes().find((q) =>
      q.params.some((x) => x.type.size === 16)
    )!;
    const a = analysis({
      arches: {
        x86_64: archAnalysis({ arch: "x86_64", eraBefore: era("v6.6"), eraAfter: era("v6.6") }),
        arm64: archAnalysis({ arch: "arm64", eraBefore: era("v6.17"), eraAfter: era("v6.17") }),
      },
      corpusAdditions: [{ proto: p, decl: "x", file: "bpf_testmod.c", patch: 1, change: "added" }],
    });
    const r = await reviewAnalysis(series, a, {
      arches: ["x86_64", "arm64"],
      btfPath: null,
      attachFull: ["fentry", "fexit"],
      attachSmall: [],
    });
    assert.equal(r.corpus.series, 1);
    for (const arch of ["x86_64", "arm64"] as const) {
      assert.notEqual(r.arches[arch]?.status, "not-applicable");
    }
    for (const f of r.failures.introduced) assert.equal(f.source, "series");
  },
});

Deno.test("reviewAnalysis: loongarch64 is reviewed from the model (model only), touched or by the series' prototypes", async () => {
  const p = stressPrototypes().find((q) => q.params.length === 9)!;
  const a = analysis({
    arches: {
      loongarch64: archAnalysis({
        arch: "loongarch64",
        touched: true,
        eraBefore: era("v6.17"),
        eraAfter: era("2026"),
        knobs: [{ name: "maxArgs", before: 8, after: 12, file: "f", function: "g", hunk: "@@" }],
      }),
    },
    corpusAdditions: [{ proto: p, decl: "x", file: "bpf_testmod.c", patch: 1, change: "added" }],
  });
  const r = await reviewAnalysis(series, a, {
    arches: ["loongarch64"],
    btfPath: null,
    attachFull: ["fentry"],
    attachSmall: [],
  });
  assert.deepEqual(r.modelOnly, ["loongarch64"]);
  const la = r.arches.loongarch64!;
  assert.equal(la.before, "v6.17");
  assert.notEqual(la.status, "error", la.note ?? "");
  assert.notEqual(la.status, "not-applicable");
  // v6.17 → 2026 (or v6.17 + the knob) makes 9-argument prototypes attachable
  assert.ok(
    r.layoutChanges.some((g) =>
      g.arch === "loongarch64" && g.cause.startsWith("becomes attachable")
    ),
    JSON.stringify(r.layoutChanges),
  );
});

Deno.test({
  name: "reviewAnalysis: GCC vs clang disagreements on the prototypes it names are reported",
  ignore: !!skip,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // x86-64 __int128 at the 6th position: GCC puts it on the stack, clang < 20 splits r9/stack
    const p = stressPrototypes().find((q) => q.name === "stress_i128_p6_probe")!;
    assert.ok(p);
    const a = analysis({
      arches: {
        x86_64: archAnalysis({ arch: "x86_64", eraBefore: era("v6.6"), eraAfter: era("v6.6") }),
      },
      corpusAdditions: [{ proto: p, decl: "x", file: "bpf_testmod.c", patch: 1, change: "added" }],
    });
    const r = await reviewAnalysis(series, a, {
      arches: ["x86_64"],
      btfPath: null,
      attachFull: ["fentry"],
      attachSmall: [],
    });
    const d = r.compilerDisagreements.filter((x) => x.proto === "stress_i128_p6_probe");
    assert.ok(d.length >= 1, JSON.stringify(r.compilerDisagreements));
    assert.match(d[0].detail, /gcc .*; clang /);
    assert.equal(d[0].arch, "x86_64");
  },
});

Deno.test("sincePrevious: vN-1's introduced failures, fixed or still present", () => {
  const f = (rule: string, type: string) => ({
    arch: "arm64" as const,
    era: "v6.17",
    attach: "fentry" as const,
    proto: "p",
    protoC: "void p(void)",
    source: "stress" as const,
    arg: 0,
    type,
    expected: "e",
    observed: "o",
    rule,
    alsoAffected: 0,
  });
  const rep = (introduced: ReturnType<typeof f>[], version: number) => ({
    messageId: `v${version}@x`,
    version,
    failures: { introduced, fixed: [], preexisting: [] },
  });
  const prev = rep([f("ctx-slot", "__int128"), f("orig-arg", "struct s")], 1);
  const now = rep([f("orig-arg", "struct s")], 2);
  // deno-lint-ignore no-explicit-any
  assert.deepEqual(sincePrevious(now as any, prev as any), {
    version: 1,
    messageId: "v1@x",
    fixed: 1,
    stillPresent: 1,
  });
});
