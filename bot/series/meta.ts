/**
 * Metadata in a patch or cover-letter body: trailers (submitting-patches.rst),
 * the diffstat, and the b4 / git format-patch footers `base-commit:`,
 * `change-id:`, `prerequisite-patch-id:` and `prerequisite-message-id:`.
 *
 * @module
 */

import type { DiffstatEntry, PatchMeta, Trailer } from "./types.ts";

/** Trailer keys we report; others of the `Word-by:` shape are kept too. */
const TRAILER =
  /^(Signed-off-by|Acked-by|Reviewed-by|Tested-by|Reported-by|Suggested-by|Co-developed-by|Fixes|Link|Closes|Cc|[A-Z][a-z]+(?:-[a-z]+)*-by):\s*(.+)$/;
const DIFFSTAT = /^ (\S.*?)\s+\|\s+(\d+|Bin .*)\s*([+-]*)\s*$/;

/** Reads trailers, footers and the diffstat from a body. Quoted lines (`> `) are ignored. */
export function parsePatchMeta(body: string): PatchMeta {
  const meta: PatchMeta = {
    baseCommit: null,
    changeId: null,
    prerequisitePatchIds: [],
    prerequisiteMessageIds: [],
    trailers: [],
    fixes: [],
    diffstat: [],
  };
  let inDiff = false;
  for (const line of body.split("\n")) {
    if (line.startsWith("diff --git ")) inDiff = true;
    if (line.startsWith(">")) continue;
    let m: RegExpExecArray | null;
    if ((m = /^base-commit:\s*([0-9a-f]{7,40})\s*$/.exec(line))) {
      meta.baseCommit ??= m[1];
    } else if ((m = /^change-id:\s*(\S+)\s*$/.exec(line))) {
      meta.changeId ??= m[1];
    } else if ((m = /^prerequisite-patch-id:\s*([0-9a-f]{40})\s*$/.exec(line))) {
      meta.prerequisitePatchIds.push(m[1]);
    } else if ((m = /^prerequisite-message-id:\s*<?([^<>\s]+)>?\s*$/.exec(line))) {
      meta.prerequisiteMessageIds.push(m[1]);
    } else if (inDiff) {
      // Inside the diff, '+Signed-off-by:' and similar are content, not trailers.
      if (/^-- ?$/.test(line)) inDiff = false;
      continue;
    } else if ((m = TRAILER.exec(line))) {
      const t: Trailer = { key: canonicalKey(m[1]), value: m[2].trim() };
      meta.trailers.push(t);
      if (t.key === "Fixes") meta.fixes.push(t.value);
    } else if ((m = DIFFSTAT.exec(line))) {
      meta.diffstat.push(
        {
          path: m[1].trim(),
          changes: /^\d+$/.test(m[2]) ? Number(m[2]) : 0,
          bar: m[3],
        } as DiffstatEntry,
      );
    }
  }
  return meta;
}

function canonicalKey(key: string): string {
  return key.split("-").map((w, i) =>
    i === 0 ? w[0].toUpperCase() + w.slice(1).toLowerCase() : w.toLowerCase()
  ).join("-");
}
