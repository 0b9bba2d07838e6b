/**
 * The qemu-user harness observes what a verdict needs: each test runs a real
 * ppc64 trampoline (or a deliberately broken one) between GCC-built callers
 * and callees under qemu-ppc64le-static and checks the verdict the
 * observation leads to. Broken trampolines are the generated ones with one
 * instruction put in front (the generator's calls are absolute and its
 * branches relative, so a prefix keeps them valid).
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { emulateQemu } from "./emulate.ts";
import { decodeResult, encodeJobs, FIXED_BYTES, resultBytes } from "./protocol.ts";
import { tramp as ppc64 } from "../../../arch/ppc64/tramp.ts";
import * as P from "../../../arch/ppc64/encode.ts";
import type { TrampolineArch } from "../../../arch/tramp_types.ts";
import type { AttachType } from "../../../arch/tramp_types.ts";
import type { CType, Prototype } from "../../../corpus/types.ts";
import { intType, recordType } from "../../../corpus/ctypes.ts";
import type { Verdict } from "../verdict.ts";
import { buildQemuHarness } from "./build.ts";
import { parseSymbols } from "../../oracle/build.ts";
import { runTool } from "../../../tools.ts";

const u64 = intType(64, false), s32 = intType(32, true), u8 = intType(8, false);
const s16 = recordType("struct", "hq_s16", [["a", u64], ["b", u64]]);

function proto(name: string, params: CType[], ret: CType | null = u64): Prototype {
  return {
    name,
    source: "stress",
    ret,
    params: params.map((type, i) => ({ name: `a${i}`, type })),
    variadic: false,
    unsupported: null,
  };
}

/** The real generator with `words` put in front of its code, in front of its last instruction, or replacing it. */
function broken(
  words: number[],
  where: "start" | "beforeLast" | "replace" = "start",
): TrampolineArch {
  return {
    ...ppc64,
    build(req, env, era) {
      const r = ppc64.build(req, env, era);
      if (!r.ok) return r;
      const w = P.wordsToBytes(words);
      if (where === "replace") return { ...r, code: w };
      const at = where === "start" ? 0 : r.code.length - 4;
      const code = new Uint8Array(r.code.length + w.length);
      code.set(r.code.subarray(0, at));
      code.set(w, at);
      code.set(r.code.subarray(at), at + w.length);
      return { ...r, code };
    },
  };
}

const fails = (v: Verdict, rule: string) =>
  v.mismatches.filter((m) => m.severity === "fail" && m.rule === rule);
const explain = (v: Verdict) =>
  `${v.proto} ${v.status}\n` +
  v.mismatches.map((m) => `  ${m.severity} ${m.rule} ${m.arg}: ${m.expected} | ${m.observed}`)
    .join("\n");

const mixed = proto("hq_mixed", [u8, s32, s16, u64, u64, u64, u64, u64, s32]); // 10 slots: 2 in the PSA

async function run(attach: AttachType, t: TrampolineArch, protos = [mixed], era = "2026") {
  return await emulateQemu({ arch: "ppc64", era, attach, protos, tramp: t, cacheDir: null });
}

Deno.test("protocol: a result's size is what the decoder consumes; short input decodes to null", () => {
  const shape = { params: [1, 4, 16], ret: 8 };
  const n = resultBytes(shape);
  equal(n, FIXED_BYTES + 3 * 8 + (8 + 8 + 16) + 8);
  const buf = new Uint8Array(n);
  new DataView(buf.buffer).setUint32(0, 7, true);
  const d = decodeResult(buf, 0, () => shape);
  ok(d !== null);
  equal(d.next, n);
  equal(d.result.id, 7);
  deepStrictEqual(d.result.received.map((b) => b.length), [1, 4, 16]);
  equal(decodeResult(buf.subarray(0, n - 1), 0, () => shape), null);
  const jobs = encodeJobs([]);
  equal(new DataView(jobs.buffer).getUint32(0, true), 0xffffffff);
});

