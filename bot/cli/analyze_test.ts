/**
 * `review --stage analyze` end to end, as a user runs it: the fixture series
 * (fixtures/series, written by us against Debian's linux-source-6.1) →
 * linux-source-6.1 pre-images → git apply → recognisers.
 */
import assert from "node:assert/strict";
import { review } from "./testing.ts";
import { LINUX_SOURCE_TARBALL } from "../../analyzers/source/linux_source.ts";

const FIX = new URL("../../fixtures/series/", import.meta.url).pathname;
let skip: string | null = null;
try {
  await Deno.stat(LINUX_SOURCE_TARBALL);
} catch {
  skip = `${LINUX_SOURCE_TARBALL} missing (Debian package linux-source-6.1)`;
}

Deno.test({
  name: "review --stage analyze --json: x86 12-args series → knob changes with their hunks",
  ignore: !!skip,
  fn: async () => {
    const r = await review([`${FIX}x86-12-args.mbox`, "--stage", "analyze", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(r.stdout);
    assert.equal(a.mode, "tree");
    assert.match(a.base, /6\.1\.\d+/);
    assert.deepEqual(a.applyErrors, []);
    const x86 = a.arches.x86_64;
    assert.equal(x86.touched, true);
    const max = x86.knobs.find((k: { name: string }) => k.name === "maxSlots");
    assert.deepEqual([max.before, max.after], [6, 12]);
    assert.match(max.hunk, /^@@ -\d+,\d+ \+\d+,\d+ @@/);
    assert.equal(a.arches.arm64.touched, false);
    assert.deepEqual(a.arches.arm64.knobs, []);
    assert.ok(a.corpusAdditions.length >= 1);
    assert.match(JSON.stringify(a.summary), /bpf, x86/);
    // the text form names the change and its function
    const t = await review([`${FIX}x86-12-args.mbox`, "--stage", "analyze"]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /maxSlots: 6 → 12 {2}\(arch_prepare_bpf_trampoline; @@ /);
  },
});

Deno.test({
  name: "review --stage analyze: a series that does not apply is a CONFLICT result, exit 1",
  ignore: !!skip,
  fn: async () => {
    const r = await review([`${FIX}does-not-apply.mbox`, "--stage", "analyze", "--json"]);
    assert.equal(r.code, 1, r.stderr);
    const a = JSON.parse(r.stdout);
    assert.equal(a.applyErrors.length, 1);
    const e = a.applyErrors[0];
    assert.equal(e.patch, 2);
    assert.match(
      e.message,
      /does not apply to .*6\.1\.\d+: arch\/arm64\/net\/bpf_jit_comp\.c, hunk \d/,
    );
    const t = await review([`${FIX}does-not-apply.mbox`, "--stage", "analyze"]);
    assert.match(t.stdout, /CONFLICT patch 2: /);
  },
});

Deno.test({
  name: "review --stage analyze --no-linux-source: hunk-only mode is said in every output",
  fn: async () => {
    const r = await review([
      `${FIX}x86-12-args.mbox`,
      "--stage",
      "analyze",
      "--no-linux-source",
      "--json",
    ], { TRAMPOLINT_KERNEL_TREE: "" });
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(r.stdout);
    assert.equal(a.mode, "hunk-only");
    assert.equal(a.base, null);
    assert.match(a.baseNote, /hunk-only/);
    const t = await review([`${FIX}x86-12-args.mbox`, "--stage", "analyze", "--no-linux-source"]);
    assert.match(t.stdout, /hunk-only mode/);
  },
});

Deno.test("review: an unknown arch or era named on the command line is a clear error, exit 2", async () => {
  const a = await review([`${FIX}x86-12-args.mbox`, "--arch", "sparc"]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /unknown arch 'sparc' \(known: x86_64, arm64/);
  const e = await review([`${FIX}x86-12-args.mbox`, "--stage", "full", "--era", "x86_64=v9.9"]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /--era x86_64=v9\.9: unknown era \(known: v5\.5, v6\.1, v6\.6/);
  const s = await review([`${FIX}x86-12-args.mbox`, "--stage", "bogus"]);
  assert.equal(s.code, 2);
  assert.match(s.stderr, /--stage wants ingest, analyze or full/);
});
