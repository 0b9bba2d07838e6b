/**
 * `deno task emulate` for the two architectures that are not trampoline
 * emulation in Unicorn/qemu: loongarch64 (model only — no compiler, no
 * emulator: jit/emu/loongarch64/check.ts) and arm32 (no trampoline; helper and
 * kfunc call marshalling emulated against GCC/clang callees:
 * jit/emu/arm32/emulate.ts). Same JSON shape as the other arches; loongarch64
 * adds `modelOnly: true`, arm32's `attach` is the call kind.
 *
 * @module
 */

import type { AttachType } from "../../jit/arch/tramp_types.ts";
import type { Prototype } from "../../jit/corpus/types.ts";
import { stressPrototypes } from "../../jit/corpus/stress.ts";
import { selftestPrototypes } from "../../jit/corpus/selftests.ts";
import { EmulateError } from "../../jit/emu/tramp/emulate.ts";
import type { Verdict } from "../../jit/emu/tramp/verdict.ts";
import { checkMany } from "../../jit/emu/loongarch64/check.ts";
import { ERAS as LOONG_ERAS } from "../../jit/arch/loongarch64/model.ts";
import { emulateArm32 } from "../../jit/emu/arm32/emulate.ts";
import {
  CALL_KINDS,
  type CallKind,
  ERAS as ARM32_ERAS,
  helperCallCode,
  kfuncCallCode,
} from "../../jit/arch/arm32/marshal.ts";
import { distill } from "../../jit/corpus/distill.ts";
import { capstoneUnavailable, disassembleText } from "../../jit/emu/capstone.ts";
import { wordsToBytes } from "../../jit/arch/arm32/encode.ts";
import { loadProtos, summary } from "./emulate.ts";

/** The parsed `emulate` options this module reads. */
export interface OtherOptions {
  arch?: string;
  era?: string;
  attach?: string;
  btf?: string;
  proto?: string;
  source?: string;
  "ip-arg"?: boolean;
  limit?: string;
  failures?: string;
  json?: boolean;
}

const DEFAULT_BTF = "/sys/kernel/btf/vmlinux";
const LOONG_ATTACH: readonly AttachType[] = ["fentry", "fexit", "fmod_ret", "struct_ops"];

/** arm32 prototypes: ILP32 stress (≤ 5 args: kfuncs and helpers take at most 5) and selftests. */
async function arm32Protos(sources: string[], btf: string): Promise<Prototype[]> {
  const out: Prototype[] = [];
  for (const s of sources) {
    if (s === "stress") out.push(...stressPrototypes({ model: "ilp32", maxPosition: 5 }));
    else if (s === "selftest") out.push(...await selftestPrototypes("ilp32"));
    else if (s === "real" && btf === DEFAULT_BTF) {
      throw new EmulateError(
        `arm32 --source real needs an arm32 kernel's BTF (--btf PATH); ${DEFAULT_BTF} is this machine's`,
      );
    } else out.push(...await loadProtos([s], btf));
  }
  return out;
}

function count(raw: string | undefined, name: string, dflt?: number): number | undefined {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new EmulateError(`--${name} wants a number, got '${raw}'`);
  }
  return n;
}

