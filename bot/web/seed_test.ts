/**
 * Seeding: the fixture threads through the real ingest and series stages,
 * once only, and with the review pipeline when asked.
 */

import assert from "node:assert/strict";
import { openKvStore } from "../store/kv.ts";
import { reviewSeeder, seedIfEmpty } from "./seed.ts";
import { FIXTURE_SERIES } from "./seed_reports.ts";

const RELAX = "20250709-arm64_relax_jit_comp-v1-0-2f8c6d1e7b35@bootlin.com";

Deno.test("seeds an empty store once, with metadata from the threads", async () => {
  const store = await openKvStore(":memory:");
  try {
    assert.equal(await seedIfEmpty(store), FIXTURE_SERIES.length);
    assert.equal(await seedIfEmpty(store), 0, "a non-empty store is left alone");
    const s = (await store.getSeries("20220518131638.3401509-1-xukuohai@huawei.com"))!;
    assert.equal(s.subject, "[PATCH bpf-next v5 0/6] bpf trampoline for arm64");
    assert.equal(s.version, 5);
    assert.equal(s.patches.length, 6);
    assert.equal(s.patches[0], "20220518131638.3401509-2-xukuohai@huawei.com");
    // "Wed, 18 May 2022 09:16:32 -0400" in UTC
    assert.equal(s.date, "2022-05-18T13:16:32.000Z");
    const r = (await store.getReview(RELAX))!;
    assert.match(r.report.reply!.body, /Details: http:\/\/127\.0\.0\.1:8080\/series\//);
    assert.equal(r.status, 0);
  } finally {
    store.close();
  }
});

Deno.test("the review seeder runs the review pipeline on a fixture thread", async () => {
  const store = await openKvStore(":memory:");
  const logs: string[] = [];
  try {
    const only = (id: string) => id === RELAX;
    const seeder = reviewSeeder(null, (l) => logs.push(l));
    const n = await seedIfEmpty(
      store,
      () => {},
      (meta) => only(meta.messageId) ? seeder(meta) : Promise.resolve(null),
    );
    assert.equal(n, FIXTURE_SERIES.length);
    const r = (await store.getReview(RELAX))!;
    assert.equal(r.report.messageId, RELAX);
    assert.ok(r.report.arches.arm64, JSON.stringify(r.report.arches));
    assert.equal(r.report.corpus.stress, 1840);
    assert.ok(logs.some((l) => l.startsWith(`seed: reviewed ${RELAX} in `)));
    // Series the seeder returned no report for have none.
    assert.equal(await store.getReview(FIXTURE_SERIES.find((id) => !only(id))!), null);
  } finally {
    store.close();
  }
});
