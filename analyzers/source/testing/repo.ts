/**
 * Test helper: small real git repositories with a known history.
 *
 * @module
 */

import { gitOk } from "../git.ts";

/** A temporary repository and the commit id of each step. */
export interface TempRepo {
  dir: string;
  commits: string[];
  remove(): Promise<void>;
}

/**
 * A git repository where step i writes `steps[i]` (path → text, null deletes)
 * and commits; `commits[i]` is that commit.
 */
export async function tempRepo(steps: Record<string, string | null>[]): Promise<TempRepo> {
  const dir = await Deno.makeTempDir({ prefix: "trampolint-repo-" });
  await gitOk(dir, ["init", "-q", "-b", "main"]);
  const commits: string[] = [];
  for (const [i, files] of steps.entries()) {
    for (const [path, text] of Object.entries(files)) {
      const full = `${dir}/${path}`;
      if (text === null) {
        await Deno.remove(full);
        continue;
      }
      await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(full, text);
    }
    await gitOk(dir, ["add", "-A", "."]);
    await gitOk(dir, ["commit", "-q", "--allow-empty", "-m", `step ${i}`]);
    commits.push((await gitOk(dir, ["rev-parse", "HEAD"])).trim());
  }
  return { dir, commits, remove: () => Deno.remove(dir, { recursive: true }) };
}
