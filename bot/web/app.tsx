/**
 * The dashboard (ARCHITECTURE.md: bot/web): a read-only Hono app rendering
 * the store with server-side JSX. Every page has a JSON twin under /api;
 * /healthz and /metrics (Prometheus text format) are for operators. Nothing
 * here writes the store or sends mail: any method but GET/HEAD gets 405.
 *
 * @module
 */

import { Hono } from "hono";
import type { Context } from "hono";
import type { SeriesQuery, Store } from "../store/types.ts";
import { checkQuery, listView, seriesView, type WebError } from "./load.ts";
import { layoutSortOf } from "./model.ts";
import { protoView } from "./proto.ts";
import { corpusView, DEFAULT_BTF } from "./corpus.ts";
import { ErrorPage } from "./pages/layout.tsx";
import { SeriesListPage } from "./pages/list.tsx";
import { SeriesPage } from "./pages/series.tsx";
import { ProtoPage } from "./pages/proto.tsx";
import { CorpusPage } from "./pages/corpus.tsx";

/** What the app needs. */
export interface AppDeps {
  store: Store;
  /** vmlinux BTF for real functions (null: stress and selftests only). */
  btfPath?: string | null;
}

/** Request counters and render time sums, per route pattern, for /metrics. */
export interface Metrics {
  requests: Map<string, number>;
  seconds: Map<string, { sum: number; count: number }>;
  started: number;
}

/**
 * No scripts at all: the pages need none, and a missed escape could not run
 * (defence in depth; escaping is JSX's and is tested on its own).
 */
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function isWebError(x: unknown): x is WebError {
  return typeof x === "object" && x !== null && "status" in x && "message" in x &&
    !("placement" in x);
}

