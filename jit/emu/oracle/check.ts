/**
 * Compare an ABI model (`Abi.placeArgs`) with what real compilers do.
 *
 * The check reads the dump at the *predicted* location: every meaningful byte
 * of every argument must be there (padding is not compared), a by-reference
 * prediction must find a pointer to a complete copy in the predicted slot, and
 * where the prediction promises sign or zero extension the register's upper
 * bytes must hold it. Reading the predicted place directly (rather than
 * comparing with the observed location) keeps scratch copies of an argument
 * (a compiler moving a struct through an unused argument register) from
 * causing false mismatches; the observed location is still given in each
 * mismatch's detail.
 *
 * `compareCompilers` runs GCC and clang on the same prototypes and reports
 * arguments where neither compiler's observed location holds the argument in
 * the other compiler's run (e.g. x86-64 `__int128` after five longs: GCC 12
 * passes it on the stack, clang 14 splits it between r9 and the stack).
 *
 * @module
 */

import type { CType, Prototype } from "../../corpus/types.ts";
import type { Abi, ArgLocation, Extension, Piece } from "../../arch/types.ts";
import {
  describeLocation,
  describePiece,
  floatToDoubleBytes,
  type ObservedArg,
} from "./observe.ts";
import { observePlacements, type OracleOptions, type ProtoObservation } from "./oracle.ts";
import type { Dump } from "./run.ts";
import {
  type Compiler,
  dumpRegCell,
  type OracleArch,
  regCell,
  type Target,
  TARGETS,
} from "./targets.ts";

/** One argument where the model and the compiler disagree. */
export interface PlacementMismatch {
  proto: Prototype;
  arg: number;
  expected: ArgLocation | null;
  observed: ObservedArg;
  detail: string;
}

/** Result of `checkPlacement`. */
export interface PlacementCheck {
  /** Prototypes compiled, run and compared. */
  checked: number;
  /** Of those, prototypes whose every argument agrees. */
  agree: number;
  mismatches: PlacementMismatch[];
  skipped: { proto: Prototype; reason: string }[];
}

/** Options of `checkPlacement`. */
export interface CheckOptions extends OracleOptions {
  compiler: Compiler;
}

/** Register files of a dump: file name → bytes (arm32's d0–d7 form one "vfp" file). */
function files(t: Target, d: Dump): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const r of t.argRegs) {
    const b = d.regs.get(r.name);
    if (!b) continue;
    const c = dumpRegCell(t.arch, r);
    if (c.base === 0 && c.file !== "vfp") out.set(c.file, b);
    else {
      let f = out.get(c.file);
      if (!f) out.set(c.file, f = new Uint8Array(256));
      f.set(b, c.base);
    }
  }
  return out;
}

const hex = (b: ArrayLike<number>) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

function ranges(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    out.push(i === j ? `${s[i]}` : `${s[i]}..${s[j]}`);
    i = j + 1;
  }
  return out.join(",");
}

/** Type text for details: `struct R3 (16 B, align 8)`. */
function typeText(t: CType): string {
  return `${t.name} (${t.size} B, align ${t.align})`;
}

