/** `deno task corpus` as a user runs it. */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

async function corpus(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "corpus", "-q", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

const hasVmlinux = (() => {
  try {
    return Deno.statSync("/sys/kernel/btf/vmlinux").isFile;
  } catch {
    return false;
  }
})();

Deno.test("stress + selftest corpus: JSON fields, rejections by kernel reason, per-arch shapes", async () => {
  const r = await corpus(["--no-real", "--json"]);
  equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  equal(j.era, "v6.18");
  equal(j.btf, null);
  equal(j.sources.stress, 1840);
  ok(j.sources.selftest >= 30);
  ok(j.rejected["float arg"] > 0, "FP stress classes are rejected as FLOAT args");
  equal(j.rejected["size 0 (empty struct)"], 1);
  for (const arch of ["x86_64", "arm64", "riscv64", "s390x", "ppc64", "arm32", "loongarch64"]) {
    ok(j.shapes[arch] > 100, `${arch} shapes`);
    ok(j.stackArgs[arch] > 0, `${arch} stack args`);
  }
  // s390x passes every non-1/2/4/8-byte aggregate by reference and has 5 arg registers: most stack use.
  ok(j.stackArgs.s390x > j.stackArgs.arm64);
  match(j.arches.loongarch64.oracle, /model only/);
});

Deno.test("era changes the verdicts: v6.1 rejects unions that v6.18 accepts", async () => {
  const a = JSON.parse((await corpus(["--no-real", "--json", "--era", "v6.1"])).stdout);
  const b = JSON.parse((await corpus(["--no-real", "--json", "--era", "v6.18"])).stdout);
  ok(a.rejected["union arg (> 16 bytes, or before v6.18)"] > 0);
  equal(b.rejected["union arg (> 16 bytes, or before v6.18)"] ?? 0, 0);
  ok(b.accepted > a.accepted);
});

Deno.test({
  name: "the real vmlinux BTF: ~56k FUNCs, ~25k prototypes, ~2.6k distinct btf_func_models",
  ignore: !hasVmlinux,
  fn: async () => {
    const r = await corpus(["--json", "--arch", "x86_64,arm64"]);
    equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    ok(j.funcs > 40_000, `${j.funcs} FUNCs`);
    ok(j.protos > 10_000, `${j.protos} prototypes`);
    ok(j.models > 2_000 && j.models < 5_000, `${j.models} models`);
    ok(j.rejected["varargs"] > 0 && j.rejected["too many args (> 12)"] > 0);
  },
});

Deno.test("--check on x86_64 and arm32: placeArgs agrees with GCC in the emulator", async () => {
  const r = await corpus([
    "--no-real",
    "--json",
    "--check",
    "--arch",
    "x86_64,arm32,loongarch64",
    "--limit",
    "120",
  ]);
  equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const arch of ["x86_64", "arm32"]) {
    const c = j.check[arch];
    equal(c.checked + c.skipped, 120, arch);
    ok(c.checked > 100, `${arch} checked ${c.checked}`);
    equal(c.mismatch, 0, `${arch}: ${c.examples.join("; ")}`);
    equal(c.agree, c.checked);
  }
  match(j.check.loongarch64.modelOnly, /no LoongArch compiler/);
});

Deno.test("bad options: unknown arch, unknown era, unreadable BTF, bad limit → exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--arch", "vax"], /unknown architecture 'vax'/],
    [["--era", "v4.0"], /unknown era 'v4.0'/],
    [["--btf", "/nonexistent/vmlinux"], /cannot read BTF \/nonexistent\/vmlinux/],
    [["--no-real", "--limit=0"], /--limit wants a positive number/],
    [["--no-real", "--limit=many"], /--limit wants a positive number/],
  ];
  for (const [args, re] of cases) {
    const r = await corpus(args);
    equal(r.code, 2, args.join(" "));
    match(r.stderr, re);
  }
  const garbage = await Deno.makeTempFile();
  await Deno.writeFile(garbage, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  const r = await corpus(["--btf", garbage]);
  equal(r.code, 2);
  match(r.stderr, /BTF/);
  deepStrictEqual(r.stdout, "");
});
