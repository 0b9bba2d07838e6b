import assert from "node:assert/strict";
import { unicornUnavailable } from "../../jit/emu/unicorn.ts";

const skip = unicornUnavailable();

async function cli(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./main.ts", import.meta.url).pathname, "emulate", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("emulate: unknown arch/era/attach/proto exit 2 with a clear message", async () => {
  let r = await cli(["--arch", "vax", "--era", "v6.6"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown arch 'vax'/);
  r = await cli(["--arch", "x86_64", "--era", "v9.9"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown era 'v9.9'.*known: /);
  r = await cli(["--arch", "x86_64", "--era", "v6.6", "--attach", "kprobe"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown attach type 'kprobe'/);
  r = await cli(["--arch", "x86_64", "--era", "v6.6", "--proto", "no_such_fn"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown prototype 'no_such_fn'/);
});

Deno.test({
  name: "emulate --json on one selftest prototype (x86_64 v6.6: B4 shows)",
  ignore: !!skip,
  fn: async () => {
    const r = await cli([
      "--arch",
      "x86_64",
      "--era",
      "v6.6",
      "--attach",
      "fexit",
      "--proto",
      "bpf_testmod_test_int128_arg",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.total, 1);
    assert.equal(j.fail, 1);
    assert.ok(j.failures.some((f: { rule: string }) => f.rule === "ctx-count"));
    assert.match(j.failures[0].proto, /bpf_testmod_test_int128_arg\(__int128/);
  },
});
