import assert from "node:assert/strict";
import { stressPrototypes } from "../../jit/corpus/stress.ts";
import { emulateMany, loadTrampArch } from "../../jit/emu/tramp/emulate.ts";
import { unicornUnavailable } from "../../jit/emu/unicorn.ts";
import { toolUnavailable } from "../../jit/emu/oracle/tools.ts";
import { compareSides, layoutCause } from "./compare.ts";

const skip = unicornUnavailable() ?? (await toolUnavailable("gcc")) ??
  (await loadTrampArch("x86_64").then(() => null, (e) => String(e)));

Deno.test({
  name: "compare: x86_64 v6.1 → v6.6 over the stress corpus (12-arg support, B1 fixed)",
  ignore: !!skip,
  sanitizeResources: false,
  fn: async () => {
    const protos = stressPrototypes();
    const job = { arch: "x86_64" as const, attach: "fentry" as const, protos, dedupe: true };
    const before = await emulateMany({ ...job, era: "v6.1" });
    const after = await emulateMany({ ...job, era: "v6.6" });
    const c = compareSides("x86_64", [{ arch: "x86_64", attach: "fentry", protos, before, after }]);

    // layout: every prototype v6.1 rejects and v6.6 accepts is counted once, in one group
    const attachable = protos.filter((_, i) =>
      before[i].status === "rejected" && after[i].status !== "rejected"
    );
    assert.ok(attachable.length > 100);
    const g = c.layout.find((x) => x.cause.startsWith("becomes attachable"))!;
    assert.ok(g, JSON.stringify(c.layout.map((x) => x.cause)));
    assert.equal(g.counts.stress, attachable.length);
    assert.equal(g.counts.real + g.counts.selftest + g.counts.series, 0);
    const lo = Math.min(...attachable.map((p) => p.params.length));
    const hi = Math.max(...attachable.map((p) => p.params.length));
    assert.equal(g.cause, `becomes attachable (${lo}–${hi} arguments)`);
    assert.ok(g.examples.length > 0 && g.examples.length <= 5);
    // the first example is a smallest one
    const minParams = Math.min(...attachable.map((p) => p.params.length));
    assert.equal(g.examples[0].split(",").length, minParams);

    // failures: each group's representative really is in that class, and the
    // group sizes add up to the number of prototypes in the class
    const fixedN = protos.filter((_, i) =>
      before[i].status === "fail" && after[i].status === "pass"
    ).length;
    assert.ok(fixedN > 0, "v6.1's narrow stores (B1) fail and v6.6 passes them");
    assert.equal(c.fixed.reduce((n, f) => n + 1 + f.alsoAffected, 0), fixedN);
    const introducedN =
      protos.filter((_, i) => after[i].status === "fail" && before[i].status !== "fail").length;
    assert.equal(c.introduced.reduce((n, f) => n + 1 + f.alsoAffected, 0), introducedN);
    for (const f of [...c.fixed, ...c.introduced, ...c.preexisting]) {
      assert.ok(f.expected.length > 0 && f.observed.length > 0 && f.rule.length > 0);
      assert.equal(f.arch, "x86_64");
    }
    for (const f of c.fixed) assert.equal(f.era, "v6.1");
    for (const f of c.introduced) assert.equal(f.era, "v6.6");
  },
});

Deno.test("compare: layoutCause names attachability, slot count and frame changes", () => {
  const v = (o: Record<string, unknown>) => ({
    proto: "f",
    protoC: "void f(long a)",
    arch: "x86_64" as const,
    era: "e",
    attach: "fentry" as const,
    status: "pass" as const,
    mismatches: [],
    nslots: 1,
    ...o,
  });
  assert.equal(
    layoutCause(v({ status: "rejected", errno: "ENOTSUPP" }), v({})),
    "becomes attachable",
  );
  assert.equal(
    layoutCause(v({}), v({ status: "rejected", errno: "ENOTSUPP" })),
    "becomes rejected (-ENOTSUPP)",
  );
  assert.equal(layoutCause(v({}), v({ nslots: 2 })), "ctx slot count (ctx[-1]) changes");
  assert.equal(
    layoutCause(v({ notes: ["a"] }), v({ notes: ["b"] })),
    "native argument reading changes",
  );
  assert.equal(layoutCause(v({}), v({})), null);
});
