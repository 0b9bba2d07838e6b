/**
 * `deno task emulate`: generate trampolines for a corpus and run them in the
 * emulator (jit/emu/tramp), printing pass/fail/rejected counts and the first
 * failures with evidence; with `--proto NAME` also the trampoline's
 * disassembly (Capstone) and FrameLayout.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { AttachType } from "../../jit/arch/tramp_types.ts";
import type { Prototype } from "../../jit/corpus/types.ts";
import { stressPrototypes } from "../../jit/corpus/stress.ts";
import { selftestPrototypes } from "../../jit/corpus/selftests.ts";
import { parseBtf } from "../../jit/corpus/btf/parse.ts";
import { allPrototypes } from "../../jit/corpus/btf/ctype.ts";
import {
  ATTACH_TYPES,
  closeHarnesses,
  EmulateError,
  emulateMany,
  resolveModel,
} from "../../jit/emu/tramp/emulate.ts";
import { TRAMP_ARCHES, TRAMP_BASE, type TrampArch } from "../../jit/emu/tramp/layout.ts";
import { isQemuTrampArch, QEMU_TRAMP_ARCHES } from "../../jit/emu/tramp/qemu/arches.ts";
import { TRAMP_BASE as QEMU_TRAMP_BASE } from "../../jit/emu/tramp/qemu/protocol.ts";

/** Handled by bot/cli/emulate_other.ts: loongarch64 (model only), arm32 (call marshalling). */
const OTHER_EMU_ARCHES: readonly string[] = ["loongarch64", "arm32"];
/** Every arch `emulate` runs: in Unicorn, or (ppc64) under qemu-user. */
const EMU_ARCHES: readonly string[] = [...TRAMP_ARCHES, ...QEMU_TRAMP_ARCHES, ...OTHER_EMU_ARCHES];
import type { Verdict } from "../../jit/emu/tramp/verdict.ts";
import { capstoneUnavailable, disassembleText, insnsText } from "../../jit/emu/capstone.ts";
import { disassembleWasm } from "../../jit/emu/capstone_wasm.ts";
import { emulatePool } from "../../workers/pool.ts";
import { emulateOther } from "./emulate_other.ts";

export const EMULATE_HELP =
  `usage: deno task emulate --arch A --era E [--attach T] [--btf PATH] [--proto NAME]
                          [--source stress,selftest,real] [--json] [--limit N]

Generates the era's trampoline for every prototype and runs it between a
GCC-compiled caller and callee in Unicorn; each verdict compares the ctx slots,
ctx[-1], what the original function received, the return value, callee-saved
registers, SP balance/alignment and stray writes.

options:
  --arch A          ${EMU_ARCHES.join(" | ")}
  --era E           a kernel era of the arch's model (e.g. v6.6, v6.17, 2026)
  --attach T        ${ATTACH_TYPES.join(" | ")} (default fentry)
                    (arm32: kfunc | helper, default kfunc; loongarch64: model only)
  --source S,...    stress, selftest, real (default stress,selftest; real needs BTF)
  --btf PATH        kernel BTF for "real" (default /sys/kernel/btf/vmlinux)
  --proto NAME      only this prototype; prints the disassembly and the FrameLayout
  --ip-arg          BPF_TRAMP_F_IP_ARG (ctx[-2] = traced IP)
  --limit N         first N prototypes only
  --failures N      failures to print (default 10)
  --workers N       worker count (default: navigator.hardwareConcurrency; 0 = in-process)
  --json            one JSON object
  -h, --help        this text
`;

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

/** Loads the requested sources. */
export async function loadProtos(sources: string[], btfPath: string): Promise<Prototype[]> {
  const out: Prototype[] = [];
  for (const s of sources) {
    if (s === "stress") out.push(...stressPrototypes());
    else if (s === "selftest") out.push(...await selftestPrototypes());
    else if (s === "real") {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(btfPath);
      } catch (e) {
        throw new EmulateError(`cannot read BTF ${btfPath}: ${e instanceof Error ? e.message : e}`);
      }
      out.push(...allPrototypes(parseBtf(bytes), "real"));
    } else throw new EmulateError(`unknown source '${s}' (known: stress, selftest, real)`);
  }
  return out;
}

/** The JSON summary. */
export function summary(arch: string, era: string, attach: string, vs: Verdict[], n: number) {
  const c = { pass: 0, fail: 0, rejected: 0 };
  for (const v of vs) c[v.status]++;
  return {
    arch,
    era,
    attach,
    total: vs.length,
    ...c,
    failures: vs.filter((v) => v.status === "fail").slice(0, n).flatMap((v) =>
      v.mismatches.filter((m) => m.severity === "fail").map((m) => ({
        proto: v.protoC,
        arg: m.arg,
        type: m.type,
        expected: m.expected,
        observed: m.observed,
        rule: m.rule,
      }))
    ),
  };
}

