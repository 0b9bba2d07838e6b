import assert from "node:assert/strict";
import { eraSource, matchEraIn } from "./era.ts";
import type { KnobReading } from "./types.ts";

const r = (value: string | number | boolean): KnobReading => ({
  value,
  function: "f",
  line: 1,
  evidence: "x",
});
const table = {
  eras: ["a", "b", "c"],
  knobs: (e: string) =>
    ({
      a: { limit: 6, mode: "one", flag: false },
      b: { limit: 12, mode: "one", flag: false },
      c: { limit: 12, mode: "two", flag: false },
    })[e]!,
  from: "table" as const,
};

Deno.test("newest agreeing era; ambiguity said in the label", () => {
  assert.deepEqual(matchEraIn(table, { limit: r(12), mode: r("two") }), {
    era: "c",
    nearest: "c",
    differs: [],
    label: "c",
  });
  assert.equal(
    matchEraIn(table, { flag: r(false) }).label,
    "c (or a, b: the knobs read do not tell them apart)",
  );
});

Deno.test("no era agrees: nearest (fewest disagreements, newest on a tie) with the differing knobs", () => {
  assert.deepEqual(matchEraIn(table, { limit: r(6), mode: r("two") }), {
    era: null,
    nearest: "c",
    differs: ["limit"],
    label: "unknown era, nearest c (differs: limit)",
  });
  assert.deepEqual(matchEraIn(table, { limit: r(6), flag: r(true) }).differs, ["flag"]);
});

Deno.test("a knob the era does not have neither agrees nor disagrees; no trampoline; nothing read", () => {
  assert.equal(matchEraIn(table, { limit: r(6), other: r(1) }).label, "a");
  assert.equal(
    matchEraIn(table, { trampoline: r(false) }).label,
    "no BPF trampoline (before a)",
  );
  assert.equal(matchEraIn(table, {}).label, "unknown era (no knob recognised)");
});

Deno.test("an arch without a trampoline model uses its recogniser's table", async () => {
  const src = await eraSource({
    arch: "arm32",
    files: [],
    scope: [],
    read: () => ({}),
    notes: [],
    eraTable: { eras: ["x"], knobs: () => ({ limit: 4 }), cite: "KERNEL_SPEC §2.7" },
  });
  assert.deepEqual([src?.from, src?.eras], ["table", ["x"]]);
  const model = await eraSource({
    arch: "riscv64",
    files: [],
    scope: [],
    read: () => ({}),
    notes: [],
  });
  assert.equal(model?.from, "model");
  assert.equal(model?.eras[0], "v6.3");
});
