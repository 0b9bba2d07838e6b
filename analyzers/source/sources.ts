/**
 * Choosing where pre-images come from for one series: a local kernel tree,
 * then GitHub at the series' base-commit, then Debian's linux-source-6.1,
 * then nothing (hunk-only mode). Each step that is skipped or fails leaves a
 * reason in the chosen provider's `info.note`, so a report says why.
 *
 * @module
 */

import type { SourceProvider } from "../types.ts";
import type { Series } from "../../bot/series/types.ts";
import { KERNEL_TREE_ENV, kernelTreeProvider } from "./kernel_tree.ts";
import { type GithubOptions, githubProvider } from "./github.ts";
import { hunkOnlyProvider } from "./hunk_only.ts";
import { linuxSourceTree } from "./linux_source.ts";
import { touchedPaths } from "./apply.ts";

/** What {@link sourcesFor} may use. */
export interface SourceOptions {
  /** A kernel tree (git or plain directory); undefined: `$TRAMPOLINT_KERNEL_TREE`; null: none. */
  kernelTree?: string | null;
  /** GitHub settings, or false to never ask GitHub. Default: false. */
  github?: Partial<GithubOptions> | false;
  /** Use Debian's linux-source-6.1 (extracted once into the cache) when nothing else serves. */
  linuxSource?: boolean;
}

/**
 * The provider for `series`: tree → GitHub → linux-source-6.1 → hunk-only.
 * A kernel tree given explicitly must be usable (a bad path is the user's
 * error and throws); GitHub and linux-source failures fall through with a note.
 */
export async function sourcesFor(
  series: Series,
  opts: SourceOptions = {},
): Promise<SourceProvider> {
  const requested = series.baseCommit;
  const tree = opts.kernelTree === undefined ? Deno.env.get(KERNEL_TREE_ENV) : opts.kernelTree;
  if (tree) return await kernelTreeProvider(tree, requested);
  const skipped: string[] = [];
  if (opts.github) {
    if (requested === null) {
      skipped.push("GitHub not asked: the series names no base-commit");
    } else {
      const gh = await githubProvider(requested, touchedPaths(series), opts.github);
      if (gh.provider) return gh.provider;
      skipped.push(...gh.notes);
    }
  }
  if (opts.linuxSource) {
    try {
      const t = await linuxSourceTree();
      const p = await kernelTreeProvider(t.dir, requested, { label: t.label });
      if (skipped.length) p.info.note = `${skipped.join("; ")}; ${p.info.note}`;
      return p;
    } catch (e) {
      skipped.push((e as Error).message);
    }
  }
  if (skipped.length === 0) skipped.push("no --kernel-tree, GitHub not configured");
  return hunkOnlyProvider(requested, skipped.join("; "));
}
