import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { distill } from "../../corpus/distill.ts";
import type { Prototype } from "../../corpus/types.ts";
import type { AttachType, FrameLayout, TrampolineEnv } from "../tramp_types.ts";
import { typesFor } from "../common/probe/ctype_build.ts";
import { selftestProtos } from "../common/probe/testmod.ts";
import { target } from "./probe.ts";
import { tramp } from "./tramp.ts";

const T = typesFor(target.model);
const P = selftestProtos(T);
const ENV: TrampolineEnv = {
  base: 0x102000n,
  funcAddr: 0x101000n,
  progEnter: 0x103000n,
  prog: 0x103100n,
  progExit: 0x103200n,
};

function build(name: string, era: string, attach: AttachType, ipArg = false) {
  const p: Prototype = P[name];
  const d = distill(p, tramp.distillEra(era));
  if (!d.ok) throw new Error(d.reason);
  const env = attach === "struct_ops" ? { ...ENV, funcAddr: null } : ENV;
  return tramp.build({ proto: p, model: d.model, attach, ipArg }, env, era);
}

function frame(name: string, era: string, attach: AttachType, ipArg = false): FrameLayout {
  const t = build(name, era, attach, ipArg);
  if (!t.ok) throw new Error(`${t.errno}: ${t.reason}`);
  return t.frame;
}

const saved = (x19: number, full = true) => [
  { reg: "x19", offset: x19 },
  { reg: "x20", offset: x19 + 8 },
  { reg: "x29", offset: 0 },
  { reg: "x30", offset: 8 },
  ...(full ? [{ reg: "x29", offset: 16 }, { reg: "x9", offset: 24 }] : []),
];

Deno.test("arm64 tramp: frame layouts (9014cf56f13d form, FP-relative)", () => {
  // fentry_test11: 11 slots, 3 stack args (24 bytes)
  assertEquals(frame("fentry_test11", "v6.17", "fentry"), {
    fp: "x29",
    frameSize: 128,
    ctx: -104,
    nrSlots: 11,
    argCount: -112,
    ip: null,
    retval: null,
    stackArgBase: 32,
    outgoing: null,
    savedRegs: saved(-16),
  });
  // fexit: outgoing area of 24 bytes at SP, retval right after the last slot
  assertEquals(frame("fentry_test11", "v6.17", "fexit", true), {
    fp: "x29",
    frameSize: 176,
    ctx: -120,
    nrSlots: 11,
    argCount: -128,
    ip: -136,
    retval: -32,
    stackArgBase: 32,
    outgoing: { offset: 0, bytes: 24 },
    savedRegs: saved(-24),
  });
  // 2026 int128_backfill: stack area mirrors the hole (32 bytes), 11 slots
  const f26 = frame("int128_backfill", "2026", "fexit");
  assertEquals([f26.nrSlots, f26.outgoing, f26.retval! - f26.ctx], [
    11,
    { offset: 0, bytes: 32 },
    88,
  ]);
  // v6.5 struct_arg_1: 4 slots, nothing on the stack
  assertEquals(frame("struct_arg_1", "v6.5", "fentry"), {
    fp: "x29",
    frameSize: 80,
    ctx: -56,
    nrSlots: 4,
    argCount: -64,
    ip: null,
    retval: null,
    stackArgBase: 32,
    outgoing: null,
    savedRegs: saved(-24), // 8 bytes of padding above x20
  });
  // struct_ops: no {fp, x9} record; stack args at FP+32 until 2026 (bug B5)
  const so17 = frame("fentry_test11", "v6.17", "struct_ops");
  const so26 = frame("fentry_test11", "2026", "struct_ops");
  assertEquals([so17.stackArgBase, so26.stackArgBase], [32, 16]);
  assertEquals(so26.savedRegs, saved(-24, false));
  ok(so26.retval !== null, "RET_FENTRY_RET: int op return saved");
});

