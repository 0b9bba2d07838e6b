/**
 * Running git for the source stage: argument arrays only (no shell), a fixed
 * identity and dates so commits we make are reproducible, and no user or
 * system configuration (hooks, filters, pagers) that could change behaviour.
 *
 * @module
 */

import { runTool } from "../../jit/tools.ts";

/** A finished git run with text output. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment every git run gets: no system/global config, a fixed
 * author and committer with a fixed date (commit ids depend only on content).
 */
export const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "trampolint",
  GIT_AUTHOR_EMAIL: "trampolint@localhost",
  GIT_COMMITTER_NAME: "trampolint",
  GIT_COMMITTER_EMAIL: "trampolint@localhost",
  GIT_AUTHOR_DATE: "2000-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2000-01-01T00:00:00Z",
  GIT_TERMINAL_PROMPT: "0",
  LC_ALL: "C",
};

/** Runs `git -C cwd args…`; never throws for a non-zero exit (callers read `code`). */
export async function git(
  cwd: string,
  args: string[],
  stdin?: Uint8Array,
): Promise<GitResult> {
  const r = await runTool("git", ["-C", cwd, "-c", "core.hooksPath=/dev/null", ...args], {
    env: GIT_ENV,
    stdin,
    timeoutMs: 300_000,
  });
  return { code: r.code, stdout: new TextDecoder().decode(r.stdout), stderr: r.stderr };
}

/** Runs git and returns stdout; a failure throws with git's own message. */
export async function gitOk(cwd: string, args: string[], stdin?: Uint8Array): Promise<string> {
  const r = await git(cwd, args, stdin);
  if (r.code !== 0) {
    throw new Error(
      `git ${args[0]} failed in ${cwd}: ${r.stderr.trim().split("\n").slice(-3).join(" / ")}`,
    );
  }
  return r.stdout;
}

/** Makes `dir` a git repository holding its current files as one commit; returns the commit id. */
export async function commitAll(dir: string, message: string): Promise<string> {
  await gitOk(dir, ["init", "-q", "-b", "base"]);
  await gitOk(dir, ["add", "-A", "."]);
  await gitOk(dir, ["commit", "-q", "--no-verify", "--allow-empty", "-m", message]);
  return (await gitOk(dir, ["rev-parse", "HEAD"])).trim();
}
