/**
 * Test helper: a fixture mbox (fixtures/series) as the `Series` the series
 * stage makes of it, read the way `review` reads a file.
 *
 * @module
 */

import type { Series } from "../../../bot/series/types.ts";
import { splitMbox } from "../../../bot/ingest/mbox.ts";
import { parseMessage } from "../../../bot/ingest/message.ts";
import { assembleSeries } from "../../../bot/series/assemble.ts";

/** The fixture series directory. */
export const FIXTURE_SERIES = new URL("../../../fixtures/series/", import.meta.url).pathname;

/** The newest series in `fixtures/series/<name>` (or `version` when given). */
export async function fixtureSeries(name: string, version?: number): Promise<Series> {
  return seriesFromMbox(await Deno.readTextFile(`${FIXTURE_SERIES}${name}`), version);
}

/** The newest series (or `version`) in mbox text. */
export function seriesFromMbox(text: string, version?: number): Series {
  const msgs = splitMbox(new TextEncoder().encode(text)).messages.map((m) => parseMessage(m));
  const all = assembleSeries(msgs).series;
  const pick = version === undefined ? all.at(-1) : all.find((s) => s.version === version);
  if (!pick) throw new Error(`no series${version ? ` at v${version}` : ""} in the mbox`);
  return pick;
}

/**
 * An mbox of `git format-patch` output for `commits` of `repo` (each against
 * its parent), numbered as one series `[PATCH i/n]`.
 */
export async function mboxFromCommits(repo: string, commits: string[]): Promise<string> {
  const n = commits.length;
  let out = "";
  for (const [i, c] of commits.entries()) {
    const r = await new Deno.Command("git", {
      args: ["-C", repo, "format-patch", "--stdout", "-1", c],
      stdout: "piped",
    }).output();
    const mail = new TextDecoder().decode(r.stdout)
      .replace(/^Subject: \[PATCH\]/m, `Subject: [PATCH ${i + 1}/${n}]`)
      .replace(/^Message-Id: .*$/im, "")
      .replace(/^(Subject: .*)$/m, `$1\nMessage-ID: <p${i + 1}.${c.slice(0, 8)}@test>`);
    out += mail + "\n";
  }
  return out;
}
