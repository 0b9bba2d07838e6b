/**
 * Assertion helpers shared by the `<arch>/abi_test.ts` table tests: compact
 * renderings of `ArgLocation`s, placement of the KERNEL_SPEC §6 selftest
 * prototypes, extension tables, the `Abi` object's facts, and the static check
 * that every prototype of the probe catalogue is placed with each argument byte
 * in exactly one piece.
 *
 * @module
 */

import { deepStrictEqual, equal } from "node:assert/strict";
import type { CType } from "../../corpus/types.ts";
import type { Abi, ArchName, ArgLocation, Extension, Piece } from "../types.ts";
import { flatten, isAggregate } from "./flatten.ts";
import { proto } from "./probe/cases.ts";
import { type Types, typesFor } from "./probe/ctype_build.ts";
import { catalogue, type ProbeTarget } from "./probe/harness.ts";
import { selftestProtos } from "./probe/testmod.ts";

function slotText(p: Piece): string {
  if (p.kind === "reg") return p.regOffset ? `${p.reg}@${p.regOffset}` : p.reg;
  const first = p.offset / 8;
  const last = (p.offset + p.bytes - 1) >> 3;
  return first === last ? `s${first}` : `s${first}-${last}`;
}

/**
 * Slot rendering: per argument its pieces joined by `:` (registers by name,
 * `reg@regOffset` when not at the low end; stack as 8-byte slot indices `sN` /
 * `sN-M`), `&loc` for by-reference, `-` for an argument passed nowhere.
 */
export function summarize(locs: ArgLocation[]): string[] {
  return locs.map((l) => {
    if (l.byRef) return `&${slotText(l.byRef)}`;
    if (l.pieces.length === 0) return "-";
    return l.pieces.map(slotText).join(":");
  });
}

/**
 * Byte rendering of one location: pieces joined by ` + `, each `reg/bytes`
 * (`reg@regOffset/bytes` when not at the low end) or `sp+offset/bytes`; a
 * by-reference argument is `*` followed by its pointer's location.
 */
export function locText(loc: ArgLocation): string {
  const one = (p: Piece) =>
    p.kind === "reg"
      ? `${p.reg}${p.regOffset ? `@${p.regOffset}` : ""}/${p.bytes}`
      : `sp+${p.offset}/${p.bytes}`;
  if (loc.byRef) return `*${one(loc.byRef)}`;
  return loc.pieces.map(one).join(" + ");
}

/** Placement shorthands for one ABI. */
export function placer(abi: Abi) {
  const at = (params: CType[], ret: CType | null, variadic: boolean) =>
    abi.placeArgs(proto("t", params, ret, variadic));
  return {
    /** The locations of `t(params)`. */
    locations: (params: CType[], ret: CType | null = null, variadic = false) =>
      at(params, ret, variadic),
    /** {@link summarize} of `t(params)`. */
    slots: (params: CType[], ret: CType | null = null, variadic = false) =>
      summarize(at(params, ret, variadic)),
    /** {@link locText} of each argument of `t(params)`. */
    bytes: (params: CType[], ret: CType | null = null, variadic = false) =>
      at(params, ret, variadic).map(locText),
    /** The pieces of argument `i` of `t(params)`. */
    pieces: (params: CType[], i = 0) => at(params, null, false)[i].pieces,
    /** The extensions of `t(params)`. */
    extensions: (params: CType[]): Extension[] => at(params, null, false).map((l) => l.extension),
  };
}

/** The `Abi` object's facts. */
export function assertAbiObject(
  abi: Abi,
  facts: { arch: ArchName; regBytes: 4 | 8; bigEndian: boolean },
): void {
  deepStrictEqual({ arch: abi.arch, regBytes: abi.regBytes, bigEndian: abi.bigEndian }, facts);
}

/**
 * `placer(abi).extensions(params)` equals `expected`, one per parameter (an
 * array, or the words of a string: `"sign zero unspecified"`).
 */
export function assertExtensions(abi: Abi, params: CType[], expected: Extension[] | string): void {
  const want = typeof expected === "string" ? expected.trim().split(/\s+/) : expected;
  equal(params.length, want.length, "one expected extension per parameter");
  deepStrictEqual(placer(abi).extensions(params), want);
}

/**
 * Placements of the KERNEL_SPEC §6 selftest prototypes (by their
 * `selftestProtos` key) equal `table`, rendered by {@link summarize} (`slots`)
 * or {@link locText} (`bytes`).
 */
