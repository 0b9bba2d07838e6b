import assert from "node:assert/strict";
import { applySeries } from "./apply.ts";
import { kernelTreeProvider } from "./kernel_tree.ts";
import { linuxSourceTree } from "./linux_source.ts";
import { FIXTURE_SERIES, fixtureSeries } from "./testing/series.ts";

/** What fixtures/series/README.md promises for each series against linux-source-6.1. */
const EXPECTED: Record<string, { version: number; patches: number; applied: number[] }> = {
  "x86-12-args.mbox": { version: 1, patches: 2, applied: [1, 2] },
  "arm64-12-args-v1.mbox": { version: 1, patches: 2, applied: [1, 2] },
  "arm64-12-args-v2.mbox": { version: 2, patches: 2, applied: [1, 2] },
  "arm64-struct-on-stack.mbox": { version: 1, patches: 1, applied: [1] },
  "x86-save-args-refactor.mbox": { version: 1, patches: 1, applied: [1] },
  "does-not-apply.mbox": { version: 1, patches: 2, applied: [1] },
  "testmod-protos.mbox": { version: 1, patches: 2, applied: [1, 2] },
};

Deno.test("every fixture series is listed here", () => {
  const files = [...Deno.readDirSync(FIXTURE_SERIES)].map((e) => e.name)
    .filter((n) => n.endsWith(".mbox")).sort();
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
});

for (const [name, want] of Object.entries(EXPECTED)) {
  Deno.test(`fixture ${name}: well-formed series that applies to linux-source-6.1 as documented`, async () => {
    const s = await fixtureSeries(name);
    assert.equal(s.version, want.version);
    assert.equal(s.patches.length, want.patches);
    assert.ok(s.cover, "has a cover letter");
    assert.equal(s.baseCommit, "830b3c68c1fb1e9176028d02ef86f3cf76aa2476");
    assert.deepEqual(s.missing, []);
    for (const p of s.patches) {
      assert.equal(p.diff.mangled, null, `${name} patch ${p.index}`);
      assert.equal(p.message.inReplyTo, s.messageId);
    }
    const t = await linuxSourceTree();
    const a = await applySeries(
      s,
      await kernelTreeProvider(t.dir, s.baseCommit, { label: t.label }),
    );
    assert.deepEqual(a.appliedPatches, want.applied);
    assert.equal(a.applyErrors.length, want.patches - want.applied.length);
    assert.match(a.info.note, /base-commit 830b3c68c1fb not in .*linux-source-6\.1 6\.1\.\d+ used/);
  });
}

Deno.test("arm64 v1 and v2 share title and change-id", async () => {
  const v1 = await fixtureSeries("arm64-12-args-v1.mbox");
  const v2 = await fixtureSeries("arm64-12-args-v2.mbox");
  assert.equal(v1.title, v2.title);
  assert.equal(v1.changeId, "20260402-arm64-many-args-3f1c2a9e7b10");
  assert.equal(v2.changeId, v1.changeId);
});