Deno.test("the generated 2026 trampoline passes for every attach type (register and PSA arguments)", async () => {
  for (const attach of ["fentry", "fexit", "fmod_ret", "struct_ops"] as AttachType[]) {
    const [v] = await run(attach, ppc64);
    equal(v.status, "pass", `${attach}: ${explain(v)}`);
  }
});

Deno.test("a trampoline that never calls the program fails (ctx never seen)", async () => {
  const [v] = await run("fentry", broken([P.blr()], "replace"));
  equal(v.status, "fail", explain(v));
  ok(fails(v, "ctx-slot").some((m) => /never called/.test(m.observed)), explain(v));
});

Deno.test("clobbering a non-volatile register (r14) fails callee-saved, fentry and fexit", async () => {
  for (const attach of ["fentry", "fexit"] as AttachType[]) {
    const [v] = await run(attach, broken([P.li(14, 0)]));
    ok(fails(v, "callee-saved").some((m) => /r14/.test(m.expected)), `${attach}: ${explain(v)}`);
  }
});

Deno.test("a write above the entry SP is a stray write; SP left unbalanced fails sp-balance", async () => {
  const [w] = await run("fentry", broken([P.std(3, 64, 1)]));
  ok(fails(w, "stray-write").some((m) => /entry SP \+ 64/.test(m.observed)), explain(w));
  // return 16 bytes low: the trampoline re-enters the function with a wrong SP (whatever
  // faults after that, the fault handler still reports what was observed)
  const [s] = await run("fentry", broken([P.addi(1, 1, -16)], "beforeLast"));
  ok(fails(s, "sp-balance").some((m) => /entry SP \+ 0/.test(m.expected)), explain(s));
});

Deno.test("an illegal instruction is an emu-fault of that prototype only: the process restarts for the next", async () => {
  const other = proto("hq_other", [u64, s32]);
  const t: TrampolineArch = {
    ...ppc64,
    build(req, env, era) {
      const r = ppc64.build(req, env, era);
      if (!r.ok || req.proto.name !== "hq_mixed") return r;
      return { ...r, code: new Uint8Array(4) }; // 0x00000000: illegal
    },
  };
  const [bad, good] = await run("fentry", t, [mixed, other]);
  equal(bad.status, "fail");
  ok(fails(bad, "emu-fault").some((m) => /SIGILL at 0x40000000/.test(m.observed)), explain(bad));
  equal(good.status, "pass", explain(good));
});

Deno.test("argument-register bits the ABI leaves unspecified are poisoned at entry (a struct in r3)", async () => {
  // a 1-byte struct: ELFv2 leaves r3's other bytes unspecified; the trampoline copies the
  // whole register, so ctx[0] shows the poison above byte 0 as information, not failure
  const one = recordType("struct", "hq_s1", [["a", u8]]);
  const [v] = await run("fentry", ppc64, [proto("hq_s1", [one])]);
  equal(v.status, "pass", explain(v));
  ok(
    v.mismatches.some((m) =>
      m.rule === "upper-bits" && m.severity === "info" && /badbad/.test(m.observed)
    ),
    explain(v),
  );
});

Deno.test("a write into the caller's argument global is a stray write naming it", async () => {
  const p = proto("hq_glob", [u64, s32]);
  // the image emulateQemu builds for this batch (same key: from the cache)
  const img = await buildQemuHarness([[0, p]]);
  const r = await runTool("llvm-readelf", ["-sW", img.exe]);
  const addr = parseSymbols(new TextDecoder().decode(r.stdout)).get("a_0_0");
  ok(addr !== undefined, "a_0_0 in the image");
  const t = broken([...P.li64(11, addr), P.std(11, 0, 11)]);
  const [v] = await emulateQemu({
    arch: "ppc64",
    era: "2026",
    attach: "fentry",
    protos: [p],
    tramp: t,
  });
  ok(fails(v, "stray-write").some((m) => /a_0_0/.test(m.observed)), explain(v));
});
