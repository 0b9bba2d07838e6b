/**
 * Server render time of a series page with 1,000 layout changes and 100
 * failures (issue 7 target: ≤ 50 ms): the whole request through the app over
 * a real Deno KV store, and the JSX render alone.
 */

import { openKvStore } from "../store/kv.ts";
import { seedIfEmpty } from "./seed.ts";
import { bigReport } from "./testing/stores.ts";
import { createApp } from "./app.tsx";
import { layoutSortOf, seriesPath } from "./model.ts";
import { seriesView } from "./load.ts";
import { SeriesPage } from "./pages/series.tsx";

const ID = "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com";
const store = await openKvStore(":memory:");
await seedIfEmpty(store);
const review = (await store.getReview(ID))!;
await store.putReview({ ...review, report: bigReport(review.report, 1000, 100) });
const { app } = createApp({ store, btfPath: null });
const path = `${seriesPath(ID)}?sort=real&dir=desc`;
const first = await (await app.request(path)).text();
if ((first.match(/class="layout-row"/g) ?? []).length !== 1000) throw new Error("not 1000 rows");
if ((first.match(/class="finding"/g) ?? []).length !== 100) throw new Error("not 100 findings");
const view = (await seriesView(store, ID, layoutSortOf("real", "desc")))!;

Deno.bench("series page request: 1,000 layout changes + 100 failures (KV store + render)", {
  group: "series-page",
  baseline: true,
}, async () => {
  const r = await app.request(path);
  await r.text();
});

Deno.bench("series page JSX render only (same page)", { group: "series-page" }, async () => {
  await String(SeriesPage({ view }));
});
