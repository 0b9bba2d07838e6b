import assert from "node:assert/strict";
import { selftestPrototypes } from "../../corpus/selftests.ts";
import { unicornUnavailable } from "../unicorn.ts";
import { toolUnavailable } from "../oracle/tools.ts";
import { emulateMany, emulateOne, harnessFor, loadTrampArch, shapeKey } from "./emulate.ts";
import { type ToyBugs, toyX86 } from "./testing/toy_x86.ts";
import type { Verdict } from "./verdict.ts";
import { capstoneUnavailable, disassemble } from "../capstone.ts";

const noEmu = unicornUnavailable() ?? (await toolUnavailable("gcc")) ??
  (await toolUnavailable("ld.lld"));
const protos = noEmu ? [] : await selftestPrototypes();
const byName = (n: string) => {
  const p = protos.find((q) => q.name === n);
  if (!p) throw new Error(`no selftest prototype ${n}`);
  return p;
};
const fails = (v: Verdict) =>
  v.mismatches.filter((m) => m.severity === "fail").map((m) =>
    `${m.rule}: ${m.expected} | ${m.observed}`
  );

Deno.test({
  name: "toy x86 trampoline: register-only selftest prototypes pass fentry and fexit",
  ignore: !!noEmu,
  fn: async () => {
    const names = [
      "bpf_fentry_test1",
      "bpf_fentry_test6",
      "bpf_testmod_test_struct_arg_1",
      "bpf_testmod_test_struct_arg_4",
      "bpf_testmod_test_union_arg_2",
    ];
    for (const attach of ["fentry", "fexit"] as const) {
      const vs = await emulateMany({
        arch: "x86_64",
        era: "toy",
        attach,
        protos: names.map(byName),
        tramp: toyX86(),
        ipArg: true,
      });
      for (const v of vs) assert.equal(v.status, "pass", `${attach} ${v.proto}: ${fails(v)}`);
      // narrow register args: the toy copies whole registers; poison shows as info
      const info = vs.flatMap((v) => v.mismatches).filter((m) => m.rule === "upper-bits");
      assert.ok(info.length > 0 && info.every((m) => m.severity === "info"));
    }
  },
});

Deno.test({
  name: "toy x86 trampoline: each injected bug trips its rule",
  ignore: !!noEmu,
  fn: async () => {
    const proto = byName("bpf_testmod_test_struct_arg_1");
    const cases = [
      [{ count: true }, "ctx-count"],
      [{ narrowStores: true }, "ctx-slot"],
      [{ clobberRbx: true }, "callee-saved"],
      [{ misalign: true }, "sp-align"],
      [{ strayWrite: true }, "stray-write"],
    ] as const;
    for (const [bugs, rule] of cases) {
      const v = await emulateOne({
        arch: "x86_64",
        era: "toy",
        attach: "fexit",
        proto,
        tramp: toyX86(bugs),
      });
      assert.equal(v.status, "fail", JSON.stringify(bugs));
      assert.ok(
        v.mismatches.some((m) => m.rule === rule && m.severity === "fail"),
        `${JSON.stringify(bugs)} → ${rule}: ${fails(v)}`,
      );
    }
    // narrowStores also reaches the original function (RESTORE from the ctx)
    const v = await emulateOne({
      arch: "x86_64",
      era: "toy",
      attach: "fexit",
      proto,
      tramp: toyX86({ narrowStores: true }),
    });
    const m = v.mismatches.find((m) => m.rule === "orig-arg")!;
    assert.equal(m.arg, 0);
    assert.equal(m.type?.size, 16);
    assert.match(m.observed, /a5a5a5a5/); // stale poisoned stack
  },
});

