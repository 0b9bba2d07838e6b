/**
 * A {@link SourceProvider} over a local kernel tree: a git repository (files
 * read with `git cat-file` at the series' base-commit when the tree has it,
 * else at HEAD — never a checkout) or a plain directory such as an extracted
 * tarball (files read as they are; the base is named by the Makefile version).
 *
 * @module
 */

import type { BaseInfo, SourceProvider } from "../types.ts";
import { git } from "./git.ts";
import { makefileVersion } from "./linux_source.ts";

/** The tree is missing, unreadable, or a path asked for is unsafe. */
export class KernelTreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelTreeError";
  }
}

/** Options of {@link kernelTreeProvider}. */
export interface KernelTreeOptions {
  /** How reports name the tree's base instead of a commit id (e.g. "linux-source-6.1 6.1.192"). */
  label?: string;
}

/** The environment variable naming a default kernel tree (the CLI's `--kernel-tree` wins). */
export const KERNEL_TREE_ENV = "TRAMPOLINT_KERNEL_TREE";

/**
 * A provider over the kernel tree at `root`. `requested` is the series'
 * `base-commit:` (or null). Throws {@link KernelTreeError} when `root` is not a
 * readable directory.
 */
export async function kernelTreeProvider(
  root: string,
  requested: string | null,
  opts: KernelTreeOptions = {},
): Promise<SourceProvider> {
  let real: string;
  try {
    real = await Deno.realPath(root);
    if (!(await Deno.stat(real)).isDirectory) throw new Error("not a directory");
  } catch (e) {
    throw new KernelTreeError(
      `kernel tree ${root} is not a readable directory (${e instanceof Error ? e.message : e})`,
    );
  }
  const top = await git(real, ["rev-parse", "--show-toplevel"]);
  // A plain directory inside some other git checkout is still a plain directory.
  if (top.code === 0 && top.stdout.trim() === real) {
    return await gitTreeProvider(real, requested, opts);
  }
  return await plainTreeProvider(real, requested, opts);
}

async function gitTreeProvider(
  root: string,
  requested: string | null,
  opts: KernelTreeOptions,
): Promise<SourceProvider> {
  const head = await git(root, ["rev-parse", "--verify", "HEAD^{commit}"]);
  if (head.code !== 0) throw new KernelTreeError(`kernel tree ${root} has no commits`);
  const headId = head.stdout.trim();
  let rev = headId;
  let note: string;
  const found = requested !== null && isCommitId(requested) &&
    (await git(root, ["cat-file", "-e", `${requested}^{commit}`])).code === 0;
  const name = opts.label ?? `HEAD ${headId.slice(0, 12)}${await describe(root)}`;
  if (found) {
    rev = (await git(root, ["rev-parse", `${requested}^{commit}`])).stdout.trim();
    note = `base-commit ${short(requested)} found in ${root}`;
  } else if (requested !== null) {
    note = `base-commit ${short(requested)} not in ${root}: ${name} used`;
  } else {
    note = `no base-commit in the series: ${root} at ${name} used`;
  }
  const info: BaseInfo = {
    mode: "tree",
    base: found ? rev : (opts.label ?? rev),
    requested,
    note,
  };
  return {
    info,
    async read(path: string): Promise<string | null> {
      checkPath(path);
      const r = await git(root, ["cat-file", "blob", `${rev}:${path}`]);
      if (r.code === 0) return r.stdout;
      // The commit exists (checked above), so a failure here means "no such path at rev".
      if (/not a valid object name|does not exist|exists on disk, but not in/i.test(r.stderr)) {
        return null;
      }
      throw new KernelTreeError(`reading ${path} at ${short(rev)} in ${root}: ${r.stderr.trim()}`);
    },
  };
}

async function plainTreeProvider(
  root: string,
  requested: string | null,
  opts: KernelTreeOptions,
): Promise<SourceProvider> {
  let version: string | null = null;
  try {
    version = makefileVersion(await Deno.readTextFile(`${root}/Makefile`));
  } catch { /* no Makefile: not named by version */ }
  const label = opts.label ?? (version ?? root);
  const why = requested === null
    ? "no base-commit in the series"
    : `base-commit ${short(requested)} cannot be checked`;
  const info: BaseInfo = {
    mode: "tree",
    base: label,
    requested,
    note: `${why}: ${root} is not a git tree, its files (${
      version ? `Linux ${version}` : "version unknown"
    }) used as they are`,
  };
  return {
    info,
    async read(path: string): Promise<string | null> {
      checkPath(path);
      const full = `${root}/${path}`;
      let real: string;
      try {
        real = await Deno.realPath(full);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return null;
        throw new KernelTreeError(`reading ${full}: ${e instanceof Error ? e.message : e}`);
      }
      // A symlink must not lead reads out of the tree.
      if (real !== root && !real.startsWith(`${root}/`)) {
        throw new KernelTreeError(`${path} leads outside the kernel tree ${root}`);
      }
      return await Deno.readTextFile(real);
    },
  };
}

/** A path from a patch: relative, no `..`, no leading dash (so never an option to git). */
export function checkPath(path: string): void {
  if (
    path === "" || path.startsWith("/") || path.startsWith("-") ||
    path.split("/").some((c) => c === ".." || c === "." || c === ".git") || path.includes("\0")
  ) {
    throw new KernelTreeError(`unsafe path in patch: ${JSON.stringify(path)}`);
  }
}

function isCommitId(s: string): boolean {
  return /^[0-9a-f]{7,40}$/i.test(s);
}

function short(id: string): string {
  return isCommitId(id) ? id.slice(0, 12) : id;
}

async function describe(root: string): Promise<string> {
  const r = await git(root, ["describe", "--tags", "--always", "HEAD"]);
  const d = r.code === 0 ? r.stdout.trim() : "";
  return d && !/^[0-9a-f]+$/.test(d) ? ` (${d})` : "";
}
