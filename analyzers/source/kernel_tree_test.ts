import assert from "node:assert/strict";
import { checkPath, KernelTreeError, kernelTreeProvider } from "./kernel_tree.ts";
import { tempRepo } from "./testing/repo.ts";

const MAKEFILE =
  "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\nNAME = Curry Ramen\n";

Deno.test("git tree: base-commit present → files at that commit, not at HEAD", async () => {
  const r = await tempRepo([
    { "Makefile": MAKEFILE, "arch/x86/net/bpf_jit_comp.c": "old\n" },
    { "arch/x86/net/bpf_jit_comp.c": "new\n", "kernel/bpf/btf.c": "btf\n" },
  ]);
  try {
    const p = await kernelTreeProvider(r.dir, r.commits[0]);
    assert.equal(p.info.mode, "tree");
    assert.equal(p.info.base, r.commits[0]);
    assert.equal(p.info.requested, r.commits[0]);
    assert.match(p.info.note, new RegExp(`base-commit ${r.commits[0].slice(0, 12)} found in`));
    assert.equal(await p.read("arch/x86/net/bpf_jit_comp.c"), "old\n");
    // Added only at HEAD: absent at the base.
    assert.equal(await p.read("kernel/bpf/btf.c"), null);
    // An abbreviated id is resolved to the full one.
    const short = await kernelTreeProvider(r.dir, r.commits[0].slice(0, 10));
    assert.equal(short.info.base, r.commits[0]);
  } finally {
    await r.remove();
  }
});

Deno.test("git tree: base-commit absent → HEAD, and the note says so", async () => {
  const r = await tempRepo([{ "a.c": "one\n" }, { "a.c": "two\n" }]);
  try {
    const missing = "0123456789abcdef0123456789abcdef01234567";
    const p = await kernelTreeProvider(r.dir, missing);
    assert.equal(p.info.base, r.commits[1]);
    assert.match(p.info.note, /base-commit 0123456789ab not in .*: HEAD [0-9a-f]{12} used/);
    assert.equal(await p.read("a.c"), "two\n");
    const none = await kernelTreeProvider(r.dir, null);
    assert.match(none.info.note, /no base-commit in the series/);
    assert.equal(none.info.requested, null);
  } finally {
    await r.remove();
  }
});

Deno.test("git tree: reads committed content, not the work tree", async () => {
  const r = await tempRepo([{ "a.c": "committed\n" }]);
  try {
    await Deno.writeTextFile(`${r.dir}/a.c`, "edited, not committed\n");
    const p = await kernelTreeProvider(r.dir, null);
    assert.equal(await p.read("a.c"), "committed\n");
  } finally {
    await r.remove();
  }
});

Deno.test("plain directory: base is the Makefile version, files read as they are", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/Makefile`, MAKEFILE);
    await Deno.mkdir(`${dir}/kernel/bpf`, { recursive: true });
    await Deno.writeTextFile(`${dir}/kernel/bpf/btf.c`, "plain\n");
    const p = await kernelTreeProvider(dir, "830b3c68c1fb1e9176028d02ef86f3cf76aa2476");
    assert.equal(p.info.mode, "tree");
    assert.equal(p.info.base, "6.1.192");
    assert.match(p.info.note, /base-commit 830b3c68c1fb cannot be checked: .* is not a git tree/);
    assert.match(p.info.note, /Linux 6\.1\.192/);
    assert.equal(await p.read("kernel/bpf/btf.c"), "plain\n");
    assert.equal(await p.read("kernel/bpf/missing.c"), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plain directory inside another git checkout is still a plain directory", async () => {
  const r = await tempRepo([{ "sub/Makefile": MAKEFILE, "sub/a.c": "committed\n" }]);
  try {
    await Deno.writeTextFile(`${r.dir}/sub/a.c`, "on disk\n");
    const p = await kernelTreeProvider(`${r.dir}/sub`, null);
    assert.equal(p.info.base, "6.1.192");
    assert.equal(await p.read("a.c"), "on disk\n");
  } finally {
    await r.remove();
  }
});

Deno.test("plain directory: a symlink leading out of the tree is refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.symlink("/etc/hostname", `${dir}/escape.c`);
    const p = await kernelTreeProvider(dir, null);
    await assert.rejects(() => p.read("escape.c"), /leads outside the kernel tree/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad tree and unsafe paths are clear errors", async () => {
  await assert.rejects(
    () => kernelTreeProvider("/nonexistent/linux", null),
    (e) =>
      e instanceof KernelTreeError &&
      /\/nonexistent\/linux is not a readable directory/.test(e.message),
  );
  for (const bad of ["../etc/passwd", "/etc/passwd", "-c", "a/../../b", ".git/config", ""]) {
    assert.throws(() => checkPath(bad), KernelTreeError, bad);
  }
  checkPath("arch/x86/net/bpf_jit_comp.c");
});
