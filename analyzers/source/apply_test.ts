import assert from "node:assert/strict";
import { applySeries, touchedPaths } from "./apply.ts";
import { kernelTreeProvider } from "./kernel_tree.ts";
import { hunkOnlyProvider } from "./hunk_only.ts";
import { linuxSourceTree } from "./linux_source.ts";
import { fixtureSeries, mboxFromCommits, seriesFromMbox } from "./testing/series.ts";
import { tempRepo } from "./testing/repo.ts";
import { git, gitOk } from "./git.ts";

const X86 = "arch/x86/net/bpf_jit_comp.c";
const ARM64 = "arch/arm64/net/bpf_jit_comp.c";
const TESTMOD = "tools/testing/selftests/bpf/bpf_testmod/bpf_testmod.c";

async function linux61() {
  const t = await linuxSourceTree();
  return (requested: string | null) => kernelTreeProvider(t.dir, requested, { label: t.label });
}

Deno.test("x86-12-args applies to linux-source-6.1: pre has save_regs, post has save_args", async () => {
  const s = await fixtureSeries("x86-12-args.mbox");
  const a = await applySeries(s, await (await linux61())(s.baseCommit));
  assert.deepEqual(a.applyErrors, []);
  assert.deepEqual(a.appliedPatches, [1, 2]);
  assert.deepEqual([...a.pre.keys()], [X86, TESTMOD]);
  const pre = a.pre.get(X86)!, post = a.post.get(X86)!;
  assert.match(pre, /static void save_regs\(/);
  assert.match(pre, /if \(nr_regs > 6\)\n\t\treturn -ENOTSUPP;/);
  assert.doesNotMatch(post, /static void save_regs\(/);
  assert.match(
    post,
    /static void save_args\(const struct btf_func_model \*m, u8 \*\*prog, int off,/,
  );
  assert.match(post, /if \(nr_regs > MAX_BPF_FUNC_ARGS\)\n\t\treturn -ENOTSUPP;/);
  assert.match(a.post.get(TESTMOD)!, /bpf_testmod_many_args_11\(u64 a/);
  assert.doesNotMatch(a.pre.get(TESTMOD)!, /bpf_testmod_many_args_11/);
  assert.equal(a.info.base, `linux-source-6.1 ${(await linuxSourceTree()).version}`);
});

Deno.test("does-not-apply: patch 2 reported with file and hunk, patch 1 still applied", async () => {
  const s = await fixtureSeries("does-not-apply.mbox");
  const p = await (await linux61())(s.baseCommit);
  const a = await applySeries(s, p);
  assert.deepEqual(a.appliedPatches, [1]);
  assert.deepEqual(a.applyErrors, [{
    patch: 2,
    subject: "bpf, arm64: document the argument register count",
    file: ARM64,
    hunk: 2,
    message: `does not apply to ${p.info.base}: ${ARM64}, hunk 2`,
  }]);
  // Patch 1 changed x86; the failed patch left no trace in arm64.
  assert.notEqual(a.post.get(X86), a.pre.get(X86));
  assert.match(a.post.get(X86)!, /Only the six argument registers are saved and restored/);
  assert.equal(a.post.get(ARM64), a.pre.get(ARM64));
});

Deno.test("a conflict in patch 1 does not stop patch 2", async () => {
  // Swap the order: the failing arm64 patch first, the x86 one second.
  const s = await fixtureSeries("does-not-apply.mbox");
  const swapped = { ...s, patches: [s.patches[1], s.patches[0]] };
  const a = await applySeries(swapped, await (await linux61())(null));
  assert.deepEqual(a.appliedPatches, [1]);
  assert.equal(a.applyErrors.length, 1);
  assert.equal(a.applyErrors[0].patch, 2);
  assert.notEqual(a.post.get(X86), a.pre.get(X86));
});

Deno.test("hunk-only mode: no images, nothing applied, labelled", async () => {
  const s = await fixtureSeries("x86-12-args.mbox");
  const a = await applySeries(s, hunkOnlyProvider(s.baseCommit, "no --kernel-tree"));
  assert.equal(a.info.mode, "hunk-only");
  assert.equal(a.info.base, null);
  assert.match(
    a.info.note,
    /^hunk-only mode: no pre-images, only the diff hunks are read \(no --kernel-tree\)$/,
  );
  assert.deepEqual(a.appliedPatches, []);
  assert.deepEqual(a.applyErrors, []);
  assert.deepEqual([...a.pre], [[X86, null], [TESTMOD, null]]);
  assert.deepEqual([...a.post], [[X86, null], [TESTMOD, null]]);
});

Deno.test("a mangled patch is an apply error with the reason; the next patch applies", async () => {
  const text = await Deno.readTextFile(
    new URL("../../fixtures/series/x86-12-args.mbox", import.meta.url),
  );
  // Drop one context line from the first hunk of patch 1: the hunk's line counts no longer match.
  const at = text.indexOf("\n \treturn proglen;\n");
  assert.ok(at > 0);
  const mangled = text.slice(0, at) + text.slice(text.indexOf("\n", at + 1));
  const s = seriesFromMbox(mangled);
  assert.ok(s.patches[0].diff.mangled, "the fixture edit must make patch 1 mangled");
  const a = await applySeries(s, await (await linux61())(null));
  assert.deepEqual(a.appliedPatches, [2]);
  assert.equal(a.applyErrors.length, 1);
  const e = a.applyErrors[0];
  assert.equal(e.patch, 1);
  assert.match(e.message, /^patch 1 is mangled, not applied: /);
  assert.ok(e.message.includes(s.patches[0].diff.mangled!.reason));
  assert.equal(a.post.get(X86), a.pre.get(X86));
  assert.notEqual(a.post.get(TESTMOD), a.pre.get(TESTMOD));
});

Deno.test("new and deleted files; a patch on a file an earlier patch created", async () => {
  const r = await tempRepo([
    { "a.c": "int a;\n", "old.c": "int old;\n" },
    { "new.c": "int n1;\n", "old.c": null },
    { "new.c": "int n1;\nint n2;\n" },
  ]);
  try {
    const s = seriesFromMbox(await mboxFromCommits(r.dir, r.commits.slice(1)));
    assert.deepEqual(touchedPaths(s), ["new.c", "old.c"]);
    const p = await kernelTreeProvider(r.dir, r.commits[0]);
    assert.equal(p.info.base, r.commits[0]);
    const a = await applySeries(s, p);
    assert.deepEqual(a.applyErrors, []);
    assert.deepEqual(a.appliedPatches, [1, 2]);
    assert.equal(a.pre.get("new.c"), null);
    assert.equal(a.post.get("new.c"), "int n1;\nint n2;\n");
    assert.equal(a.pre.get("old.c"), "int old;\n");
    assert.equal(a.post.get("old.c"), null);
  } finally {
    await r.remove();
  }
});

Deno.test("3-way: a patch made against the base merges after an earlier patch moved its context", async () => {
  const lines = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`);
  const file = (edit: (l: string[]) => void) => {
    const l = [...lines];
    edit(l);
    return l.join("\n") + "\n";
  };
  const r = await tempRepo([{ "f.c": file(() => {}) }]);
  try {
    const base = r.commits[0];
    await Deno.writeTextFile(`${r.dir}/f.c`, file((l) => (l[1] = "line 2 changed by patch 1")));
    await gitOk(r.dir, ["commit", "-qam", "patch one"]);
    const c1 = (await gitOk(r.dir, ["rev-parse", "HEAD"])).trim();
    await gitOk(r.dir, ["checkout", "-q", "-b", "other", base]);
    await Deno.writeTextFile(`${r.dir}/f.c`, file((l) => (l[3] = "line 4 changed by patch 2")));
    await gitOk(r.dir, ["commit", "-qam", "patch two"]);
    const c2 = (await gitOk(r.dir, ["rev-parse", "HEAD"])).trim();
    const s = seriesFromMbox(await mboxFromCommits(r.dir, [c1, c2]));
    // Without 3-way, patch 2 does not apply after patch 1 (its context line 2 changed).
    await gitOk(r.dir, ["checkout", "-q", c1]);
    const diff2 = await gitOk(r.dir, ["diff", base, c2]);
    const plain = await git(r.dir, ["apply", "--check", "-"], new TextEncoder().encode(diff2));
    assert.notEqual(plain.code, 0);
    const a = await applySeries(s, await kernelTreeProvider(r.dir, base));
    assert.deepEqual(a.applyErrors, []);
    assert.deepEqual(a.appliedPatches, [1, 2]);
    assert.equal(
      a.post.get("f.c"),
      file((l) => {
        l[1] = "line 2 changed by patch 1";
        l[3] = "line 4 changed by patch 2";
      }),
    );
  } finally {
    await r.remove();
  }
});

Deno.test("a real conflict (both patches change the same line) names the hunk", async () => {
  const r = await tempRepo([{ "f.c": "a\nb\nc\nd\ne\nf\ng\nh\n" }]);
  try {
    const base = r.commits[0];
    await Deno.writeTextFile(`${r.dir}/f.c`, "a\nb\nc\nD1\ne\nf\ng\nh\n");
    await gitOk(r.dir, ["commit", "-qam", "one"]);
    const c1 = (await gitOk(r.dir, ["rev-parse", "HEAD"])).trim();
    await gitOk(r.dir, ["checkout", "-q", "-b", "other", base]);
    await Deno.writeTextFile(`${r.dir}/f.c`, "a\nb\nc\nD2\ne\nf\ng\nh\n");
    await gitOk(r.dir, ["commit", "-qam", "two"]);
    const c2 = (await gitOk(r.dir, ["rev-parse", "HEAD"])).trim();
    const s = seriesFromMbox(await mboxFromCommits(r.dir, [c1, c2]));
    const a = await applySeries(s, await kernelTreeProvider(r.dir, base));
    assert.deepEqual(a.appliedPatches, [1]);
    assert.equal(a.applyErrors.length, 1);
    assert.equal(a.applyErrors[0].file, "f.c");
    assert.equal(a.applyErrors[0].hunk, 1);
    assert.equal(a.applyErrors[0].message, `does not apply to ${base.slice(0, 12)}: f.c, hunk 1`);
    // No conflict markers leak into the post-image: the failed patch is rolled back.
    assert.equal(a.post.get("f.c"), "a\nb\nc\nD1\ne\nf\ng\nh\n");
  } finally {
    await r.remove();
  }
});

Deno.test("a patch to a file the base does not have says so", async () => {
  const r = await tempRepo([{ "a.c": "int a;\n" }, { "b.c": "int b;\n" }, { "b.c": "int b2;\n" }]);
  try {
    const s = seriesFromMbox(await mboxFromCommits(r.dir, [r.commits[2]]));
    const a = await applySeries(s, await kernelTreeProvider(r.dir, r.commits[0]));
    assert.deepEqual(a.appliedPatches, []);
    assert.equal(a.pre.get("b.c"), null);
    assert.equal(a.post.get("b.c"), null);
    assert.deepEqual(a.applyErrors.map((e) => [e.patch, e.file, e.hunk]), [[1, "b.c", null]]);
    assert.match(
      a.applyErrors[0].message,
      /^does not apply to [0-9a-f]{12}: b\.c \(does not exist at the base\)$/,
    );
  } finally {
    await r.remove();
  }
});

Deno.test("a patch path leaving the tree is refused before anything is written", async () => {
  const r = await tempRepo([{ "a.c": "int a;\n" }, { "a.c": "int a2;\n" }, { "b.c": "int b;\n" }]);
  try {
    const mbox = await mboxFromCommits(r.dir, [r.commits[1], r.commits[2]]);
    const evil = mbox.replace(/a\/a\.c/g, "a/../../escape.c").replace(
      /b\/a\.c/g,
      "b/../../escape.c",
    );
    const s = seriesFromMbox(evil);
    assert.deepEqual(touchedPaths(s), ["../../escape.c", "b.c"]);
    const a = await applySeries(s, await kernelTreeProvider(r.dir, r.commits[0]));
    assert.deepEqual(a.appliedPatches, [2]);
    assert.equal(a.applyErrors.length, 1);
    assert.equal(a.applyErrors[0].patch, 1);
    assert.match(a.applyErrors[0].message, /^unsafe path in patch: "\.\.\/\.\.\/escape\.c"$/);
    assert.equal(a.pre.has("../../escape.c"), false);
    assert.equal(a.post.get("b.c"), "int b;\n");
  } finally {
    await r.remove();
  }
});
