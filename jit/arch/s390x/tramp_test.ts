import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { distill } from "../../corpus/distill.ts";
import { BTF_FMODEL_SIGNED_ARG, type Prototype } from "../../corpus/types.ts";
import type { AttachType, TrampolineEnv } from "../tramp_types.ts";
import { typesFor } from "../common/probe/ctype_build.ts";
import { selftestProtos } from "../common/probe/testmod.ts";
import { model as dataModel } from "./probe.ts";
import { tramp } from "./tramp.ts";
import { capstoneUnavailable, disassemble } from "../../emu/capstone.ts";

const T = typesFor(dataModel);
const P = selftestProtos(T);
const ENV: TrampolineEnv = {
  base: 0x102000n,
  funcAddr: 0x101000n,
  progEnter: 0x103000n,
  prog: 0x103100n,
  progExit: 0x103200n,
};

function build(p: Prototype, attach: AttachType, ipArg = false) {
  const d = distill(p, tramp.distillEra("v6.3"));
  if (!d.ok) throw new Error(d.reason);
  const env = attach === "struct_ops" ? { ...ENV, funcAddr: null } : ENV;
  const t = tramp.build({ proto: p, model: d.model, attach, ipArg }, env, "v6.3");
  if (!t.ok) throw new Error(`${t.errno}: ${t.reason}`);
  return t;
}

/** Capstone text of the code, one "mnemonic operands" line per instruction; every byte decoded. */
function lines(code: Uint8Array): string[] {
  const insns = disassemble("s390x", code, ENV.base);
  assertEquals(insns.reduce((n, i) => n + i.size, 0), code.length, "every byte decodes");
  return insns.map((i) => `${i.mnemonic} ${i.opStr}`.trim());
}

const noCapstone = capstoneUnavailable() !== null;

Deno.test("s390x tramp: frame layout (528eb2cb87bc form, %r15-relative after aghi)", () => {
  // fentry_test11: 5 register args, 6 stack args, 11 slots; fexit with IP_ARG
  const t = build(P.fentry_test11, "fexit", true);
  assertEquals(t.frame, {
    fp: "r15",
    frameSize: 240, // 400 allocated − the caller's 160-byte save area
    ctx: 264,
    nrSlots: 11,
    argCount: 256, // ctx − 8 (bpf_get_func_arg_cnt)
    ip: 248, // ctx − 16 (bpf_get_func_ip)
    retval: 352, // ctx[11]
    stackArgBase: 400, // caller's %r15 + 160
    outgoing: { offset: 160, bytes: 48 },
    savedRegs: [{ reg: "r7", offset: 360 }, { reg: "r8", offset: 368 }, {
      reg: "r14",
      offset: 376,
    }],
  });
  // fentry: no outgoing area or retval; RET_FENTRY_RET for struct_ops saves it
  const f = build(P.fentry_test7, "fentry").frame;
  assertEquals([f.outgoing, f.retval, f.ip], [null, null, null]);
  ok(build(P.fentry_test7, "struct_ops").frame.retval !== null);
});

Deno.test({
  name:
    "s390x tramp: fentry code — raw stmg, per-arg saves (stg / mvc 16 via pointer), RESTORE_REGS, back to func+6",
  ignore: noCapstone,
  fn: () => {
    const l = lines(build(P.struct_arg_2, "fentry").code);
    assertEquals(l.slice(0, 5), [
      "aghi %r15, -0x78", // 280 allocated − 160
      "stmg %r2, %r4, 0xa0(%r15)", // reg_args at 160
      "stg %r2, 0xc8(%r15)", // ctx at 200 (ip 184, arg_cnt 192)
      "mvc 0xd0(0x10, %r15), 0(%r3)", // the 16-byte struct through its pointer
      "stg %r4, 0xe0(%r15)",
    ]);
    assertEquals(l.slice(-7), [
      "basr %r14, %r1", // __bpf_prog_exit
      "lmg %r2, %r4, 0xa0(%r15)", // RESTORE_REGS: raw registers
      "lgr %r1, %r8",
      "lmg %r7, %r8, 0xf0(%r15)",
      "lg %r14, 0x100(%r15)",
      "aghi %r15, 0x78",
      "br %r1", // into the traced function at func + 6
    ]);
    ok(l.includes("oilf %r8, 0x101006"), "r8 = func_addr + 6");
    ok(l.includes("lghi %r0, 4"), "ctx[-1] = 4 slots");
  },
});