/** Value of a pointer-sized slot. */
function slotValue(t: Target, fs: Map<string, Uint8Array>, d: Dump, p: Piece): bigint | string {
  if (p.kind === "reg") {
    const c = regCell(t.arch, p.reg);
    if (!c) return `unknown register ${p.reg}`;
    const f = fs.get(c.file);
    if (!f) return `${p.reg} is not captured by the oracle`;
    let v = 0n;
    for (let i = t.regBytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(f[c.base + i]);
    return v;
  }
  if (p.offset < 0 || p.offset + t.regBytes > d.stack.length) {
    return `stack+${p.offset} is outside the dump`;
  }
  let v = 0n;
  for (let i = 0; i < t.regBytes; i++) {
    v = (v << 8n) | BigInt(d.stack[p.offset + (t.bigEndian ? i : t.regBytes - 1 - i)]);
  }
  return v;
}

/**
 * Problems with `expected` as the location of argument `i` in `obs` (empty
 * when it holds). `checkExtension` false skips the upper-bits check.
 */
export function checkArg(
  t: Target,
  obs: ProtoObservation,
  i: number,
  expected: ArgLocation,
  checkExtension = true,
): string[] {
  const problems: string[] = [];
  const ty = obs.proto.params[i].type;
  const mask = obs.plan.masks[i];
  obs.plan.runs.forEach((run, r) => {
    const act = run.active[i], vals = run.bytes[i];
    const want: number[] = [];
    for (let b = 0; b < act.length; b++) if (act[b]) want.push(b);
    if (want.length === 0) return;
    const d = obs.dumps[r];
    const fs = files(t, d);
    if (expected.byRef) {
      const v = slotValue(t, fs, d, expected.byRef);
      if (typeof v === "string") {
        problems.push(`by reference via ${describePiece(expected.byRef)}: ${v}`);
        return;
      }
      const p = d.pointees.find((x) => x.addr === v);
      if (!p) {
        problems.push(
          `by reference via ${describePiece(expected.byRef)}: the slot holds 0x${
            v.toString(16)
          }, not a pointer to a copy`,
        );
        return;
      }
      const bad = want.filter((b) =>
        b >= p.bytes.length || (p.bytes[b] & mask[b]) !== (vals[b] & mask[b])
      );
      if (bad.length) {
        problems.push(
          `by reference via ${describePiece(expected.byRef)}: bytes ${
            ranges(bad)
          } differ in the copy`,
        );
      }
      return;
    }
    const uncovered: number[] = [];
    const wrong = new Map<Piece, number[]>();
    const doubles = new Set<Piece>();
    for (const b of want) {
      const p = expected.pieces.find((q) => b >= q.argOffset && b < q.argOffset + q.bytes);
      if (!p) {
        uncovered.push(b);
        continue;
      }
      const j = b - p.argOffset;
      let got: number | undefined;
      if (p.kind === "reg") {
        const c = regCell(t.arch, p.reg);
        const f = c ? fs.get(c.file) : undefined;
        if (!c || !f) {
          problems.push(
            `${p.reg}: ${c ? "not an argument register the oracle captures" : "unknown register"}`,
          );
          return;
        }
        if (t.floatsAsDouble && c.bank === "fpr" && p.bytes === 4 && ty.kind !== "int") {
          doubles.add(p); // checked below as a whole
          continue;
        }
        got = f[c.base + p.regOffset + (t.bigEndian ? p.bytes - 1 - j : j)];
      } else got = d.stack[p.offset + j];
      if (got === undefined || (got & mask[b]) !== (vals[b] & mask[b])) {
        wrong.set(p, [...(wrong.get(p) ?? []), b]);
      }
    }
    for (const p of doubles) {
      if (p.kind !== "reg") continue;
      const c = regCell(t.arch, p.reg)!;
      const f = fs.get(c.file)!;
      const want8 = floatToDoubleBytes(vals, p.argOffset);
      if (!want8.every((x, k) => f[c.base + k] === x)) {
        problems.push(
          `bytes ${p.argOffset}..${p.argOffset + 3} (float as double) not in ${p.reg}: it holds ${
            hex(f.subarray(c.base, c.base + 8))
          }`,
        );
      }
    }
    if (uncovered.length) problems.push(`bytes ${ranges(uncovered)} are in no predicted piece`);
    for (const [p, bs] of wrong) {
      let holds = "";
      if (p.kind === "reg") {
        const c = regCell(t.arch, p.reg)!;
        const f = fs.get(c.file)!;
        holds = hex(f.subarray(c.base + p.regOffset, c.base + p.regOffset + p.bytes));
      } else holds = hex(d.stack.subarray(p.offset, p.offset + p.bytes));
      problems.push(`bytes ${ranges(bs)} are not in ${describePiece(p)} (it holds ${holds})`);
    }
    // extension of small integers in a register
    const p0 = expected.pieces[0];
    if (
      checkExtension && (expected.extension === "sign" || expected.extension === "zero") &&
      expected.pieces.length === 1 && p0.kind === "reg" &&
      (ty.kind === "int" || ty.kind === "enum") &&
      ty.size < t.regBytes
    ) {
      const c = regCell(t.arch, p0.reg);
      const f = c ? fs.get(c.file) : undefined;
      if (c && f && c.bank === "gpr") {
        const msb = vals[t.bigEndian ? 0 : ty.size - 1];
        const fill = expected.extension === "sign" && msb & 0x80 ? 0xff : 0;
        const upper = f.subarray(c.base + p0.regOffset + p0.bytes, c.base + t.regBytes);
        if (!upper.every((x) => x === fill)) {
          problems.push(
            `${expected.extension}-extension expected above ${p0.bytes} bytes in ${p0.reg}, upper bytes are ${
              hex(upper)
            }`,
          );
        }
      }
    }
  });
  return problems;
}

/** Compare one observation with a model's prediction; one message per disagreeing argument. */
export function checkObservation(
  t: Target,
  obs: ProtoObservation,
  expected: ArgLocation[],
): { arg: number; expected: ArgLocation | null; detail: string }[] {
  const out: { arg: number; expected: ArgLocation | null; detail: string }[] = [];
  obs.proto.params.forEach((param, i) => {
    const e = expected.find((x) => x.arg === i) ?? null;
    const seen = obs.args[i];
    const head = `arg ${i} (${typeText(param.type)})`;
    if (!e) {
      out.push({
        arg: i,
        expected: null,
        detail: `${head}: no predicted location; observed ${describeLocation(seen)}`,
      });
      return;
    }
    const problems = checkArg(t, obs, i, e);
    if (problems.length) {
      out.push({
        arg: i,
        expected: e,
        detail:
          `${head}: expected ${describeLocation(e)}${
            e.extension !== "unspecified" ? ` (${e.extension}-extended)` : ""
          }` +
          `; observed ${describeLocation(seen)}${
            seen.extension ? ` (upper bits: ${seen.extension})` : ""
          }` +
          `${seen.missing.length ? ` (bytes ${ranges(seen.missing)} not found)` : ""}: ${
            problems.join("; ")
          }`,
      });
    }
  });
  if (expected.length > obs.proto.params.length) {
    out.push({
      arg: obs.proto.params.length,
      expected: expected[obs.proto.params.length],
      detail: `${expected.length} locations predicted for ${obs.proto.params.length} parameters`,
    });
  }
  return out;
}

/**
 * Run the oracle on `protos` for `arch` with `opts.compiler` and compare
 * `abi.placeArgs` with what the compiled callers did.
 */
export async function checkPlacement(
  arch: OracleArch,
  protos: Prototype[],
  abi: Abi,
  opts: CheckOptions,
): Promise<PlacementCheck> {
  if (abi.arch !== arch) throw new Error(`abi is for ${abi.arch}, not ${arch}`);
  const t = TARGETS[arch];
  const res = await observePlacements(arch, protos, opts);
  const out: PlacementCheck = {
    checked: 0,
    agree: 0,
    mismatches: [],
    skipped: res.skipped.map((s) => ({ proto: s.proto, reason: s.reason })),
  };
  for (const obs of res.observed) {
    out.checked++;
    let expected: ArgLocation[];
    try {
      expected = abi.placeArgs(obs.proto);
    } catch (e) {
      out.mismatches.push({
        proto: obs.proto,
        arg: -1,
        expected: null,
        observed: obs.args[0],
        detail: `placeArgs threw: ${e instanceof Error ? e.message : String(e)}`,
      });
      continue;
    }
    const bad = checkObservation(t, obs, expected);
    if (bad.length === 0) out.agree++;
    for (const b of bad) {
      out.mismatches.push({
        proto: obs.proto,
        arg: b.arg,
        expected: b.expected,
        observed: obs.args[b.arg] ?? obs.args[0],
        detail: `${obs.proto.name}: ${b.detail}`,
      });
    }
  }
  return out;
}

/** One argument GCC and clang place differently. */
export interface CompilerDisagreement {
  proto: Prototype;
  arg: number;
  kind: "placement" | "extension";
  gcc: ObservedArg;
  clang: ObservedArg;
  detail: string;
}

/** Result of `compareCompilers`. */
export interface CompilerComparison {
  /** Prototypes both compilers built and ran. */
  checked: number;
  disagreements: CompilerDisagreement[];
  skipped: { proto: Prototype; compiler: Compiler; reason: string }[];
}

const asLocation = (o: ObservedArg): ArgLocation => ({
  arg: o.arg,
  pieces: o.pieces,
  byRef: o.byRef,
  extension: "unspecified",
});

const definite = (x: ObservedArg["extension"]) => x === "sign" || x === "zero";

/** GCC vs clang observed placements on `arch`. */
export async function compareCompilers(
  arch: OracleArch,
  protos: Prototype[],
  opts: OracleOptions = {},
): Promise<CompilerComparison> {
  const t = TARGETS[arch];
  const total = protos.length * 2;
  const prog = (base: number) => (done: number) => opts.onProgress?.(base + done, total);
  const gcc = await observePlacements(arch, protos, {
    ...opts,
    compiler: "gcc",
    onProgress: prog(0),
  });
  const clang = await observePlacements(arch, protos, {
    ...opts,
    compiler: "clang",
    onProgress: prog(protos.length),
  });
  const out: CompilerComparison = {
    checked: 0,
    disagreements: [],
    skipped: [
      ...gcc.skipped.map((s) => ({ proto: s.proto, compiler: "gcc" as const, reason: s.reason })),
      ...clang.skipped.map((s) => ({
        proto: s.proto,
        compiler: "clang" as const,
        reason: s.reason,
      })),
    ],
  };
  const byIndex = new Map(clang.observed.map((o) => [o.index, o]));
  for (const g of gcc.observed) {
    const c = byIndex.get(g.index);
    if (!c) continue;
    out.checked++;
    g.proto.params.forEach((param, i) => {
      const ga = g.args[i], ca = c.args[i];
      // agree when some reading of one compiler's dump holds the argument in the other's run
      const readings = (o: ObservedArg) =>
        o.missing.length ? [] : [
          asLocation(o),
          ...o.alternatives.map((a) => ({ ...a, arg: i, extension: "unspecified" as const })),
        ];
      const gInC = readings(ga).some((l) => checkArg(t, c, i, l, false).length === 0);
      const cInG = readings(ca).some((l) => checkArg(t, g, i, l, false).length === 0);
      const head = `${g.proto.name}: arg ${i} (${typeText(param.type)})`;
      if (!gInC && !cInG) {
        out.disagreements.push({
          proto: g.proto,
          arg: i,
          kind: "placement",
          gcc: ga,
          clang: ca,
          detail: `${head}: gcc ${describeLocation(ga)}; clang ${describeLocation(ca)}`,
        });
      } else if (
        definite(ga.extension) && definite(ca.extension) && ga.extension !== ca.extension &&
        // the same place may hold it extended both ways in the other run (scratch copies)
        checkArg(t, c, i, { ...asLocation(ga), extension: ga.extension as Extension }).length > 0 &&
        checkArg(t, g, i, { ...asLocation(ca), extension: ca.extension as Extension }).length > 0
      ) {
        out.disagreements.push({
          proto: g.proto,
          arg: i,
          kind: "extension",
          gcc: ga,
          clang: ca,
          detail: `${head}: gcc ${ga.extension}-extends in ${
            describeLocation(ga)
          }, clang ${ca.extension}-extends in ${describeLocation(ca)}`,
        });
      }
    });
  }
  return out;
}
