/**
 * scripts/setup.sh, the install step of the README's commands: it checks
 * before installing, and a non-root user gets the exact command to run.
 */
import { equal, match } from "node:assert/strict";

const SETUP = new URL("./setup.sh", import.meta.url).pathname;

async function run(cmd: string[], env: Record<string, string>) {
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return { code: out.code, err: new TextDecoder().decode(out.stderr) };
}

async function packageList(lines: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "trampolint-setup-" });
  await Deno.chmod(dir, 0o755);
  const path = `${dir}/packages.txt`;
  await Deno.writeTextFile(path, lines);
  await Deno.chmod(path, 0o644);
  return path;
}

Deno.test("installed packages are left alone; nothing is printed", async () => {
  const list = await packageList("# comment\ncoreutils   test\nnot-for-this-purpose-pkg  review\n");
  const r = await run(["bash", SETUP, "test"], { TRAMPOLINT_PACKAGES: list });
  equal(r.code, 0, r.err);
  equal(r.err, "");
});

Deno.test({
  name: "a non-root user is told the exact apt-get command",
  ignore: Deno.uid() !== 0 || !hasRunuser(),
  fn: async () => {
    const list = await packageList("coreutils test\ntrampolint-no-such-package test\n");
    const r = await run(
      ["runuser", "-u", "nobody", "--", "bash", SETUP, "test"],
      { TRAMPOLINT_PACKAGES: list, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: "/tmp" },
    );
    equal(r.code, 1);
    match(r.err, /missing Debian packages for 'test': trampolint-no-such-package/);
    match(
      r.err,
      /run as root: {2}apt-get update && apt-get install -y --no-install-recommends trampolint-no-such-package/,
    );
  },
});

function hasRunuser(): boolean {
  try {
    return Deno.statSync("/usr/sbin/runuser").isFile;
  } catch {
    return false;
  }
}
