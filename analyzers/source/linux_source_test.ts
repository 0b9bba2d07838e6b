import assert from "node:assert/strict";
import {
  LINUX_SOURCE_TARBALL,
  LinuxSourceError,
  linuxSourceTree,
  makefileVersion,
} from "./linux_source.ts";
import { git } from "./git.ts";
import { kernelTreeProvider } from "./kernel_tree.ts";

/** A small tarball laid out like Debian's (one top directory linux-source-6.1/). */
async function fakeTarball(dir: string): Promise<string> {
  const top = `${dir}/src/linux-source-6.1`;
  const files: Record<string, string> = {
    "Makefile": "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 7\nEXTRAVERSION = -rc1\n",
    "arch/x86/net/bpf_jit_comp.c": "x86\n",
    "arch/arm64/net/bpf_jit.h": "arm64 h\n",
    "kernel/bpf/btf.c": "btf\n",
    "kernel/bpf/verifier.c": "not wanted\n",
    "drivers/net/foo.c": "not wanted\n",
  };
  for (const [p, t] of Object.entries(files)) {
    const full = `${top}/${p}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, t);
  }
  const tarball = `${dir}/linux-source-6.1.tar.xz`;
  const r = await new Deno.Command("tar", {
    args: ["-cJf", tarball, "-C", `${dir}/src`, "linux-source-6.1"],
  }).output();
  assert.equal(r.code, 0);
  return tarball;
}

Deno.test("makefileVersion reads VERSION.PATCHLEVEL.SUBLEVEL+EXTRAVERSION", () => {
  assert.equal(
    makefileVersion("VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\n"),
    "6.1.192",
  );
  assert.equal(
    makefileVersion("VERSION = 6\nPATCHLEVEL = 19\nSUBLEVEL = 0\nEXTRAVERSION = -rc3\n"),
    "6.19.0-rc3",
  );
  assert.equal(makefileVersion("# no version here\n"), null);
});

Deno.test("extracts only the wanted paths, once, as a one-commit git tree", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tarball = await fakeTarball(dir);
    const cache = `${dir}/cache`;
    const t = await linuxSourceTree({ tarball, cacheDir: cache });
    assert.equal(t.extracted, true);
    assert.equal(t.dir, `${cache}/linux-source-6.1`);
    assert.equal(t.version, "6.1.7-rc1");
    assert.equal(t.label, "linux-source-6.1 6.1.7-rc1");
    assert.equal(await Deno.readTextFile(`${t.dir}/arch/x86/net/bpf_jit_comp.c`), "x86\n");
    assert.equal(await Deno.readTextFile(`${t.dir}/arch/arm64/net/bpf_jit.h`), "arm64 h\n");
    await assert.rejects(() => Deno.stat(`${t.dir}/kernel/bpf/verifier.c`), Deno.errors.NotFound);
    await assert.rejects(() => Deno.stat(`${t.dir}/drivers`), Deno.errors.NotFound);
    // One commit, clean work tree (the stamp is excluded), the commit is HEAD.
    assert.equal((await git(t.dir, ["rev-list", "--count", "HEAD"])).stdout.trim(), "1");
    assert.equal((await git(t.dir, ["rev-parse", "HEAD"])).stdout.trim(), t.commit);
    assert.equal((await git(t.dir, ["status", "--porcelain"])).stdout, "");
    // No temporary directories left behind.
    const left = [...Deno.readDirSync(cache)].map((e) => e.name);
    assert.deepEqual(left, ["linux-source-6.1"]);

    const again = await linuxSourceTree({ tarball, cacheDir: cache });
    assert.equal(again.extracted, false);
    assert.equal(again.commit, t.commit);

    // A newer tarball (other size/mtime) replaces the cached tree.
    await Deno.utime(tarball, new Date(), new Date(Date.now() + 5000));
    const newer = await linuxSourceTree({ tarball, cacheDir: cache });
    assert.equal(newer.extracted, true);
    assert.deepEqual([...Deno.readDirSync(cache)].map((e) => e.name), ["linux-source-6.1"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two extractions at once both end with one complete tree", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tarball = await fakeTarball(dir);
    const cache = `${dir}/cache`;
    const [a, b] = await Promise.all([
      linuxSourceTree({ tarball, cacheDir: cache }),
      linuxSourceTree({ tarball, cacheDir: cache }),
    ]);
    assert.equal(a.commit, b.commit);
    assert.equal(await Deno.readTextFile(`${a.dir}/kernel/bpf/btf.c`), "btf\n");
    assert.deepEqual([...Deno.readDirSync(cache)].map((e) => e.name), ["linux-source-6.1"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing tarball names the Debian package", async () => {
  const dir = await Deno.makeTempDir({ prefix: "trampolint-nosrc-" });
  try {
    await assert.rejects(
      () =>
        linuxSourceTree({ tarball: `${dir}/linux-source-6.1.tar.xz`, cacheDir: `${dir}/cache` }),
      (e) =>
        e instanceof LinuxSourceError &&
        /install the Debian package linux-source-6\.1/.test(e.message) &&
        /apt-get install -y --no-install-recommends linux-source-6\.1/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Debian linux-source-6.1: 6.1.192 with every arch's JIT and the selftests", async () => {
  const t = await linuxSourceTree();
  assert.equal(t.label, `linux-source-6.1 ${t.version}`);
  assert.match(t.version, /^6\.1\.\d+$/);
  const p = await kernelTreeProvider(t.dir, null, { label: t.label });
  assert.equal(p.info.base, t.label);
  for (
    const f of [
      "arch/x86/net/bpf_jit_comp.c",
      "arch/arm64/net/bpf_jit_comp.c",
      "arch/riscv/net/bpf_jit_comp64.c",
      "arch/s390/net/bpf_jit_comp.c",
      "arch/loongarch/net/bpf_jit.c",
      "arch/powerpc/net/bpf_jit_comp64.c",
      "arch/arm/net/bpf_jit_32.c",
      "kernel/bpf/btf.c",
      "include/linux/bpf.h",
      "net/bpf/test_run.c",
      "tools/testing/selftests/bpf/bpf_testmod/bpf_testmod.c",
      "tools/testing/selftests/bpf/progs/tracing_struct.c",
    ]
  ) {
    const text = await p.read(f);
    assert.ok(text && text.length > 100, `${f} missing from ${LINUX_SOURCE_TARBALL} subset`);
  }
  assert.match((await p.read("include/linux/bpf.h"))!, /#define MAX_BPF_FUNC_ARGS 12/);
});