Deno.test({
  name: "toy x86 trampoline: stray writes past the caller window and into the image (write hooks)",
  ignore: !!noEmu,
  fn: async () => {
    const proto = byName("bpf_testmod_test_struct_arg_1");
    const run = (bugs: ToyBugs) =>
      emulateOne({ arch: "x86_64", era: "toy", attach: "fexit", proto, tramp: toyX86(bugs) });
    const clean = await run({});
    assert.equal(clean.status, "pass", fails(clean).join("\n"));
    const h = harnessFor("x86_64");
    const progRet = h.image!.syms.progRet;
    const memo = h.memo;
    h.memo = false;
    try {
      // twice: the second run executes cached translated blocks, hooks still fire
      for (let i = 0; i < 2; i++) {
        // 8 bytes at entry SP + 0x400: outside the 256-byte window, only the hook sees it
        const far = await run({ farStackWrite: 0x400 });
        assert.equal(far.status, "fail");
        const sw = far.mismatches.filter((m) => m.rule === "stray-write");
        assert.equal(sw.length, 1, fails(far).join("\n"));
        assert.match(
          sw[0].observed,
          /^8-byte write of 0x[0-9a-f]+ at 0x7[0-9a-f]+: caller stack \(entry SP \+ 1024\)$/,
        );
        const img = await run({ absWrite: progRet + 8n });
        const si = img.mismatches.filter((m) => m.rule === "stray-write");
        assert.equal(si.length, 1, fails(img).join("\n"));
        assert.equal(si[0].severity, "fail");
        assert.match(si[0].observed, /^8-byte write of 0x[0-9a-f]+ at 0x[0-9a-f]+: image/);
        const code = await run({ absWrite: progRet });
        assert.ok(
          code.mismatches.some((m) =>
            m.rule === "stray-write" && m.observed.endsWith(": image: tramp_prog_ret + 0")
          ),
          fails(code).join("\n"),
        );
      }
    } finally {
      h.memo = memo;
    }
  },
});

Deno.test({
  name: "refusals are rejected verdicts with the errno",
  ignore: !!noEmu,
  fn: async () => {
    const v = await emulateOne({
      arch: "x86_64",
      era: "toy",
      attach: "fentry",
      proto: byName("bpf_fentry_test7"),
      tramp: toyX86(),
    });
    assert.equal(v.status, "rejected");
    assert.equal(v.errno, "ENOTSUPP");
    const e = await emulateOne({
      arch: "x86_64",
      era: "toy",
      attach: "fentry",
      proto: byName("bpf_testmod_test_struct_empty"),
      tramp: toyX86(),
    });
    assert.equal(e.status, "rejected");
    assert.equal(e.errno, "EINVAL");
  },
});

Deno.test({
  name: "shape dedupe maps one verdict back to every prototype of the shape",
  ignore: !!noEmu,
  fn: async () => {
    const p = byName("bpf_fentry_test2");
    const q = { ...p, name: "same_shape_other_name" };
    assert.equal(shapeKey(p), shapeKey(q));
    const vs = await emulateMany({
      arch: "x86_64",
      era: "toy",
      attach: "fentry",
      protos: [p, q],
      tramp: toyX86(),
      dedupe: true,
    });
    assert.deepEqual(vs.map((v) => [v.proto, v.status]), [
      ["bpf_fentry_test2", "pass"],
      ["same_shape_other_name", "pass"],
    ]);
  },
});

Deno.test({
  name: "capstone disassembles the toy trampoline",
  ignore: !!noEmu || !!capstoneUnavailable(),
  fn: async () => {
    const v = await emulateOne({
      arch: "x86_64",
      era: "toy",
      attach: "fexit",
      proto: byName("bpf_fentry_test1"),
      tramp: toyX86(),
    });
    const insns = disassemble("x86_64", v.code!, 0xf01000n);
    assert.equal(insns[0].mnemonic, "push");
    assert.equal(insns[insns.length - 1].mnemonic, "ret");
  },
});

// The real models (jit/arch/<arch>/tramp.ts), on the selftest prototypes, at a fixed era.
const REAL = [
  "bpf_testmod_test_struct_arg_1",
  "bpf_testmod_test_struct_arg_2",
  "bpf_testmod_test_struct_arg_3",
  "bpf_testmod_test_struct_arg_4",
  "bpf_testmod_test_struct_arg_5",
  "bpf_testmod_test_struct_arg_6",
  "bpf_testmod_test_struct_arg_7",
  "bpf_testmod_test_struct_arg_8",
  "bpf_testmod_test_struct_arg_9",
  "bpf_fentry_test7",
  "bpf_fentry_test11",
];
for (const [arch, era] of [["x86_64", "v6.6"], ["arm64", "v6.17"]] as const) {
  const model = noEmu ? null : await loadTrampArch(arch).catch(() => null);
  for (const attach of ["fentry", "fexit"] as const) {
    Deno.test({
      name: `${arch} ${era} ${attach}: selftest prototypes pass in emulation`,
      ignore: !model || !model.eras.includes(era),
      fn: async () => {
        const vs = await emulateMany({ arch, era, attach, protos: REAL.map(byName) });
        for (const v of vs) {
          assert.notEqual(v.status, "fail", `${v.proto}: ${fails(v).join("\n")}`);
        }
        assert.ok(vs.filter((v) => v.status === "pass").length >= 8);
      },
    });
  }
}
