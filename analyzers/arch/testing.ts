/**
 * Test helper: a one-patch "series" from a pre- and post-image of files, the
 * diff made by real `git diff --no-index` and parsed by analyzers/diff, the
 * images handed over as `Applied` (what analyzers/source produces).
 *
 * @module
 */

import type { Applied } from "../types.ts";
import type { PatchDiffs } from "../unmodeled.ts";
import { parseDiff } from "../diff/parse.ts";
import { runTool } from "../../jit/tools.ts";

/** `Applied` + patch diffs for `files` (path → [pre, post]). */
export async function appliedFromImages(
  files: Record<string, [string | null, string | null]>,
): Promise<{ applied: Applied; patches: PatchDiffs[] }> {
  const dir = await Deno.makeTempDir({ prefix: "trampolint-images-" });
  try {
    let diff = "";
    for (const [path, [pre, post]] of Object.entries(files)) {
      const a = `${dir}/a/${path}`, b = `${dir}/b/${path}`;
      for (const [f, t] of [[a, pre], [b, post]] as const) {
        await Deno.mkdir(f.slice(0, f.lastIndexOf("/")), { recursive: true });
        if (t !== null) await Deno.writeTextFile(f, t);
      }
      const r = await runTool("git", [
        "diff",
        "--no-index",
        "--no-color",
        "--no-prefix",
        "-U3",
        pre === null ? "/dev/null" : `a/${path}`,
        post === null ? "/dev/null" : `b/${path}`,
      ], { cwd: dir });
      diff += new TextDecoder().decode(r.stdout);
    }
    const parsed = parseDiff(diff);
    if (parsed.mangled) throw new Error(`git diff output did not parse: ${parsed.mangled.reason}`);
    const pre = new Map(Object.entries(files).map(([p, [a]]) => [p, a]));
    const post = new Map(Object.entries(files).map(([p, [, b]]) => [p, b]));
    return {
      applied: {
        info: { mode: "tree", base: "test images", requested: null, note: "test images" },
        pre,
        post,
        applyErrors: [],
        appliedPatches: [1],
      },
      patches: [{ index: 1, files: parsed.files }],
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
