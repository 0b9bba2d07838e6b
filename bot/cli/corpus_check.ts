/**
 * `corpus --check`: the compiler oracle over the stress and selftest
 * prototypes, per architecture (jit/emu/oracle).
 *
 * @module
 */

import type { Prototype } from "../../jit/corpus/types.ts";
import type { ArchInfo } from "../../jit/arch/index.ts";
import { checkPlacement, compareCompilers } from "../../jit/emu/oracle/check.ts";
import type { OracleArch } from "../../jit/emu/oracle/targets.ts";
import type { Corpus } from "./corpus.ts";

/** Per-arch outcome (what `corpus --check --json` prints). */
export interface CheckSummary {
  checked: number;
  agree: number;
  mismatch: number;
  skipped: number;
  /** The first mismatches, as one line each. */
  examples: string[];
  /** GCC vs clang placements that differ (prototype: detail). */
  compilerDisagreements: string[];
  /** Distinct reasons prototypes were skipped (did not compile for this arch). */
  skippedReasons?: string[];
  /** Set instead of counts when the arch has no compiler here. */
  modelOnly?: string;
  seconds: number;
}

/** Options of an oracle run. */
export interface OracleOptions {
  compiler: "gcc" | "clang";
  limit: number;
  log: (s: string) => void;
  quiet: boolean;
}

/** A one-line progress bar on stderr, redrawn in place on a terminal. */
function progress(arch: string, quiet: boolean): (done: number, total: number) => void {
  const tty = Deno.stderr.isTerminal();
  let last = -1;
  return (done, total) => {
    if (quiet) return;
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (!tty && pct < 100 && pct - last < 25) return;
    last = pct;
    const width = 30;
    const fill = Math.round((pct / 100) * width);
    const line = `trampolint: oracle ${arch.padEnd(11)} [${"#".repeat(fill)}${
      ".".repeat(width - fill)
    }] ${done}/${total}`;
    const enc = new TextEncoder();
    Deno.stderr.writeSync(enc.encode(tty ? `\r${line}${done === total ? "\n" : ""}` : `${line}\n`));
  };
}

/** Runs the oracle for each arch over its stress + selftest prototypes. */
export async function runOracle(
  corpus: Corpus,
  arches: ArchInfo[],
  opts: OracleOptions,
): Promise<Record<string, CheckSummary>> {
  const out: Record<string, CheckSummary> = {};
  for (const arch of arches) {
    const t0 = performance.now();
    if (!arch.oracle) {
      out[arch.name] = {
        checked: 0,
        agree: 0,
        mismatch: 0,
        skipped: 0,
        examples: [],
        compilerDisagreements: [],
        modelOnly: arch.oracleGap ?? "model only",
        seconds: 0,
      };
      continue;
    }
    const base: Prototype[] = arch.dataModel === "ilp32"
      ? [...corpus.selftest32, ...corpus.stress32]
      : [...corpus.selftest, ...corpus.stress];
    const protos = base.slice(0, Math.min(base.length, opts.limit));
    const name = arch.name as OracleArch;
    const r = await checkPlacement(name, protos, arch.abi, {
      compiler: opts.compiler,
      onProgress: progress(`${arch.name} ${opts.compiler}`, opts.quiet),
    });
    const cmp = await compareCompilers(name, protos, {
      onProgress: progress(`${arch.name} gcc/clang`, opts.quiet),
    });
    out[arch.name] = {
      checked: r.checked,
      agree: r.agree,
      mismatch: r.mismatches.length,
      skipped: r.skipped.length,
      examples: r.mismatches.slice(0, 5).map((m) => m.detail),
      compilerDisagreements: cmp.disagreements.map((d) =>
        `${d.proto.name} arg${d.arg}: ${d.detail}`
      ),
      skippedReasons: [...new Set(r.skipped.map((x) => x.reason))].slice(0, 5),
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    };
  }
  return out;
}
