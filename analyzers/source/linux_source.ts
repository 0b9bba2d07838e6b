/**
 * Debian's `linux-source-6.1` as a real kernel tree: the tarball is extracted
 * once (only the files the analyzers read) into a cache directory and made a
 * git repository with one commit, so pre-images are read with `git show` and
 * patches apply with real `git apply --3way` against real blobs.
 *
 * Layout: `<cache>/linux-source-6.1/` (cache = `$TRAMPOLINT_CACHE`, else
 * `<repo>/.cache`) holds the subset, `.git`, and `.trampolint-source.json`
 * (what was extracted, from which tarball, at which commit). Extraction goes
 * to a temporary sibling directory that is renamed into place, so a reader
 * never sees half a tree and two processes extracting at once both end with
 * one complete tree.
 *
 * @module
 */

import { commitAll, gitOk } from "./git.ts";
import { runTool } from "../../jit/tools.ts";

/** The Debian package and its tarball (KERNEL_SPEC.md header: "Debian linux-source-6.1 6.1.192"). */
export const LINUX_SOURCE_PACKAGE = "linux-source-6.1";
/** Where Debian installs the tarball. */
export const LINUX_SOURCE_TARBALL = "/usr/src/linux-source-6.1.tar.xz";

/**
 * The paths extracted (tar wildcards below the tarball's top directory): every
 * arch's BPF JIT, the generic BPF files the analyzers read, the selftests that
 * carry prototypes, and everything the fixture series (fixtures/series) touch.
 */
export const LINUX_SOURCE_PATHS: readonly string[] = [
  "Makefile",
  "arch/*/net/bpf_jit*.c",
  "arch/*/net/bpf_jit*.h",
  "kernel/bpf/btf.c",
  "kernel/bpf/trampoline.c",
  "include/linux/bpf.h",
  "include/linux/btf.h",
  "include/linux/filter.h",
  "net/bpf/test_run.c",
  "tools/testing/selftests/bpf/bpf_testmod/*",
  "tools/testing/selftests/bpf/progs/tracing_struct*.c",
  "tools/testing/selftests/bpf/prog_tests/tracing_struct.c",
];

/** The tarball is missing or unreadable; says which Debian package provides it. */
export class LinuxSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LinuxSourceError";
  }
}

/** An extracted, committed linux-source tree. */
export interface LinuxSourceTree {
  /** Directory holding the subset (a git repository). */
  dir: string;
  /** The one commit holding the subset. */
  commit: string;
  /** Kernel version from the Makefile, e.g. "6.1.192". */
  version: string;
  /** "linux-source-6.1 6.1.192": how reports name this base. */
  label: string;
  /** True when this call extracted the tree (false: it was cached). */
  extracted: boolean;
}

/** Options of {@link linuxSourceTree}. */
export interface LinuxSourceOptions {
  tarball?: string;
  /** Cache root; the tree goes to `<cacheDir>/linux-source-6.1`. Default: {@link sourceCacheRoot}. */
  cacheDir?: string;
}

interface Stamp {
  tarball: string;
  tarballSize: number;
  tarballMtime: number;
  paths: string[];
  version: string;
  commit: string;
}

const STAMP = ".trampolint-source.json";

/** `$TRAMPOLINT_CACHE`, else `<repo>/.cache` (as jit/emu/oracle/build.ts `cacheRoot`). */
export function sourceCacheRoot(): string {
  const env = Deno.env.get("TRAMPOLINT_CACHE");
  if (env) return env.replace(/\/+$/, "");
  return decodeURIComponent(new URL("../../.cache", import.meta.url).pathname);
}

/** The kernel version a top-level Makefile declares ("6.1.192"), or null. */
export function makefileVersion(makefile: string): string | null {
  const v = (name: string) => makefile.match(new RegExp(`^${name}\\s*=[ \\t]*(\\S*)`, "m"))?.[1];
  const version = v("VERSION"), patch = v("PATCHLEVEL"), sub = v("SUBLEVEL");
  if (!version || patch === undefined) return null;
  return `${version}.${patch}${sub ? `.${sub}` : ""}${v("EXTRAVERSION") ?? ""}`;
}

/**
 * The extracted linux-source-6.1 subset, extracting it first when the cache
 * has no tree for this tarball and path list. Throws {@link LinuxSourceError}
 * naming the Debian package when the tarball is missing.
 */