export function assertSelftestPlacements(
  abi: Abi,
  T: Types,
  table: Record<string, string[]>,
  format: "slots" | "bytes" = "slots",
): void {
  const P = selftestProtos(T);
  const got = Object.fromEntries(
    Object.keys(table).map((k) => {
      if (!P[k]) throw new Error(`no selftest prototype ${k}`);
      const locs = abi.placeArgs(P[k]);
      return [k, format === "slots" ? summarize(locs) : locs.map(locText)];
    }),
  );
  deepStrictEqual(got, table);
}

/** Which bytes of `t` carry value (not padding). */
function valueBytes(t: CType): Uint8Array {
  const v = new Uint8Array(t.size);
  for (const leaf of flatten(t)) {
    if (leaf.bitOffset !== null && leaf.bitSize !== null) {
      v.fill(1, leaf.bitOffset >> 3, (leaf.bitOffset + leaf.bitSize + 7) >> 3);
    } else v.fill(1, leaf.offset, leaf.offset + leaf.type.size);
  }
  return v;
}

/**
 * Where padding may travel nowhere: `never` (every byte in exactly one piece),
 * `fp-flattened` (only aggregates passed partly in FPRs: RISC-V/LoongArch
 * flattening), `always` (x86-64 drops all-padding eightbytes).
 */
export type PaddingRule = "never" | "fp-flattened" | "always";

/** Why a location does not cover its argument as required, or null. */
export function coverageProblem(loc: ArgLocation, t: CType, padding: PaddingRule): string | null {
  if (loc.byRef) return loc.pieces.length ? "by reference, yet with pieces" : null;
  const seen = new Uint8Array(t.size);
  for (const p of loc.pieces) {
    for (let b = p.argOffset; b < p.argOffset + p.bytes; b++) {
      if (b < 0 || b >= t.size) return `piece byte ${b} outside [0, ${t.size})`;
      if (seen[b]++) return `byte ${b} covered twice`;
    }
  }
  const optional = padding === "always" ||
    (padding === "fp-flattened" && isAggregate(t) &&
      loc.pieces.some((p) => p.kind === "reg" && p.bank === "fpr"));
  const needed = optional ? valueBytes(t) : new Uint8Array(t.size).fill(1);
  const hole = needed.findIndex((n, b) => n !== 0 && seen[b] === 0);
  return hole >= 0 ? `byte ${hole} not covered` : null;
}

/**
 * Every prototype of the target's probe catalogue: one location per argument,
 * numbered in order, covering its bytes once (see {@link PaddingRule}).
 */
export function assertCatalogueCoverage(target: ProbeTarget, padding: PaddingRule): void {
  let n = 0;
  for (const c of catalogue(target)) {
    const locs = target.abi.placeArgs(c.proto);
    equal(locs.length, c.proto.params.length, c.name);
    c.proto.params.forEach(({ type }, i) => {
      equal(locs[i].arg, i, `${c.name} arg ${i}`);
      equal(coverageProblem(locs[i], type, padding), null, `${c.name} arg ${i} (${type.name})`);
      n++;
    });
  }
  if (n === 0) throw new Error("empty catalogue");
}

/** What every architecture's unit tests assert about its `Abi` object, and its {@link PaddingRule}. */
export interface AbiFacts {
  arch: ArchName;
  regBytes: 4 | 8;
  bigEndian: boolean;
  padding: PaddingRule;
}

/**
 * Set up an architecture's unit tests: registers the tests every architecture
 * shares (the `Abi` object's facts, as given and agreeing with the type model;
 * {@link assertCatalogueCoverage}) and returns the type builders, the
 * {@link placer} shorthands and the table assertions bound to the target.
 */
export function abiTests(target: ProbeTarget, facts: AbiFacts) {
  const { abi, model } = target;
  const { padding, ...objectFacts } = facts;
  Deno.test(`${facts.arch}: abi object`, () => {
    assertAbiObject(abi, objectFacts);
    deepStrictEqual([model.ptr, model.bigEndian], [abi.regBytes, abi.bigEndian], "type model");
  });
  Deno.test(
    `${facts.arch}: every probe prototype is placed with each argument byte in one piece (padding: ${padding})`,
    () => assertCatalogueCoverage(target, padding),
  );
  const T = typesFor(model);
  return {
    T,
    ...placer(abi),
    /** {@link assertSelftestPlacements} for this target. */
    assertSelftests: (table: Record<string, string[]>, format: "slots" | "bytes" = "slots") =>
      assertSelftestPlacements(abi, T, table, format),
    /** {@link assertExtensions} for this target. */
    assertExtensions: (params: CType[], expected: Extension[] | string) =>
      assertExtensions(abi, params, expected),
  };
}
