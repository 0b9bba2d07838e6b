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
  const bytes = await Deno.readFile(`${FIXTURE_SERIES}${name}`);
  const msgs = splitMbox(bytes).messages.map((m) => parseMessage(m));
  const all = assembleSeries(msgs).series;
  const pick = version === undefined ? all.at(-1) : all.find((s) => s.version === version);
  if (!pick) throw new Error(`${name}: no series${version ? ` at v${version}` : ""}`);
  return pick;
}