export async function linuxSourceTree(opts: LinuxSourceOptions = {}): Promise<LinuxSourceTree> {
  const tarball = opts.tarball ?? LINUX_SOURCE_TARBALL;
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(tarball);
  } catch {
    throw new LinuxSourceError(
      `${tarball} not found: install the Debian package ${LINUX_SOURCE_PACKAGE} ` +
        `(apt-get install -y --no-install-recommends ${LINUX_SOURCE_PACKAGE})`,
    );
  }
  const root = opts.cacheDir ?? sourceCacheRoot();
  const dir = `${root}/${LINUX_SOURCE_PACKAGE}`;
  const want = {
    tarball,
    tarballSize: st.size,
    tarballMtime: st.mtime?.getTime() ?? 0,
    paths: [...LINUX_SOURCE_PATHS],
  };
  const have = await readStamp(dir);
  if (have && sameSource(have, want)) return treeOf(dir, have, false);

  await Deno.mkdir(root, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: root, prefix: `.${LINUX_SOURCE_PACKAGE}-` });
  try {
    const stamp = await extractInto(tmp, want);
    await replaceDir(tmp, dir, want);
    return treeOf(dir, stamp, true);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

function treeOf(dir: string, s: Stamp, extracted: boolean): LinuxSourceTree {
  return {
    dir,
    commit: s.commit,
    version: s.version,
    label: `${LINUX_SOURCE_PACKAGE} ${s.version}`,
    extracted,
  };
}

function sameSource(a: Omit<Stamp, "version" | "commit">, b: Omit<Stamp, "version" | "commit">) {
  return a.tarball === b.tarball && a.tarballSize === b.tarballSize &&
    a.tarballMtime === b.tarballMtime && a.paths.join("\n") === b.paths.join("\n");
}

async function readStamp(dir: string): Promise<Stamp | null> {
  try {
    return JSON.parse(await Deno.readTextFile(`${dir}/${STAMP}`)) as Stamp;
  } catch {
    return null;
  }
}

async function extractInto(
  tmp: string,
  want: Omit<Stamp, "version" | "commit">,
): Promise<Stamp> {
  // The tarball's entries all sit below one top directory ("linux-source-6.1/").
  const args = [
    "-xJf",
    want.tarball,
    "-C",
    tmp,
    "--strip-components=1",
    "--wildcards",
    "--no-same-owner",
    ...want.paths.map((p) => `${LINUX_SOURCE_PACKAGE}/${p}`),
  ];
  const r = await runTool("tar", args, { timeoutMs: 600_000 });
  // tar exits 2 when a pattern matched nothing; only a missing Makefile is fatal.
  let makefile: string;
  try {
    makefile = await Deno.readTextFile(`${tmp}/Makefile`);
  } catch {
    throw new LinuxSourceError(
      `extracting ${want.tarball} (package ${LINUX_SOURCE_PACKAGE}) failed: ` +
        (r.stderr.trim().split("\n").slice(-2).join(" / ") || `tar exited ${r.code}`),
    );
  }
  const version = makefileVersion(makefile) ?? "unknown";
  const commit = await commitAll(tmp, `${LINUX_SOURCE_PACKAGE} ${version} (subset)`);
  const stamp: Stamp = { ...want, version, commit };
  await Deno.writeTextFile(`${tmp}/${STAMP}`, JSON.stringify(stamp, null, 1) + "\n");
  // The stamp itself is not part of the commit: keep the work tree clean for git apply.
  await Deno.writeTextFile(`${tmp}/.git/info/exclude`, `${STAMP}\n`, { append: true });
  await gitOk(tmp, ["status", "--porcelain"]);
  return stamp;
}

/** Moves `tmp` to `dir`; when another process got there first with the same source, keeps theirs. */
async function replaceDir(tmp: string, dir: string, want: Omit<Stamp, "version" | "commit">) {
  try {
    await Deno.rename(tmp, dir);
    return;
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists) && !isNotEmpty(e)) throw e;
  }
  const other = await readStamp(dir);
  if (other && sameSource(other, want)) return;
  // A stale tree (other tarball or path list): move it aside, then ours in.
  const old = `${tmp}.old`;
  await Deno.rename(dir, old);
  await Deno.rename(tmp, dir);
  await Deno.remove(old, { recursive: true }).catch(() => {});
}

function isNotEmpty(e: unknown): boolean {
  return e instanceof Error && /not empty|ENOTEMPTY|exists/i.test(e.message);
}
