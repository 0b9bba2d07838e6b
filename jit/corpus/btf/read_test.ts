import assert from "node:assert/strict";
import { readBtfFile } from "./read.ts";

Deno.test("readBtfFile: reads a file, and names a missing one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/b`, new Uint8Array([0x9f, 0xeb, 1, 0]));
    assert.deepEqual([...await readBtfFile(`${dir}/b`)], [0x9f, 0xeb, 1, 0]);
    await assert.rejects(() => readBtfFile(`${dir}/missing`), /missing/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readBtfFile: /sys/kernel/btf/vmlinux under the review task's scoped permissions", async () => {
  try {
    await Deno.stat("/sys/kernel/btf/vmlinux");
  } catch {
    return; // no kernel BTF on this machine
  }
  const src = `import { readBtfFile } from ${
    JSON.stringify(new URL("./read.ts", import.meta.url).href)
  };
const b = await readBtfFile("/sys/kernel/btf/vmlinux");
console.log(b.length, b[0], b[1]);`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--allow-read", "--allow-run", src],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const [len, m0, m1] = text.split(" ").map(Number);
  assert.ok(len > 1_000_000);
  // BTF magic 0xeB9F, little-endian on this host
  assert.deepEqual([m0, m1], [0x9f, 0xeb]);
});
