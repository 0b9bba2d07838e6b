import assert from "node:assert/strict";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

async function run(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-kv", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("watch entry: help, bad config, missing reviewer are clear, exit 2", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--review-module PATH/);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.json`, '{"lists": {"bpf": {"reply_to": "all"}}}');
    const bad = await run(["--config", `${dir}/bad.json`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.json: lists\.bpf\.reply_to: must be "none", "author" or "list"/);
    const missing = await run(["--config", `${dir}/none.json`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /none\.json: \(file\): cannot read/);
    await Deno.writeTextFile(`${dir}/ok.json`, "{}");
    const noReviewer = await run([
      "--config",
      `${dir}/ok.json`,
      "--review-module",
      `${dir}/nope.ts`,
    ]);
    assert.equal(noReviewer.code, 2);
    assert.match(noReviewer.stderr, /cannot load the reviewer .*nope\.ts/);
    const lease = await run(["--config", `${dir}/ok.json`, "--lease-seconds", "0"]);
    assert.equal(lease.code, 2);
    assert.match(lease.stderr, /--lease-seconds must be a positive number/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
