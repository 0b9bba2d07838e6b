/**
 * The ppc64 entries of KERNEL_SPEC.md §5, each on the smallest prototype that
 * shows it, found by running the generated trampoline between GCC-built
 * callers and callees under qemu-ppc64le-static (emulate.ts → qemu/):
 *
 * - B21 series (Hari Bathini, Feb 2026, Fixes d243b62b7bd3 / 2ed2d8f6fb38):
 *   157820264ac3 ctx[-2] (bpf_get_func_ip) was 4 bytes past the function —
 *   failing in v6.13, fixed in 2026; 2d347d10f8e2 removed the dummy frame, so
 *   the parameter save area moved relative to r1 — both frames read it right.
 * - B24 (generic, 2026): fexit on a 16-byte return saw/returned only r3 —
 *   failing in v6.13, refused in 2026.
 * - B26 (restriction): more than 12 doublewords → -EOPNOTSUPP in both eras.
 * - A documented limitation (§2.6 "not modelled", no fix in any era): ELFv2
 *   starts quadword-aligned aggregates at an even doubleword; the kernel's
 *   flat model does not, so ctx and CALL_ORIG are off by one doubleword.
 *
 * B12 (riscv64) and B13 (s390x) are kfunc call-marshalling bugs of other
 * JITs; ppc64's own kfunc extension (`prepare_for_kfunc_call`) is not
 * trampoline code, so there is nothing of them to reproduce here.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { tramp as ppc64Tramp } from "../../arch/ppc64/tramp.ts";
import { emulateQemu } from "./qemu/emulate.ts";
import type { AttachType } from "../../arch/tramp_types.ts";
import type { Prototype } from "../../corpus/types.ts";
import { intType, recordType } from "../../corpus/ctypes.ts";
import { selftestPrototypes } from "../../corpus/selftests.ts";
import { explain, failures, proto } from "./testing/verdicts.ts";

const u64 = intType(64, false), s32 = intType(32, true), i128 = intType(128, true);
const s16 = recordType("struct", "ppcbug_s16", [["a", u64], ["b", u64]]);
const q16 = recordType("struct", "ppcbug_int128", [["a", i128]]);

const selftests = await selftestPrototypes("lp64");
const selftest = (name: string) => {
  const p = selftests.find((x) => x.name === name);
  if (!p) throw new Error(`${name} missing from fixtures/prototypes/selftests.c`);
  return p;
};

async function verdict(era: string, attach: AttachType, p: Prototype, ipArg = false) {
  const [v] = await emulateQemu({ arch: "ppc64", era, attach, protos: [p], ipArg });
  return v;
}

Deno.test("B21 series 157820264ac3: v6.13 stores ctx[-2] = function + 4; 2026 the function", async () => {
  const p = selftest("bpf_fentry_test1");
  const old = await verdict("v6.13", "fentry", p, true);
  equal(old.status, "fail", explain(old));
  const ip = failures(old, "ctx-ip");
  equal(ip.length, 1, explain(old));
  const want = BigInt(ip[0].expected.match(/0x[0-9a-f]+/)![0]);
  const got = BigInt(ip[0].observed.match(/0x[0-9a-f]+/)![0]);
  equal(got - want, 4n, explain(old));
  equal(failures(old).length, 1, `only ctx[-2] is wrong\n${explain(old)}`);
  const now = await verdict("2026", "fentry", p, true);
  equal(now.status, "pass", explain(now));
});

Deno.test("B21 2d347d10f8e2: without the dummy frame the PSA is 96 bytes nearer; both eras read stack args right", async () => {
  // fentry_test11: doublewords 8..10 (i, j, k) come from the caller's parameter save area;
  // struct_arg_9: h straddles r10 and PSA doubleword 8
  for (const name of ["bpf_fentry_test11", "bpf_testmod_test_struct_arg_9"]) {
    const p = selftest(name);
    for (const era of ["v6.13", "2026"]) {
      for (const attach of ["fentry", "fexit"] as AttachType[]) {
        const v = await verdict(era, attach, p);
        equal(v.status, "pass", explain(v));
        // the caller's PSA is right above the whole frame (dummy frame included in v6.13)
        equal(v.frame!.stackArgBase, v.frame!.frameSize + 32, `${name} ${era}`);
        equal(
          v.notes!.some((n) => /96-byte dummy frame/.test(n)),
          era === "v6.13",
          `${name} ${era}`,
        );
      }
    }
  }
});

Deno.test("B24: fexit on an __int128 return loses r4 in v6.13 (caller gets garbage); 2026 refuses it", async () => {
  const p = proto("ppcbug_int128_ret", [s32], i128);
  const old = await verdict("v6.13", "fexit", p);
  equal(old.status, "fail", explain(old));
  ok(failures(old, "retval").some((m) => /caller got/.test(m.observed)), explain(old));
  const now = await verdict("2026", "fexit", p);
  equal(now.status, "rejected", explain(now));
  equal(now.errno, "EINVAL");
  // fentry does not read the return value: fine in both eras
  equal((await verdict("v6.13", "fentry", p)).status, "pass");
});

Deno.test("B26: more than 12 doublewords is -EOPNOTSUPP in both eras; 12 run and pass", async () => {
  const twelve = proto("ppcbug_12", [s16, ...Array(10).fill(u64)], u64);
  const thirteen = proto("ppcbug_13", [s16, ...Array(11).fill(u64)], u64);
  for (const era of ["v6.13", "2026"]) {
    const r = await verdict(era, "fexit", thirteen);
    equal(r.status, "rejected", explain(r));
    equal(r.errno, "EOPNOTSUPP");
    const v = await verdict(era, "fexit", twelve);
    equal(v.status, "pass", explain(v));
  }
});

Deno.test("limitation (§2.6, no era fixes it): quadword-aligned aggregates start at an even doubleword", async () => {
  // f(u64 a, struct { __int128 v; } b, u64 c): GCC passes b in r5:r6 (r4 skipped), c in r7;
  // the kernel's flat model reads b from r4:r5 and c from r6
  const p = proto("ppcbug_odd", [u64, q16, u64], u64);
  for (const era of ["v6.13", "2026"]) {
    const v = await verdict(era, "fexit", p);
    equal(v.status, "fail", explain(v));
    ok(failures(v, "ctx-slot").some((m) => m.arg === 1), explain(v));
    ok(failures(v, "ctx-slot").some((m) => m.arg === 2), explain(v));
    // CALL_ORIG reloads only r3..r6 (nr_regs = 4): c in r7 survives only while nothing runs
    // in between; with an fmod_ret program before the call it is lost
    const m = await verdict(era, "fmod_ret", p);
    ok(failures(m, "orig-arg").some((x) => x.arg === 2), explain(m));
  }
  // the 2026 branch's int128_stack selftest shape shows it with stack arguments too
  const st = await verdict("2026", "fentry", selftest("bpf_testmod_test_int128_stack"));
  ok(failures(st, "ctx-slot").some((m) => m.arg === 7), explain(st));
  // a scalar __int128 is not quadword aligned by GCC or clang (abi.ts): it passes
  const scalar = proto("ppcbug_scalar", [u64, i128, u64], u64);
  equal((await verdict("2026", "fexit", scalar)).status, "pass");
});

Deno.test("a derived era with quadword alignment (what a fix would change) makes the limitation pass", async () => {
  const { ignored } = ppc64Tramp.deriveEra!("ppc64-quad-fix", "2026", {
    quadAlign: true,
    noSuchKnob: 1,
  }, "test: even doubleword for 16-aligned aggregates");
  deepStrictEqual(ignored, ["noSuchKnob"]);
  const p = proto("ppcbug_odd", [u64, q16, u64], u64);
  for (const attach of ["fentry", "fexit", "fmod_ret"] as AttachType[]) {
    const v = await verdict("ppc64-quad-fix", attach, p);
    equal(v.status, "pass", explain(v));
  }
  // and with stack arguments (the hole is in the PSA, mirrored for the original)
  const st = selftest("bpf_testmod_test_int128_stack");
  equal((await verdict("ppc64-quad-fix", "fexit", st)).status, "pass");
  equal(
    (await verdict("ppc64-quad-fix", "fexit", selftest("bpf_testmod_test_int128_backfill"))).status,
    "pass",
  );
});
