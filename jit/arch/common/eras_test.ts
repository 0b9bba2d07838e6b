import { equal, throws } from "node:assert/strict";
import { assertDerivedEraName, eraLookup } from "./eras.ts";

Deno.test("eraLookup: known eras resolve; unknown ones (inherited keys too) are clear errors", () => {
  const { eraSpec, distillEra } = eraLookup("toy", ["v6.3", "2026"], {
    "v6.3": { distillEra: "v6.3" as const, n: 1 },
    "2026": { distillEra: "2026" as const, n: 2 },
  });
  equal(eraSpec("2026").n, 2);
  equal(distillEra("v6.3"), "v6.3");
  throws(() => eraSpec("v6.4"), /toy: unknown era v6\.4 \(known: v6\.3, 2026\)/);
  throws(() => eraSpec("constructor"), /unknown era constructor/);
  throws(() => distillEra("toString"), /unknown era toString/);
});

Deno.test("eraLookup: an era added to the table later (deriveEra) resolves", () => {
  const specs: Record<string, { distillEra: "v6.3"; n: number }> = {
    "v6.3": { distillEra: "v6.3", n: 1 },
  };
  const { eraSpec } = eraLookup("toy", ["v6.3"], specs);
  throws(() => eraSpec("v6.3+fix"), /toy: unknown era v6\.3\+fix \(known: v6\.3\)/);
  specs["v6.3+fix"] = { distillEra: "v6.3", n: 2 };
  equal(eraSpec("v6.3+fix").n, 2);
});

Deno.test("assertDerivedEraName: a kernel era's name is refused, any other accepted", () => {
  throws(
    () => assertDerivedEraName("toy", ["v6.3", "2026"], "2026"),
    /^Error: toy: 2026 is a kernel era; a derived era needs another name$/,
  );
  assertDerivedEraName("toy", ["v6.3", "2026"], "2026+patch");
});
