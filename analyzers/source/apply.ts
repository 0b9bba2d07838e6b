/**
 * Applying a series to its base with real git: the pre-image of every touched
 * file is written into a temporary git repository (one commit), the patches
 * are applied in order with `git apply --3way` (plain `git apply` when the
 * repository lacks the blobs a 3-way merge needs), and a patch that does not
 * apply becomes an {@link ApplyError} — like BPF CI's CONFLICT — while the
 * next patches are still tried. Nothing from a patch is ever run: git only
 * reads the patch text and writes files inside the temporary repository.
 *
 * @module
 */

import type { Applied, ApplyError, SourceProvider } from "../types.ts";
import type { Patch, Series } from "../../bot/series/types.ts";
import type { FileDiff } from "../diff/types.ts";
import { bodyForDiff } from "../../bot/series/assemble.ts";
import { commitAll, git, gitOk } from "./git.ts";
import { checkPath } from "./kernel_tree.ts";

/** Every path a series touches (old and new names), in first-seen order. */
export function touchedPaths(series: Series): string[] {
  const seen = new Set<string>();
  for (const p of series.patches) {
    for (const f of p.diff.files) {
      for (const path of [f.oldPath, f.newPath]) if (path !== null) seen.add(path);
    }
  }
  return [...seen];
}

/** How a base is named in messages: a commit id shortened to 12 digits, a label as is. */
export function baseName(base: string | null): string {
  if (base === null) return "(no base)";
  return /^[0-9a-f]{40}$/i.test(base) ? base.slice(0, 12) : base;
}

/**
 * Pre- and post-images of every file `series` touches, with the patches that
 * applied and an error for each that did not. In hunk-only mode nothing is
 * applied: every image is null and `info.note` says so.
 */