Deno.test({
  name:
    "s390x tramp: stack args — mvc 8 by value, lg + mvc 16 by reference; CALL_ORIG copies them with one mvc",
  ignore: noCapstone,
  fn: () => {
    const s16 = P.struct_arg_2.params[1].type;
    const u64 = P.fentry_test11.params[0].type;
    const p: Prototype = {
      name: "seven",
      source: "selftest",
      ret: u64,
      params: [u64, u64, u64, u64, u64, s16, u64].map((type, i) => ({ name: `a${i}`, type })),
      variadic: false,
      unsupported: null,
    };
    const t = build(p, "fexit");
    const l = lines(t.code);
    const orig = t.frame.stackArgBase;
    const ctx = t.frame.ctx;
    const h = (n: number) => `0x${n.toString(16)}`;
    const i = l.indexOf(`lg %r1, ${h(orig)}(%r15)`);
    ok(i > 0, l.join("\n"));
    assertEquals(l[i + 1], `mvc ${h(ctx + 40)}(0x10, %r15), 0(%r1)`);
    assertEquals(l[i + 2], `mvc ${h(ctx + 56)}(8, %r15), ${h(orig + 8)}(%r15)`);
    ok(l.includes(`mvc 0xa0(0x10, %r15), ${h(orig)}(%r15)`), "outgoing: 2 parameter slots raw");
    ok(l.includes("lmg %r2, %r6, 0xb0(%r15)"), "raw registers reloaded");
    assertEquals(l.slice(-2), [`aghi %r15, ${h(t.frame.frameSize)}`, "br %r14"]);
  },
});

Deno.test({
  name:
    "s390x tramp: every attach type decodes; fmod_ret zeroes retval, tests it, sign-extends the int return",
  ignore: noCapstone,
  fn: () => {
    for (const attach of ["fentry", "fexit", "fmod_ret", "struct_ops"] as const) {
      const l = lines(build(P.fentry_test11, attach, attach !== "struct_ops").code);
      ok(l.length > 20, attach);
    }
    // ret_flags = SIGNED for an int return: 49f67f393ff2 sets it in btf_distill_func_proto
    // (v6.3); jit/corpus/distill.ts sets ret_flags only from v6.18, so the model is built here
    const p: Prototype = { ...P.fentry_test7, ret: T.i32 };
    const d = distill(p, "v6.3");
    if (!d.ok) throw new Error(d.reason);
    const m = { ...d.model, retFlags: BTF_FMODEL_SIGNED_ARG };
    const t = tramp.build({ proto: p, model: m, attach: "fmod_ret", ipArg: false }, ENV, "v6.3");
    if (!t.ok) throw new Error(t.reason);
    const l = lines(t.code);
    const r = t.frame.retval!;
    ok(l.includes(`xc 0x${r.toString(16)}(8, %r15), 0x${r.toString(16)}(%r15)`), l.join("\n"));
    ok(l.includes("lgfr %r2, %r2"), "signed int return sign-extended (49f67f393ff2)");
    const plain = tramp.build(
      { proto: p, model: d.model, attach: "fmod_ret", ipArg: false },
      ENV,
      "v6.3",
    );
    ok(plain.ok && !lines(plain.code).includes("lgfr %r2, %r2"), "no ret_flags, no extension");
    ok(l.includes(`ltg %r0, 0x${r.toString(16)}(%r15)`));
    ok(l.some((x) => x.startsWith("jgne ")), "brcl 7,do_fexit");
    ok(l.some((x) => x.startsWith("brcl 0,")), "ip_after_call nop");
  },
});

