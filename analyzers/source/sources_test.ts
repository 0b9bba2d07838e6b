import assert from "node:assert/strict";
import { sourcesFor } from "./sources.ts";
import { applySeries } from "./apply.ts";
import { fixtureSeries } from "./testing/series.ts";
import { startGithubServer } from "./testing/github_server.ts";
import { tempRepo } from "./testing/repo.ts";
import { linuxSourceTree } from "./linux_source.ts";
import { KernelTreeError } from "./kernel_tree.ts";

const X86 = "arch/x86/net/bpf_jit_comp.c";

Deno.test("no tree, no GitHub, no linux-source: hunk-only, saying why", async () => {
  const s = await fixtureSeries("x86-12-args.mbox");
  const p = await sourcesFor(s, { kernelTree: null, github: false, linuxSource: false });
  assert.equal(p.info.mode, "hunk-only");
  assert.equal(p.info.requested, s.baseCommit);
  assert.match(p.info.note, /^hunk-only mode: .*\(no --kernel-tree, GitHub not configured\)$/);
  assert.equal(await p.read(X86), null);
});

Deno.test("an explicit kernel tree wins; a bad one is an error", async () => {
  const s = await fixtureSeries("x86-12-args.mbox");
  const t = await linuxSourceTree();
  const p = await sourcesFor(s, { kernelTree: t.dir, github: { baseUrl: "http://127.0.0.1:1" } });
  assert.equal(p.info.mode, "tree");
  assert.equal(p.info.base, t.commit, "a git tree without the base-commit: its HEAD");
  await assert.rejects(() => sourcesFor(s, { kernelTree: "/nonexistent/tree" }), KernelTreeError);
});

Deno.test("GitHub serves the base-commit through the fake API; then linux-source; then hunk-only", async () => {
  const s = await fixtureSeries("x86-12-args.mbox");
  const t = await linuxSourceTree();
  // A GitHub repository whose commit is the series' base-commit is impossible to forge,
  // so point the series at a commit of a local repository holding the 6.1 files.
  const x86 = await Deno.readTextFile(`${t.dir}/${X86}`);
  const testmod = "tools/testing/selftests/bpf/bpf_testmod/bpf_testmod.c";
  const repo = await tempRepo([{
    [X86]: x86,
    [testmod]: await Deno.readTextFile(`${t.dir}/${testmod}`),
  }]);
  const server = await startGithubServer({ repos: { "torvalds/linux": repo.dir } });
  const cache = await Deno.makeTempDir();
  try {
    const at = { ...s, baseCommit: repo.commits[0] };
    const gh = { repos: ["torvalds/linux"], baseUrl: server.url, token: null, cacheDir: cache };
    const p = await sourcesFor(at, { kernelTree: null, github: gh, linuxSource: true });
    assert.equal(p.info.mode, "github");
    assert.equal(p.info.base, repo.commits[0]);
    const a = await applySeries(at, p);
    assert.deepEqual(a.appliedPatches, [1, 2]);
    assert.equal(a.pre.get(X86), x86);

    // The fixture's own base-commit (v6.1) is not on the fake: linux-source, with GitHub's reason.
    const fallback = await sourcesFor(s, { kernelTree: null, github: gh, linuxSource: true });
    assert.equal(fallback.info.mode, "tree");
    assert.equal(fallback.info.base, t.label);
    assert.match(
      fallback.info.note,
      /^GitHub torvalds\/linux: commit 830b3c68c1fb not found \(422\); base-commit 830b3c68c1fb not in/,
    );

    const none = await sourcesFor(s, { kernelTree: null, github: gh, linuxSource: false });
    assert.equal(none.info.mode, "hunk-only");
    assert.match(none.info.note, /GitHub torvalds\/linux: commit 830b3c68c1fb not found \(422\)/);

    const noBase = await sourcesFor({ ...s, baseCommit: null }, { kernelTree: null, github: gh });
    assert.match(noBase.info.note, /GitHub not asked: the series names no base-commit/);
  } finally {
    await server.close();
    await repo.remove();
    await Deno.remove(cache, { recursive: true });
  }
});