/** Runs `emulate`; returns the exit code (0 all pass, 1 failures... see README: 0 ran). */
export async function emulateCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        arch: { type: "string" },
        era: { type: "string" },
        attach: { type: "string", default: "fentry" },
        btf: { type: "string", default: "/sys/kernel/btf/vmlinux" },
        proto: { type: "string" },
        source: { type: "string" },
        "ip-arg": { type: "boolean" },
        limit: { type: "string" },
        failures: { type: "string", default: "10" },
        workers: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new EmulateError(`${e instanceof Error ? e.message : e} (see --help)`);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(EMULATE_HELP);
    return 0;
  }
  if (!v.arch) throw new EmulateError(`--arch is required (${EMU_ARCHES.join(", ")})`);
  if (!EMU_ARCHES.includes(v.arch)) {
    throw new EmulateError(`unknown arch '${v.arch}' (known: ${EMU_ARCHES.join(", ")})`);
  }
  // loongarch64 (model only) and arm32 (call marshalling): bot/cli/emulate_other.ts
  if (OTHER_EMU_ARCHES.includes(v.arch)) return await emulateOther(v);
  // ppc64 passes as a TrampArch: emulateMany hands it to the qemu-user harness
  const arch = v.arch as TrampArch;
  const base = isQemuTrampArch(arch) ? QEMU_TRAMP_BASE : TRAMP_BASE;
  const model = await resolveModel(arch, v.era ?? "", v.attach!).catch(async (e) => {
    if (!v.era && e instanceof EmulateError) {
      const m = await resolveModel(arch, "", "fentry").catch((x) => x);
      const eras = m instanceof Error ? "" : m.eras.join(", ");
      throw new EmulateError(`--era is required${eras ? ` (known: ${eras})` : ""}: ${e.message}`);
    }
    throw e;
  });
  const era = v.era!;
  const attach = v.attach as AttachType;
  const num = (name: string, raw: string | undefined) => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) {
      throw new EmulateError(`--${name} wants a number, got '${raw}'`);
    }
    return n;
  };
  const sources = (v.source ?? (v.proto ? "selftest,stress" : "stress,selftest")).split(",")
    .map((s) => s.trim()).filter(Boolean);
  let protos = await loadProtos(sources, v.btf!);
  if (v.proto) {
    const p = protos.filter((q) => q.name === v.proto);
    if (p.length === 0) {
      throw new EmulateError(`unknown prototype '${v.proto}' in sources ${sources.join(",")}`);
    }
    protos = p.slice(0, 1);
  }
  const limit = num("limit", v.limit);
  if (limit !== undefined) protos = protos.slice(0, limit);
  const workers = num("workers", v.workers);
  const t0 = performance.now();
  const vs = v.proto || workers === 0
    ? await emulateMany({
      arch,
      era,
      attach,
      protos,
      ipArg: !!v["ip-arg"],
      dedupe: true,
      keepCode: !!v.proto,
    })
    : await emulatePool({ arch, era, attach, protos, ipArg: !!v["ip-arg"], workers });
  const ms = performance.now() - t0;
  closeHarnesses();
  const s = summary(arch, era, attach, vs, num("failures", v.failures) ?? 10);
  if (v.json) {
    console.log(JSON.stringify(s, null, 2));
    return 0;
  }
  console.log(
    `${arch} ${era} ${attach}: ${s.total} prototypes: ${s.pass} pass, ${s.fail} fail, ${s.rejected} rejected (${
      ms.toFixed(0)
    } ms)`,
  );
  void model;
  const failed = vs.filter((x) => x.status === "fail");
  for (const f of failed.slice(0, num("failures", v.failures) ?? 10)) {
    console.log(`\nFAIL ${f.protoC}`);
    for (const m of f.mismatches) {
      const who = m.arg === null
        ? "frame"
        : `arg ${m.arg} (${m.type?.c}, size ${m.type?.size}, align ${m.type?.align})`;
      console.log(
        `  [${m.rule}${
          m.severity === "info" ? ", info" : ""
        }] ${who}: expected ${m.expected}; observed ${m.observed}`,
      );
    }
  }
  if (v.proto) {
    const one = vs[0];
    if (one.status === "rejected") console.log(`\nrejected: ${one.errno}: ${one.reason}`);
    if (one.status === "pass") {
      console.log(`\nPASS ${one.protoC}`);
      for (const m of one.mismatches) {
        console.log(`  [${m.rule}, info] arg ${m.arg}: ${m.observed}`);
      }
    }
    if (one.frame) {
      console.log("\nFrameLayout:", JSON.stringify(one.frame, null, 2));
    }
    for (const n of one.notes ?? []) console.log(`note: ${n}`);
    if (one.code) {
      console.log(`\ntrampoline (${one.code.length} bytes at ${hex(base)}):`);
      if (arch === "riscv64") {
        // Capstone 4 has no RISC-V: the WASM Capstone 5
        const text = await disassembleWasm(arch, one.code, TRAMP_BASE).then(
          insnsText,
          (e) => `  (no disassembly: ${e instanceof Error ? e.message : e})`,
        );
        console.log(text);
      } else {
        const why = capstoneUnavailable();
        console.log(
          why ? `  (no disassembly: ${why})` : disassembleText(arch, one.code, base),
        );
      }
    }
  }
  return 0;
}

/** `emulate` with its own error handling (exit 2 for user errors), for main.ts's dispatch. */
export async function emulateMain(args: string[]): Promise<number> {
  try {
    return await emulateCommand(args);
  } catch (e) {
    if (e instanceof EmulateError) {
      console.error(`trampolint: ${e.message}`);
      return 2;
    }
    throw e;
  } finally {
    closeHarnesses();
  }
}
