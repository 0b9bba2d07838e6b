/**
 * Knob changes between a pre- and a post-image reading, each attributed to the
 * series hunk that changed it (the hunk adding or removing its evidence line,
 * else a hunk in the function it was read from).
 *
 * @module
 */

import type { KnobChange, KnobReading } from "./types.ts";
import type { LocatedHunk } from "./unmodeled.ts";
import { type CFile, functionNamed } from "./c/syntax.ts";

type Readings = Record<string, KnobReading>;

/** The hunk that changed a knob: one adding/removing its evidence line, else one in its function. */
export function hunkOfChange(
  before: KnobReading | undefined,
  after: KnobReading | undefined,
  located: LocatedHunk[],
  fnOf: (h: LocatedHunk) => string | null,
  fromAbsence: (r: KnobReading) => boolean = () => false,
): LocatedHunk | null {
  const direct = located.find((h) =>
    (after && h.plus.includes(after.line)) || (before && h.minus.includes(before.line))
  );
  if (direct) return direct;
  // A value read from an absence (evidence: the function's signature) names no hunk by itself.
  const fns = [after, before].filter((r): r is KnobReading => !!r && !fromAbsence(r))
    .map((r) => r.function);
  return located.find((h) => {
    const f = fnOf(h);
    return f !== null && fns.includes(f);
  }) ?? null;
}

/** Knob changes between two readings, each with the hunk that changed it. */
export function knobChanges(
  file: string,
  before: Readings,
  after: Readings,
  located: LocatedHunk[],
  fnOf: (h: LocatedHunk) => string | null,
  fromAbsence?: (r: KnobReading) => boolean,
): { changes: KnobChange[]; explained: Set<LocatedHunk> } {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changes: KnobChange[] = [];
  const explained = new Set<LocatedHunk>();
  for (const name of names) {
    const b = before[name], a = after[name];
    if (b && a && String(b.value) === String(a.value)) continue;
    const h = hunkOfChange(b, a, located, fnOf, fromAbsence);
    if (h) explained.add(h);
    changes.push({
      name,
      before: b?.value ?? null,
      after: a?.value ?? null,
      file,
      // Name the function the change is seen in (not the one an absence was read from).
      function: [a, b].find((r) => r && !fromAbsence?.(r))?.function ?? a?.function ??
        b?.function ?? "",
      hunk: h?.header ?? null,
    });
  }
  return { changes, explained };
}

/**
 * A predicate telling readings taken from an absence (their evidence is the
 * signature line of the function they were read from) in either image.
 */
export function readFromAbsence(
  pre: CFile | null,
  post: CFile | null,
): (r: KnobReading) => boolean {
  return (r) =>
    [pre, post].some((c) => c !== null && functionNamed(c, r.function)?.start === r.line);
}
