/**
 * Base vs patched verdicts of one arch → the report's layout changes and
 * failures (introduced / fixed / pre-existing), grouped so that a reader sees
 * one minimal reproducer per (arch, attach, rule, argument type) with a count
 * of the others, not thousands of lines.
 *
 * @module
 */

import type { ArchName } from "../../jit/arch/types.ts";
import type { Prototype } from "../../jit/corpus/types.ts";
import type { Mismatch, Verdict } from "../../jit/emu/tramp/verdict.ts";
import type { Finding, LayoutChangeGroup } from "../report/types.ts";

/** The verdicts of one attach type at the base and the patched model, in corpus order. */
export interface SidePair {
  arch: ArchName;
  attach: Verdict["attach"];
  protos: Prototype[];
  before: Verdict[];
  after: Verdict[];
}

/** What one arch's comparison yields. */
export interface Comparison {
  layout: LayoutChangeGroup[];
  introduced: Finding[];
  fixed: Finding[];
  preexisting: Finding[];
}

/** Examples kept per layout group. */
export const EXAMPLES = 5;

const sizeOf = (p: Prototype, c: string) => p.params.length * 1000 + c.length;

function typeText(m: Mismatch): string | null {
  return m.type ? `${m.type.c} (size ${m.type.size}, align ${m.type.align})` : null;
}

function firstFail(v: Verdict): Mismatch | null {
  return v.mismatches.find((m) => m.severity === "fail") ?? null;
}

/** Groups failing verdicts into one Finding per (era, rule, arg type), keeping the smallest prototype. */
export function groupFindings(
  arch: ArchName,
  items: { proto: Prototype; v: Verdict }[],
): Finding[] {
  // one group per (era, rule, arg type) across attach types; a prototype
  // counts once per group however many attach types show it
  const groups = new Map<
    string,
    { best: Finding; protos: Set<string>; size: number; attaches: Set<Verdict["attach"]> }
  >();
  for (const { proto, v } of items) {
    const m = firstFail(v);
    if (!m) continue;
    const type = typeText(m);
    const key = `${v.era}|${m.rule}|${m.type?.c ?? ""}|${m.arg === null ? "-" : "a"}`;
    const size = sizeOf(proto, v.protoC);
    const f: Finding = {
      arch,
      era: v.era,
      attach: v.attach,
      proto: v.proto,
      protoC: v.protoC,
      source: proto.source,
      arg: m.arg,
      type,
      expected: m.expected,
      observed: m.observed,
      rule: m.rule,
      alsoAffected: 0,
    };
    const g = groups.get(key);
    const id = `${proto.source}:${proto.name}`;
    if (!g) {
      groups.set(key, { best: f, protos: new Set([id]), size, attaches: new Set([v.attach]) });
    } else {
      g.protos.add(id);
      g.attaches.add(v.attach);
      if (size < g.size) {
        g.best = f;
        g.size = size;
      }
    }
  }
  const attachOrder = ["fentry", "fexit", "fmod_ret", "struct_ops"];
  return [...groups.values()]
    .map((g) => ({
      ...g.best,
      alsoAffected: g.protos.size - 1,
      attaches: [...g.attaches].sort((a, b) => attachOrder.indexOf(a) - attachOrder.indexOf(b)),
    }))
    .sort((a, b) => b.alsoAffected - a.alsoAffected || a.rule.localeCompare(b.rule));
}

function argRange(ps: Prototype[]): string {
  const ns = ps.map((p) => p.params.length);
  const lo = Math.min(...ns), hi = Math.max(...ns);
  return lo === hi ? `${lo} argument${lo === 1 ? "" : "s"}` : `${lo}–${hi} arguments`;
}

/** Why a prototype's layout differs between the two verdicts, or null when it does not. */
export function layoutCause(before: Verdict, after: Verdict): string | null {
  const br = before.status === "rejected", ar = after.status === "rejected";
  if (br && !ar) return "becomes attachable";
  if (!br && ar) return `becomes rejected (-${after.errno ?? "E?"})`;
  if (br && ar) return before.errno !== after.errno ? `rejected with another error` : null;
  if (before.nslots !== after.nslots) return "ctx slot count (ctx[-1]) changes";
  const fb = before.frame, fa = after.frame;
  if (fb && fa) {
    if (fb.stackArgBase !== fa.stackArgBase) return "stack arguments read from another base";
    if (fb.frameSize !== fa.frameSize || fb.ctx !== fa.ctx) return "trampoline frame changes";
    const ob = JSON.stringify(fb.outgoing), oa = JSON.stringify(fa.outgoing);
    if (ob !== oa) return "outgoing stack-argument area changes";
  }
  if (JSON.stringify(before.notes ?? []) !== JSON.stringify(after.notes ?? [])) {
    return "native argument reading changes";
  }
  return null;
}

/** Compares base and patched verdicts of one arch (any number of attach types). */
export function compareSides(arch: ArchName, pairs: SidePair[]): Comparison {
  const layout = new Map<string, { protos: Prototype[]; cs: string[] }>();
  const introduced: { proto: Prototype; v: Verdict }[] = [];
  const fixed: { proto: Prototype; v: Verdict }[] = [];
  const pre: { proto: Prototype; v: Verdict }[] = [];
  const seenLayout = new Set<string>();
  for (const { protos, before, after } of pairs) {
    protos.forEach((p, i) => {
      const b = before[i], a = after[i];
      const cause = layoutCause(b, a);
      // attachability and frame do not depend on the attach type much: count a
      // prototype once per cause
      if (cause !== null && !seenLayout.has(`${cause}|${p.name}|${p.source}`)) {
        seenLayout.add(`${cause}|${p.name}|${p.source}`);
        let g = layout.get(cause);
        if (!g) layout.set(cause, g = { protos: [], cs: [] });
        g.protos.push(p);
        g.cs.push(a.status === "rejected" ? b.protoC : a.protoC);
      }
      if (a.status === "fail" && b.status !== "fail") introduced.push({ proto: p, v: a });
      else if (b.status === "fail" && a.status === "pass") fixed.push({ proto: p, v: b });
      else if (b.status === "fail" && a.status === "fail") pre.push({ proto: p, v: a });
    });
  }
  const groups: LayoutChangeGroup[] = [...layout.entries()].map(([cause, g]) => {
    const counts = { real: 0, stress: 0, selftest: 0, series: 0 };
    for (const p of g.protos) counts[p.source]++;
    const order = g.protos.map((p, i) => ({ p, c: g.cs[i] }))
      .sort((x, y) => sizeOf(x.p, x.c) - sizeOf(y.p, y.c));
    const examples: string[] = [];
    for (const { c } of order) {
      if (!examples.includes(c)) examples.push(c);
      if (examples.length >= EXAMPLES) break;
    }
    return { arch, cause: `${cause} (${argRange(g.protos)})`, counts, examples };
  });
  groups.sort((a, b) => total(b) - total(a));
  return {
    layout: groups,
    introduced: groupFindings(arch, introduced),
    fixed: groupFindings(arch, fixed),
    preexisting: groupFindings(arch, pre),
  };
}

function total(g: LayoutChangeGroup): number {
  return g.counts.real + g.counts.stress + g.counts.selftest + g.counts.series;
}
