import assert from "node:assert/strict";

async function cli(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./main.ts", import.meta.url).pathname, "emulate", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("emulate --arch loongarch64: model-only verdicts in the common JSON shape, B10 shows", async () => {
  const r = await cli([
    "--arch",
    "loongarch64",
    "--era",
    "v6.17",
    "--attach",
    "fexit",
    "--proto",
    "bpf_testmod_test_struct_arg_1",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(
    Object.keys(j).sort(),
    ["arch", "attach", "era", "fail", "failures", "modelOnly", "pass", "rejected", "total"],
  );
  assert.equal(j.modelOnly, true);
  assert.equal(j.fail, 1);
  assert.ok(j.failures.some((f: { rule: string }) => f.rule === "ctx-count"));
  const text = await cli([
    "--arch",
    "loongarch64",
    "--era",
    "2026",
    "--proto",
    "bpf_testmod_test_struct_arg_1",
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /MODEL ONLY/);
  assert.match(text.stdout, /FrameLayout:/);
  assert.match(text.stdout, /no LoongArch disassembler here/);
});

Deno.test("emulate --arch arm32: kfunc marshalling in Unicorn, JSON shape, bad options", async () => {
  const r = await cli([
    "--arch",
    "arm32",
    "--era",
    "v6.2-resend",
    "--source",
    "selftest",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.arch, "arm32");
  assert.equal(j.attach, "kfunc");
  assert.equal(j.total, j.pass + j.fail + j.rejected);
  assert.ok(j.total > 0);
  let bad = await cli(["--arch", "arm32", "--era", "v6.6"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown era 'v6.6' for arm32 \(known: v6.1, v6.2-resend, v6.2\)/);
  bad = await cli(["--arch", "arm32", "--era", "v6.2", "--attach", "fexit"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--attach for arm32: kfunc \| helper/);
  bad = await cli(["--arch", "loongarch64"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--era is required \(known: v6.17, v6.18, 2026\)/);
});
