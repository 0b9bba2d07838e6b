/**
 * `deno task emulate --arch ppc64` end to end (a real `deno run` of the CLI):
 * the same JSON shape as the Unicorn arches, the B21-series ctx[-2] failure in
 * v6.13 and its fix in 2026, and a clear error for an era ppc64 does not have.
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";

async function cli(args: string[]) {
  const main = new URL("../../../../bot/cli/main.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "emulate", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("emulate --arch ppc64 --json: same fields; v6.13 ctx[-2] off by 4, 2026 passes", async () => {
  const args = (era: string) => [
    "--arch",
    "ppc64",
    "--era",
    era,
    "--source",
    "selftest",
    "--ip-arg",
    "--workers",
    "0",
    "--json",
    "--failures",
    "100",
  ];
  const old = await cli(args("v6.13"));
  equal(old.code, 0, old.stderr);
  const j = JSON.parse(old.stdout);
  deepStrictEqual(Object.keys(j).sort(), [
    "arch",
    "attach",
    "era",
    "fail",
    "failures",
    "pass",
    "rejected",
    "total",
  ]);
  equal(j.arch, "ppc64");
  equal(j.total, j.pass + j.fail + j.rejected);
  ok(j.failures.some((f: { rule: string }) => f.rule === "ctx-ip"), old.stdout);
  const now = JSON.parse((await cli(args("2026"))).stdout);
  equal(now.failures.filter((f: { rule: string }) => f.rule === "ctx-ip").length, 0);
  ok(now.fail < j.fail, `2026 ${now.fail} failing vs v6.13 ${j.fail}`);
});

Deno.test("emulate --arch ppc64 with an unknown era exits 2 naming the known ones", async () => {
  const r = await cli(["--arch", "ppc64", "--era", "v6.6"]);
  equal(r.code, 2);
  match(r.stderr, /unknown era 'v6\.6' for ppc64 \(known: v6\.13, 2026\)/);
});