export async function applySeries(series: Series, provider: SourceProvider): Promise<Applied> {
  const info = provider.info;
  const paths = touchedPaths(series);
  const errors: ApplyError[] = [];
  const safe: string[] = [];
  for (const path of paths) {
    try {
      checkPath(path);
      safe.push(path);
    } catch (e) {
      const p = series.patches.find((x) =>
        x.diff.files.some((f) => f.oldPath === path || f.newPath === path)
      );
      errors.push({
        patch: p?.index ?? 0,
        subject: p?.subject.title ?? "",
        file: path,
        hunk: null,
        message: (e as Error).message,
      });
    }
  }
  const mangled = new Set<number>();
  for (const p of series.patches) {
    if (p.diff.mangled) {
      mangled.add(p.index);
      errors.push(mangledError(p));
    }
  }
  const pre = new Map<string, string | null>();
  const post = new Map<string, string | null>();
  if (info.mode === "hunk-only") {
    for (const path of paths) {
      pre.set(path, null);
      post.set(path, null);
    }
    return { info, pre, post, applyErrors: errors, appliedPatches: [] };
  }

  const dir = await Deno.makeTempDir({ prefix: "trampolint-apply-" });
  try {
    const repo = `${dir}/tree`;
    await Deno.mkdir(repo);
    for (const path of safe) {
      const text = await provider.read(path);
      pre.set(path, text);
      if (text !== null) await writeFile(`${repo}/${path}`, text);
    }
    await commitAll(repo, `pre-images at ${baseName(info.base)}`);
    const applied: number[] = [];
    const unsafe = new Set(paths.filter((p) => !safe.includes(p)));
    for (const p of series.patches) {
      if (mangled.has(p.index) || p.diff.empty || p.diff.files.length === 0) continue;
      if (p.diff.files.some((f) => unsafe.has(filePath(f)))) continue;
      const failed = await applyOne(repo, `${dir}/patch-${p.index}.diff`, p, info.base);
      if (failed.length === 0) {
        await gitOk(repo, [
          "commit",
          "-q",
          "--no-verify",
          "--allow-empty",
          "-m",
          `patch ${p.index}`,
        ]);
        applied.push(p.index);
      } else {
        errors.push(...failed);
        // Roll the failed patch back completely: analysis goes on from the last good state.
        await gitOk(repo, ["reset", "-q", "--hard", "HEAD"]);
        await gitOk(repo, ["clean", "-q", "-fdx"]);
      }
    }
    for (const path of safe) {
      const r = await git(repo, ["cat-file", "blob", `HEAD:${path}`]);
      post.set(path, r.code === 0 ? r.stdout : null);
    }
    errors.sort((a, b) => a.patch - b.patch);
    return { info, pre, post, applyErrors: errors, appliedPatches: applied };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function filePath(f: FileDiff): string {
  return f.newPath ?? f.oldPath ?? "";
}

async function writeFile(full: string, text: string) {
  await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(full, text);
}

function mangledError(p: Patch): ApplyError {
  const m = p.diff.mangled!;
  const at = m.reason.match(/hunk (\d+) of (\S+?):/);
  const file = at?.[2] ?? (p.diff.files[0] ? filePath(p.diff.files[0]) : "");
  return {
    patch: p.index,
    subject: p.subject.title,
    file,
    hunk: at ? Number(at[1]) : null,
    message: `patch ${p.index} is mangled, not applied: ${m.reason} (line ${m.line}: ${m.text})`,
  };
}

/** Applies one patch to the work tree and index; returns its errors (empty: applied). */
async function applyOne(
  repo: string,
  patchFile: string,
  p: Patch,
  base: string | null,
): Promise<ApplyError[]> {
  await Deno.writeTextFile(patchFile, bodyForDiff(p.message));
  const args = ["apply", "--index", "--whitespace=nowarn"];
  let r = await git(repo, [...args, "--3way", patchFile]);
  if (r.code === 0) return [];
  const threeWay = r.stderr;
  if (/lacks the necessary blob|cannot perform 3-way|sha1 information is lacking/i.test(threeWay)) {
    await gitOk(repo, ["reset", "-q", "--hard", "HEAD"]);
    r = await git(repo, [...args, patchFile]);
    if (r.code === 0) return [];
  }
  // A 3-way conflict names no hunk: a plain check run says which hunk failed.
  await gitOk(repo, ["reset", "-q", "--hard", "HEAD"]);
  const check = await git(repo, ["apply", "--check", "--whitespace=nowarn", patchFile]);
  return failuresOf([threeWay, r.stderr, check.stderr].join("\n"), p, base);
}

/**
 * ApplyErrors from git's stderr: one per failing file. `error: patch failed:
 * FILE:LINE` names the failing hunk by its old start line (git prints the
 * hunk header's position), which is mapped to our 1-based hunk index.
 */
export function failuresOf(stderr: string, p: Patch, base: string | null): ApplyError[] {
  const byFile = new Map<string, { hunk: number | null; why: string | null }>();
  const note = (file: string, hunk: number | null, why: string | null) => {
    const had = byFile.get(file);
    if (!had) byFile.set(file, { hunk, why });
    else if (had.hunk === null && hunk !== null) had.hunk = hunk;
  };
  for (const line of stderr.split("\n")) {
    let m = line.match(/^error: patch failed: (.+):(\d+)$/);
    if (m) {
      note(m[1], hunkAt(p, m[1], Number(m[2])), null);
      continue;
    }
    m = line.match(
      /^error: (.+): (does not exist in index|already exists in (?:index|working directory)|does not match index|No such file or directory)$/,
    );
    if (m) {
      note(m[1], null, m[2].replace(/ in index$/, " at the base"));
      continue;
    }
    m = line.match(/^(?:U (.+)|Applied patch to '(.+)' with conflicts\.)$/);
    if (m) note(m[1] ?? m[2], null, null);
  }
  if (byFile.size === 0) {
    const last = stderr.trim().split("\n").filter((l) => l.startsWith("error:")).pop() ??
      stderr.trim().split("\n").pop() ?? "git apply failed";
    byFile.set(p.diff.files[0] ? filePath(p.diff.files[0]) : "", { hunk: null, why: last });
  }
  return [...byFile].map(([file, { hunk, why }]) => ({
    patch: p.index,
    subject: p.subject.title,
    file,
    hunk,
    message: `does not apply to ${baseName(base)}: ${file}` +
      (hunk !== null ? `, hunk ${hunk}` : "") + (why ? ` (${why})` : ""),
  }));
}

/** 1-based index of the hunk of `file` in patch `p` that starts (or lies) at old line `line`. */
function hunkAt(p: Patch, file: string, line: number): number | null {
  const f = p.diff.files.find((x) => x.oldPath === file || x.newPath === file);
  if (!f) return null;
  const exact = f.hunks.findIndex((h) => h.oldStart === line);
  if (exact >= 0) return exact + 1;
  const within = f.hunks.findIndex((h) => line >= h.oldStart && line < h.oldStart + h.oldLines);
  return within >= 0 ? within + 1 : null;
}
