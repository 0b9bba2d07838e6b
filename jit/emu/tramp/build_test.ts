import assert from "node:assert/strict";
import { stressPrototypes } from "../../corpus/stress.ts";
import { toolUnavailable } from "../oracle/tools.ts";
import { buildHarness } from "./build.ts";

const skip = (await toolUnavailable("x86_64-linux-gnu-gcc")) ?? (await toolUnavailable("ld.lld"));

Deno.test({
  name: "harness images: a quick index finds a cached image; other inputs miss it",
  ignore: !!skip,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "trampolint-build-test-" });
    try {
      const protos = stressPrototypes().slice(0, 3).map((p, i): [number, typeof p] => [i, p]);
      const a = await buildHarness("x86_64", protos, 5, { cacheDir: dir });
      assert.equal(a.cached, false);
      const index = [...Deno.readDirSync(`${dir}/index`)].map((e) => e.name);
      assert.equal(index.length, 1);
      assert.equal(Deno.readTextFileSync(`${dir}/index/${index[0]}`).trim(), a.key);
      const b = await buildHarness("x86_64", protos, 5, { cacheDir: dir });
      assert.equal(b.cached, true);
      assert.equal(b.key, a.key);
      assert.deepEqual(b.bin, a.bin);
      // another patchable-entry size is another image
      const c = await buildHarness("x86_64", protos, 2, { cacheDir: dir });
      assert.equal(c.cached, false);
      assert.notEqual(c.key, a.key);
      // a stale index entry (pointing at a removed image) falls back to a build
      await Deno.remove(`${dir}/${a.key}`, { recursive: true });
      const d = await buildHarness("x86_64", protos, 5, { cacheDir: dir });
      assert.equal(d.cached, false);
      assert.equal(d.key, a.key);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