Deno.test({
  name:
    "s390x tramp: v6.6 frame — backchain stored, tail call counter saved/forwarded/restored, 8 bytes lower",
  ignore: noCapstone,
  fn: () => {
    const d = distill(P.struct_arg_2, "v6.3");
    if (!d.ok) throw new Error(d.reason);
    const t = tramp.build(
      { proto: P.struct_arg_2, model: d.model, attach: "fexit", ipArg: false },
      ENV,
      "v6.6",
    );
    if (!t.ok) throw new Error(t.reason);
    // 296 allocated (run_ctx, tccnt, then r14 ×2 at the top) − 152
    assertEquals([t.frame.frameSize, t.frame.ctx, t.frame.stackArgBase], [144, 200, 304]);
    const l = lines(t.code);
    assertEquals(l.slice(0, 4), [
      "lgr %r1, %r15",
      "aghi %r15, -0x90",
      "stg %r1, 0x98(%r15)", // backchain at 152
      "mvc 0x110(4, %r15), 0xd0(%r15)", // tccnt ← entry SP + 64
    ]);
    ok(l.includes("mvc 0x40(4, %r15), 0x110(%r15)"), "forwarded to the original at 64");
    assertEquals(l.slice(-3), ["mvc 0xd0(4, %r15), 0x110(%r15)", "aghi %r15, 0x90", "br %r14"]);
    ok(l.includes("stg %r14, 0x118(%r15)"));
  },
});

/** Instruction offsets and mnemonics GNU objdump decodes from `code`. */
async function objdump(code: Uint8Array): Promise<[number, string][]> {
  const dir = await Deno.makeTempDir({ prefix: "s390x-tramp-" });
  try {
    await Deno.writeFile(`${dir}/t.bin`, code);
    const r = await new Deno.Command("s390x-linux-gnu-objdump", {
      args: ["-D", "-b", "binary", "-m", "s390:64-bit", `${dir}/t.bin`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
    return [...new TextDecoder().decode(r.stdout).matchAll(/^\s+([0-9a-f]+):\t[0-9a-f ]+\t(\S+)/gm)]
      .map((m) => [parseInt(m[1], 16), m[2]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "s390x tramp: GNU objdump and Capstone agree on every instruction of every era and attach type",
  ignore: noCapstone,
  fn: async () => {
    for (const era of tramp.eras) {
      for (const attach of ["fentry", "fexit", "fmod_ret", "struct_ops"] as const) {
        for (const name of ["fentry_test11", "struct_arg_2", "int128_stack"]) {
          const p = P[name];
          const d = distill(p, tramp.distillEra(era));
          if (!d.ok) throw new Error(d.reason);
          const env = attach === "struct_ops" ? { ...ENV, funcAddr: null } : ENV;
          const t = tramp.build(
            { proto: p, model: d.model, attach, ipArg: attach !== "struct_ops" },
            env,
            era,
          );
          if (!t.ok) throw new Error(t.reason);
          const cs = disassemble("s390x", t.code, 0n);
          const gnu = await objdump(t.code);
          assertEquals(
            gnu.map(([o]) => o),
            cs.map((i) => Number(i.address)),
            `${era} ${attach} ${name}`,
          );
          ok(
            !gnu.some(([, m]) => m.startsWith(".long") || m === "(bad)"),
            `${era} ${attach} ${name}`,
          );
        }
      }
    }
  },
});

Deno.test("s390x tramp: patch site is brasl %r0,tramp (6 bytes); range checked", () => {
  assertEquals([...tramp.patchSite(0x101000n, 0x102000n)], [0xc0, 0x05, 0, 0, 0x08, 0x00]);
  assertEquals([...tramp.patchSite(0x102000n, 0x101000n)], [0xc0, 0x05, 0xff, 0xff, 0xf8, 0x00]);
  assertEquals(tramp.patchableEntry, { nops: 3, bytes: 6 });
  throws(() => tramp.patchSite(0x101000n, 0x102001n), /not an even address/);
  throws(() => tramp.patchSite(0n, 1n << 33n), /±4 GiB/);
});