Deno.test("arm64 tramp: rejections", () => {
  const errno = (name: string, era: string) => {
    const t = build(name, era, "fentry");
    return t.ok ? "ok" : t.errno;
  };
  assertEquals(errno("struct_arg_1", "v6.0"), "ENOTSUPP"); // eb707dde264a
  assertEquals(errno("fentry_test7", "v6.0"), "ok");
  assertEquals(errno("struct_arg_9", "v6.5"), "ENOTSUPP"); // 10 slots > 8
  assertEquals(errno("struct_arg_9", "v6.16"), "ENOTSUPP"); // struct on stack
  assertEquals(errno("struct_arg_9", "v6.17"), "ok");
  assertEquals(errno("test_bin_on_stack_ok", "2026"), "ok"); // 10 slots
  const t = build("struct_arg_9", "v6.16", "fexit");
  ok(!t.ok && t.reason.includes("9014cf56f13d"), JSON.stringify(t));
});

Deno.test("arm64 tramp: notes name the stack args, skipped registers and bug B5", () => {
  const t = build("callee_odd", "2026", "fentry");
  ok(t.ok && t.notes.some((n) => n.includes("x1 skipped")), JSON.stringify(t));
  const s = build("fentry_test11", "v6.17", "struct_ops");
  ok(s.ok && s.notes.some((n) => n.includes("bug B5")));
});

Deno.test("arm64 tramp: patch site is mov x9, x30; bl tramp; range checked", () => {
  const b = tramp.patchSite(0x101000n, 0x102000n);
  assertEquals([...b], [0xe9, 0x03, 0x1e, 0xaa, ...[0xff, 0x03, 0x00, 0x94]]);
  assertEquals(tramp.patchableEntry, { nops: 2, bytes: 8 });
  throws(() => tramp.patchSite(0x0n, 0x8000004n), /out of bl range/);
  assertEquals(tramp.patchSite(0x8000000n, 0x4n).length, 8);
});

async function disasm(code: Uint8Array): Promise<string[]> {
  const p = new Deno.Command("llvm-mc", {
    args: ["--disassemble", "-triple=aarch64"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode([...code].map((x) => `0x${x.toString(16)}`).join(" ")));
  await w.close();
  const out = await p.output();
  const err = new TextDecoder().decode(out.stderr);
  if (err.trim()) throw new Error(err);
  return new TextDecoder().decode(out.stdout).split("\n").map((l) => l.trim().replace(/\s+/g, " "))
    .filter((l) => l && !l.startsWith("."));
}

Deno.test("arm64 tramp: every era/attach disassembles cleanly; garbage clearing and base visible", async () => {
  for (const era of tramp.eras) {
    for (const attach of ["fentry", "fexit", "fmod_ret", "struct_ops"] as const) {
      const t = build("fentry_test7", era, attach, attach !== "struct_ops");
      if (!t.ok) throw new Error(`${era} ${attach}: ${t.reason}`);
      const lines = await disasm(t.code);
      assertEquals(lines.length, t.code.length / 4, `${era} ${attach}`);
    }
  }
  // fentry_test11 with an int on the stack: lsl/lsr by 32 on its slot (v6.16+)
  const p = P.fentry_test11;
  const q: Prototype = {
    ...p,
    params: [...p.params.slice(0, 8), p.params[6], ...p.params.slice(9)],
  };
  const d = distill(q, "v6.3");
  if (!d.ok) throw new Error(d.reason);
  const t = tramp.build({ proto: q, model: d.model, attach: "fentry", ipArg: false }, ENV, "v6.17");
  if (!t.ok) throw new Error(t.reason);
  const lines = await disasm(t.code);
  const i = lines.indexOf("ldr x10, [x29, #32]");
  assertEquals(lines.slice(i, i + 4), [
    "ldr x10, [x29, #32]",
    "lsl x10, x10, #32",
    "lsr x10, x10, #32",
    "str x10, [sp, #88]",
  ]);
  ok(lines.includes("ldr x10, [x29, #40]"));
  assertEquals(lines.slice(0, 4), [
    "stp x29, x9, [sp, #-16]!",
    "mov x29, sp",
    "stp x29, x30, [sp, #-16]!",
    "mov x29, sp",
  ]);
  assertEquals(lines.slice(-5), [
    "ldp x29, x30, [sp], #16",
    "ldp x29, x9, [sp], #16",
    "mov x10, x30",
    "mov x30, x9",
    "ret x10",
  ]);
});
