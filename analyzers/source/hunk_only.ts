/**
 * The provider that knows nothing: no kernel tree, no GitHub. Analyzers then
 * read only the diff hunks, and every output says "hunk-only".
 *
 * @module
 */

import type { SourceProvider } from "../types.ts";

/** The label every hunk-only output carries. */
export const HUNK_ONLY_LABEL = "hunk-only mode: no pre-images, only the diff hunks are read";

/** A provider with no files; `why` says why no source was available ("no --kernel-tree and no base-commit"). */
export function hunkOnlyProvider(requested: string | null, why: string): SourceProvider {
  return {
    info: { mode: "hunk-only", base: null, requested, note: `${HUNK_ONLY_LABEL} (${why})` },
    read: () => Promise.resolve(null),
  };
}