/** Runs `emulate` for loongarch64 or arm32; returns the exit code. */
export async function emulateOther(v: OtherOptions): Promise<number> {
  const arch = v.arch!;
  const loong = arch === "loongarch64";
  const eras: readonly string[] = loong ? LOONG_ERAS : ARM32_ERAS;
  if (!v.era || !eras.includes(v.era)) {
    throw new EmulateError(
      `${v.era ? `unknown era '${v.era}' for ${arch}` : "--era is required"} (known: ${
        eras.join(", ")
      })`,
    );
  }
  const era = v.era;
  // arm32's "attach" is the call kind; `fentry` is the CLI default, meaning kfunc there
  const attach = loong
    ? v.attach ?? "fentry"
    : v.attach === "fentry" || !v.attach
    ? "kfunc"
    : v.attach;
  const kinds: readonly string[] = loong ? LOONG_ATTACH : CALL_KINDS;
  if (!kinds.includes(attach)) {
    throw new EmulateError(`--attach for ${arch}: ${kinds.join(" | ")} (got '${attach}')`);
  }
  const sources = (v.source ?? "stress,selftest").split(",").map((s) => s.trim()).filter(Boolean);
  const btf = v.btf ?? DEFAULT_BTF;
  let protos = loong ? await loadProtos(sources, btf) : await arm32Protos(sources, btf);
  if (v.proto) {
    protos = protos.filter((p) => p.name === v.proto).slice(0, 1);
    if (protos.length === 0) {
      throw new EmulateError(`unknown prototype '${v.proto}' in sources ${sources.join(",")}`);
    }
  }
  const limit = count(v.limit, "limit");
  if (limit !== undefined) protos = protos.slice(0, limit);
  const failures = count(v.failures, "failures", 10)!;
  const t0 = performance.now();
  const vs: Verdict[] = loong
    ? checkMany({
      era,
      attach: attach as AttachType,
      protos,
      ipArg: !!v["ip-arg"],
      keepCode: !!v.proto,
    })
    : (await emulateArm32({ era, kind: attach as CallKind, protos })) as unknown as Verdict[];
  const ms = performance.now() - t0;
  const s = { ...summary(arch, era, attach, vs, failures), ...(loong ? { modelOnly: true } : {}) };
  if (v.json) {
    console.log(JSON.stringify(s, null, 2));
    return 0;
  }
  console.log(
    `${arch} ${era} ${attach}: ${s.total} prototypes: ${s.pass} pass, ${s.fail} fail, ${s.rejected} rejected (${
      ms.toFixed(0)
    } ms)${loong ? " — MODEL ONLY (no LoongArch compiler or emulator; nothing executed)" : ""}`,
  );
  for (const f of vs.filter((x) => x.status === "fail").slice(0, failures)) {
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
  if (v.proto) printOne(arch, era, attach, vs[0], protos[0]);
  return 0;
}

function printOne(arch: string, era: string, attach: string, one: Verdict, p: Prototype): void {
  if (one.status === "rejected") console.log(`\nrejected: ${one.errno}: ${one.reason}`);
  if (one.status === "pass") console.log(`\nPASS ${one.protoC}`);
  if (one.frame) console.log("\nFrameLayout:", JSON.stringify(one.frame, null, 2));
  const marshal = (one as { marshal?: unknown }).marshal;
  if (marshal) console.log("\nmarshalling:", JSON.stringify(marshal));
  for (const n of one.notes ?? []) console.log(`note: ${n}`);
  if (arch === "loongarch64" && one.code) {
    // no LoongArch disassembler on Debian 12 (binutils, LLVM 14, Capstone 4/5 lack it)
    const dv = new DataView(one.code.buffer, one.code.byteOffset, one.code.byteLength);
    const words = Array.from({ length: one.code.length / 4 }, (_, i) => dv.getUint32(4 * i, true));
    console.log(`\ntrampoline (${one.code.length} bytes; words, no LoongArch disassembler here):`);
    for (let i = 0; i < words.length; i += 8) {
      console.log(
        `  +${(4 * i).toString(16).padStart(4, "0")}: ${
          words.slice(i, i + 8).map((w) => w.toString(16).padStart(8, "0")).join(" ")
        }`,
      );
    }
  }
  if (arch === "arm32" && one.status !== "rejected") {
    const d = distill(p, "v6.1", 4);
    const code = !d.ok
      ? null
      : attach === "kfunc"
      ? kfuncCallCode(era, d.model, 0x100001)
      : helperCallCode(0x100001);
    if (code) {
      const why = capstoneUnavailable();
      console.log(`\nJIT call sequence (ARM state; callee at 0x100001 for the listing):`);
      console.log(
        why
          ? `  (no disassembly: ${why})`
          : disassembleText("arm32", wordsToBytes(code), 0x300000n),
      );
    }
  }
}
