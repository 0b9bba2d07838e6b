/**
 * Test helper: runs the CLI as a user does, in a subprocess.
 *
 * @module
 */

const MAIN = new URL("./main.ts", import.meta.url).pathname;

/** What a CLI run produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `trampolint review ...args` with the permissions of `deno task review`.
 * Without a `--stage` in `args` it runs `--stage ingest` (the ingest tests'
 * subject); pass `--stage full` or `--stage analyze` for the rest.
 */
export async function review(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const stage = args.some((a) => a === "--stage" || a.startsWith("--stage="))
    ? []
    : ["--stage", "ingest"];
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      "--allow-run",
      "--allow-ffi",
      MAIN,
      "review",
      ...stage,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env,
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/**
 * Runs `review --json` and parses stdout (a `ReviewSummary`, left untyped so
 * tests can reach into nullable parts directly), failing with stderr when
 * the run failed.
 */
// deno-lint-ignore no-explicit-any
export async function reviewJson(args: string[]): Promise<any> {
  const r = await review([...args, "--json"]);
  if (r.code !== 0) throw new Error(`review ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The seeds directory (../shared/seeds beside the checkout). */
export const SEEDS = new URL("../../../shared/seeds/", import.meta.url).pathname;