function listQuery(c: Context): SeriesQuery {
  const q: SeriesQuery = {};
  const get = (k: string) => {
    const v = c.req.query(k);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  q.q = get("q");
  q.list = get("list");
  q.arch = get("arch");
  q.status = get("status");
  const limit = get("limit");
  if (limit !== undefined) q.limit = Number(limit);
  return q;
}

/** Prometheus text exposition of the metrics plus store gauges. */
export async function metricsText(m: Metrics, store: Store): Promise<string> {
  const lines: string[] = [];
  const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  lines.push("# HELP trampolint_web_requests_total HTTP requests by route and status.");
  lines.push("# TYPE trampolint_web_requests_total counter");
  for (const [k, n] of [...m.requests].sort()) {
    const [route, status] = k.split("\t");
    lines.push(`trampolint_web_requests_total{route="${esc(route)}",status="${status}"} ${n}`);
  }
  lines.push("# HELP trampolint_web_request_seconds Time spent answering requests, by route.");
  lines.push("# TYPE trampolint_web_request_seconds summary");
  for (const [route, s] of [...m.seconds].sort()) {
    lines.push(`trampolint_web_request_seconds_sum{route="${esc(route)}"} ${s.sum.toFixed(6)}`);
    lines.push(`trampolint_web_request_seconds_count{route="${esc(route)}"} ${s.count}`);
  }
  const series = await store.listSeries({});
  const reviewed = await Promise.all(series.map((s) => store.getReview(s.messageId)));
  const byStatus = new Map<string, number>();
  for (const r of reviewed) {
    for (const a of Object.values(r?.report.arches ?? {})) {
      if (a) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    }
  }
  lines.push("# HELP trampolint_series Series in the store.");
  lines.push("# TYPE trampolint_series gauge");
  lines.push(`trampolint_series ${series.length}`);
  lines.push("# HELP trampolint_reviews Series with a stored review.");
  lines.push("# TYPE trampolint_reviews gauge");
  lines.push(`trampolint_reviews ${reviewed.filter((r) => r).length}`);
  lines.push("# HELP trampolint_arch_status Per-arch statuses over all stored reviews.");
  lines.push("# TYPE trampolint_arch_status gauge");
  for (const [s, n] of [...byStatus].sort()) {
    lines.push(`trampolint_arch_status{status="${esc(s)}"} ${n}`);
  }
  lines.push("# HELP trampolint_web_uptime_seconds Seconds since the dashboard started.");
  lines.push("# TYPE trampolint_web_uptime_seconds gauge");
  lines.push(
    `trampolint_web_uptime_seconds ${((performance.now() - m.started) / 1000).toFixed(3)}`,
  );
  return lines.join("\n") + "\n";
}

/** Builds the dashboard app. */
export function createApp(deps: AppDeps): { app: Hono; metrics: Metrics } {
  const { store } = deps;
  const btf = deps.btfPath === undefined ? DEFAULT_BTF : deps.btfPath;
  const metrics: Metrics = { requests: new Map(), seconds: new Map(), started: performance.now() };
  const app = new Hono();

  app.use("*", async (c, next) => {
    const t0 = performance.now();
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      c.res = c.text("read-only dashboard: only GET and HEAD", 405, { Allow: "GET, HEAD" });
    } else await next();
    c.header("Content-Security-Policy", CSP);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    const r = c.req.routePath;
    const route = r && r !== "*" && r !== "/*" ? r : "other";
    const key = `${route}\t${c.res.status}`;
    metrics.requests.set(key, (metrics.requests.get(key) ?? 0) + 1);
    const s = metrics.seconds.get(route) ?? { sum: 0, count: 0 };
    s.sum += (performance.now() - t0) / 1000;
    s.count++;
    metrics.seconds.set(route, s);
  });

  const htmlError = (c: Context, e: WebError) =>
    c.html(<ErrorPage status={e.status} message={e.message} />, e.status);
  const jsonError = (c: Context, e: WebError) => c.json({ error: e.message }, e.status);
  const notFoundSeries = (id: string): WebError => ({
    status: 404,
    message: `no series with message-id <${id}> in the store`,
  });

  app.get("/", async (c) => {
    const q = listQuery(c);
    const bad = checkQuery(q);
    if (bad) return htmlError(c, bad);
    return c.html(<SeriesListPage view={await listView(store, q)} />);
  });
  app.get("/api/series", async (c) => {
    const q = listQuery(c);
    const bad = checkQuery(q);
    if (bad) return jsonError(c, bad);
    return c.json(await listView(store, q));
  });

  app.get("/series/:id", async (c) => {
    const id = c.req.param("id");
    const v = await seriesView(
      store,
      id,
      layoutSortOf(c.req.query("sort"), c.req.query("dir")),
    );
    return v ? c.html(<SeriesPage view={v} />) : htmlError(c, notFoundSeries(id));
  });
  app.get("/api/series/:id", async (c) => {
    const id = c.req.param("id");
    const v = await seriesView(
      store,
      id,
      layoutSortOf(c.req.query("sort"), c.req.query("dir")),
    );
    return v ? c.json(v) : jsonError(c, notFoundSeries(id));
  });

  const proto = async (c: Context) => {
    const id = c.req.param("id")!;
    const review = await store.getReview(id);
    if (!review) {
      return (await store.getSeries(id))
        ? { status: 404 as const, message: `series <${id}> has no review yet` }
        : notFoundSeries(id);
    }
    return await protoView(
      review.report,
      c.req.param("arch")!,
      c.req.param("name")!,
      c.req.query("attach"),
      btf,
    );
  };
  app.get("/series/:id/proto/:arch/:name", async (c) => {
    const v = await proto(c);
    return isWebError(v) ? htmlError(c, v) : c.html(<ProtoPage view={v} />);
  });
  app.get("/api/series/:id/proto/:arch/:name", async (c) => {
    const v = await proto(c);
    return isWebError(v) ? jsonError(c, v) : c.json(v);
  });

  app.get("/corpus", async (c) => c.html(<CorpusPage view={await corpusView(btf)} />));
  app.get("/api/corpus", async (c) => c.json(await corpusView(btf)));

  app.get("/healthz", async (c) => {
    try {
      const n = (await store.listSeries({ limit: 1 })).length;
      return c.json({ ok: true, store: "ok", hasSeries: n > 0 });
    } catch (e) {
      return c.json({ ok: false, store: (e as Error).message }, 503);
    }
  });
  app.get("/metrics", async (c) =>
    c.text(await metricsText(metrics, store), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    }));

  app.notFound((c) =>
    c.req.path.startsWith("/api/")
      ? jsonError(c, { status: 404, message: `no such API path: ${c.req.path}` })
      : htmlError(c, { status: 404, message: `no such page: ${c.req.path}` })
  );
  app.onError((e, c) => {
    const msg = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    return c.req.path.startsWith("/api/")
      ? c.json({ error: msg }, 500)
      : c.html(<ErrorPage status={500} message={msg} />, 500);
  });
  return { app, metrics };
}
