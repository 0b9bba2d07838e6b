import assert from "node:assert/strict";
import { openKvStore } from "../store/kv.ts";
import { seedFromSeries, SERIES_DIR } from "./seed_series.ts";
import { createApp } from "./app.tsx";
import { fullReviewUnavailable } from "../review/testing.ts";

const skip = await fullReviewUnavailable();

Deno.test({
  name: "seed (default): real reviews of fixtures/series land in the store and on the pages",
  ignore: !!skip,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "trampolint-seed-series-" });
    await Deno.copyFile(`${SERIES_DIR}x86-12-args.mbox`, `${dir}/x86-12-args.mbox`);
    const store = await openKvStore(":memory:");
    try {
      const logs: string[] = [];
      assert.equal(await seedFromSeries(store, (l) => logs.push(l), `${dir}/`), 1);
      assert.match(logs[0], /seed: 1\/1 x86-12-args\.mbox reviewed in \d+ ms/);
      const [s] = await store.listSeries();
      assert.match(s.subject, /x86/);
      const r = await store.getReview(s.messageId);
      assert.ok(r);
      // a real review: pre-images from linux-source-6.1, the x86 knobs read, emulated both ways
      assert.equal(r.report.analysis.mode, "tree");
      assert.ok(r.report.analysis.arches.x86_64?.knobs.some((k) => k.name === "maxSlots"));
      assert.equal(r.report.arches.x86_64?.after, `${r.report.arches.x86_64?.before}+v1`);
      assert.ok(r.report.layoutChanges.some((g) => g.arch === "x86_64"));
      assert.ok(r.report.reply, "the reply it would send is kept");
      // an existing store is not seeded again
      assert.equal(await seedFromSeries(store, () => {}, `${dir}/`), 0);
      const { app } = createApp({ store, btfPath: null });
      const page = await (await app.request(`/series/${encodeURIComponent(s.messageId)}`)).text();
      assert.match(page, /maxSlots/);
    } finally {
      store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
