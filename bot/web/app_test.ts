/**
 * The dashboard app through Hono's request interface over a real (in-memory)
 * Deno KV store seeded from the fixture threads: pages, filters, sorting,
 * JSON API, escaping, prototype pages built by real emulation, health,
 * metrics and the read-only guarantee.
 */

import assert from "node:assert/strict";
import { createApp } from "./app.tsx";
import { HOSTILE, INT128_SERIES, testStore } from "./testing/stores.ts";
import { protoPath, seriesPath } from "./model.ts";
import type { SeriesListView, SeriesView } from "./model.ts";
import type { ProtoView } from "./proto.ts";
import { serveOptions } from "./main.ts";

const V1 = "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com";
const V2 = "20250422-many_args_arm64-v2-0-5c7e1d9b2a64@bootlin.com";
const RELAX = "20250709-arm64_relax_jit_comp-v1-0-2f8c6d1e7b35@bootlin.com";

async function setup() {
  const store = await testStore();
  const { app } = createApp({ store, btfPath: null });
  const get = (p: string) => app.request(p);
  const json = async <T>(p: string) => {
    const r = await get(p);
    assert.equal(r.headers.get("content-type")?.split(";")[0], "application/json", p);
    return { status: r.status, body: await r.json() as T };
  };
  return { store, app, get, json };
}

Deno.test("series list: newest first, every fixture thread, badges", async () => {
  const { store, get, json } = await setup();
  try {
    const { body } = await json<SeriesListView>("/api/series");
    const dates = body.rows.map((r) => r.date);
    assert.deepEqual(dates, [...dates].sort().reverse());
    assert.equal(body.rows.length, 8);
    const v1 = body.rows.find((r) => r.messageId === V1)!;
    assert.equal(v1.author, "Alexis Lothoré (eBPF Foundation) <alexis.lothore@bootlin.com>");
    assert.equal(v1.version, 1);
    assert.deepEqual(v1.badges.map((b) => [b.arch, b.status]), [["arm64", "introduced"]]);
    const html = await (await get("/")).text();
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /arm64: failures introduced/);
    assert.match(html, /support up to 12 arguments/);
    assert.deepEqual(body.lists, ["bpf", "linux-arm-kernel"]);
  } finally {
    store.close();
  }
});

Deno.test("series list: filters by list, arch, status and search", async () => {
  const { store, json } = await setup();
  try {
    const ids = async (q: string) =>
      (await json<SeriesListView>(`/api/series?${q}`)).body.rows.map((r) => r.messageId);
    assert.deepEqual(await ids("list=linux-arm-kernel"), [
      "1495831449-21376-1-git-send-email-illusionist.neo@gmail.com",
    ]);
    assert.deepEqual(await ids("status=introduced"), [HOSTILE.messageId, V1]);
    assert.deepEqual(await ids("arch=x86_64"), [
      INT128_SERIES,
      "20260402012727.3916819-1-yonghong.song@linux.dev",
    ]);
    assert.deepEqual(await ids("arch=arm64&status=fixed"), [V2]);
    assert.deepEqual(await ids("q=remove%20structs"), [RELAX]);
    // A patch's message-id finds its series too.
    assert.deepEqual(await ids("q=20250411-many_args_arm64-v1-3"), [V1]);
    assert.deepEqual(await ids("q=no-such-thing"), []);
  } finally {
    store.close();
  }
});

Deno.test("bad filters get 400 with the reason; unknown pages 404", async () => {
  const { store, get, json } = await setup();
  try {
    const a = await json<{ error: string }>("/api/series?arch=vax");
    assert.equal(a.status, 400);
    assert.match(a.body.error, /unknown arch 'vax' \(known: x86_64, arm64/);
    const s = await json<{ error: string }>("/api/series?status=great");
    assert.equal(s.status, 400);
    assert.match(s.body.error, /unknown status 'great'/);
    assert.equal((await json("/api/series?limit=-3")).status, 400);
    assert.equal((await json(`/api/series?q=${"x".repeat(400)}`)).status, 400);
    const h = await get("/?arch=vax");
    assert.equal(h.status, 400);
    assert.match(await h.text(), /unknown arch &#39;vax&#39;|unknown arch 'vax'/);
    const n = await get(seriesPath("nope@nowhere"));
    assert.equal(n.status, 404);
    assert.match(await n.text(), /no series with message-id &lt;nope@nowhere&gt;/);
    assert.equal((await get("/no/such/page")).status, 404);
    assert.equal((await json("/api/nothing")).status, 404);
  } finally {
    store.close();
  }
});

Deno.test("series page: model change, knobs, layout sort, lore links, versions", async () => {
  const { store, get, json } = await setup();
  try {
    const { body: v } = await json<SeriesView>(`/api/series/${encodeURIComponent(V1)}`);
    assert.equal(
      v.series.subject,
      "[PATCH RFC bpf-next 0/4] bpf, arm64: support up to 12 arguments",
    );
    assert.deepEqual(v.arches.map((a) => [a.arch, a.before, a.after]), [[
      "arm64",
      "v6.5",
      "v6.16",
    ]]);
    assert.equal(v.arches[0].knobs[0].name, "maxArgs");
    // cover + 4 patches
    assert.equal(v.lore.length, 5);
    assert.equal(v.lore[0].href, `https://lore.kernel.org/all/${encodeURIComponent(V1)}/`);
    assert.equal(v.unmodeled.length, 1);
    // default sort: total, descending
    assert.deepEqual(v.layoutChanges.map((g) => g.total), [419, 99]);
    const asc = await json<SeriesView>(`/api/series/${encodeURIComponent(V1)}?sort=total&dir=asc`);
    assert.deepEqual(asc.body.layoutChanges.map((g) => g.total), [99, 419]);
    const byCause = await json<SeriesView>(`/api/series/${encodeURIComponent(V1)}?sort=cause`);
    assert.equal(byCause.body.layoutChanges[0].cause, "becomes attachable (9–12 arguments)");

    const html = await (await get(`${seriesPath(V1)}?sort=total&dir=asc`)).text();
    assert.match(html, /v6\.5 → v6\.16/);
    assert.match(html, /unmodeled change in calc_arg_aux\(\)/);
    assert.ok(html.indexOf("ctx slot count changes") < html.indexOf("becomes attachable (9"));
    // The sort header for the active column flips the direction.
    assert.ok(html.includes(`href="${seriesPath(V1)}?sort=total&amp;dir=desc#layout"`));
    // Findings link to their prototype page.
    assert.ok(
      html.includes(
        protoPath(V1, "arm64", "bpf_testmod_test_struct_arg_align", "fentry")
          .replace(/&/g, "&amp;"),
      ),
    );

    // The reply bot/email renders, shown as text (not sent: default policy).
    assert.match(html, /not sent \(per policy\)/);
    assert.match(
      html,
      /Subject: Re: \[PATCH RFC bpf-next 0\/4\] bpf, arm64: support up to 12 arguments/,
    );
    assert.ok(html.includes(`Reproduce: deno task review ${V1}`));
    assert.equal(v.report!.reply!.headers["In-Reply-To"], `<${V1}>`);

    // v2 knows v1 (found by the real ingest's version search) and what v2 fixed.
    const { body: v2 } = await json<SeriesView>(`/api/series/${encodeURIComponent(V2)}`);
    assert.deepEqual(v2.versions.map((e) => [e.version, e.current]), [[1, false], [2, true]]);
    assert.equal(v2.versions[1].fixed, 1);
    const h2 = await (await get(seriesPath(V2))).text();
    assert.match(h2, /fixed 1, still present 0/);
    assert.ok(h2.includes(`href="${seriesPath(V1)}"`));
  } finally {
    store.close();
  }
});

Deno.test("every mail-derived string is escaped (hostile series)", async () => {
  const { store, get } = await setup();
  try {
    for (
      const path of [
        "/",
        `/?q=${encodeURIComponent("<script>")}`,
        seriesPath(HOSTILE.messageId),
      ]
    ) {
      const r = await get(path);
      assert.equal(r.status, 200, path);
      const html = await r.text();
      assert.ok(!/<script/i.test(html), `${path}: raw <script> in the page`);
      assert.ok(!/<img /i.test(html), `${path}: raw <img> in the page`);
      assert.ok(!/<iframe/i.test(html), `${path}: raw <iframe>`);
      assert.ok(!/<svg onload/i.test(html), `${path}: raw <svg onload>`);
      assert.ok(!/href="javascript:/i.test(html), `${path}: javascript: link`);
      assert.ok(!/<[^>]*\son\w+\s*=/i.test(html), `${path}: an on* event attribute`);
      assert.match(html, /&lt;script&gt;alert\(&quot;xss-subject&quot;\)&lt;\/script&gt;/);
      assert.match(r.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    }
    const page = await (await get(seriesPath(HOSTILE.messageId))).text();
    assert.match(page, /&lt;iframe src=&quot;javascript:alert\(&#39;xss-note&#39;\)&quot;&gt;/);
    // The id is a path segment: encoded, never a scheme.
    assert.ok(
      page.includes(
        "https://lore.kernel.org/all/javascript%3Aalert(&#39;xss-id&#39;)%2F%2F%3Cb%3E%40evil.example/",
      ),
    );
  } finally {
    store.close();
  }
});

Deno.test("prototype page: real trampolines, base vs patched, annotated disassembly", async () => {
  const { store, get, json } = await setup();
  try {
    const p = protoPath(RELAX, "arm64", "bpf_testmod_test_struct_arg_9");
    const { status, body: v } = await json<ProtoView>(`/api${p}`);
    assert.equal(status, 200);
    assert.equal(v.base.era, "v6.16");
    // B8: v6.16 refuses a struct on the stack; v6.17 (the series) accepts it.
    assert.equal(v.base.status, "rejected");
    assert.equal(v.base.errno, "ENOTSUPP");
    assert.equal(v.patched.era, "v6.17");
    assert.equal(v.patched.status, "pass");
    assert.equal(v.placement[7].type, "struct bpf_testmod_struct_arg_5");
    assert.deepEqual(v.placement[0].regs, ["x0"]);
    assert.ok(v.placement[7].stack.length > 0, "arg 7 travels on the stack on arm64");
    const notes = v.patched.disasm.flatMap((i) => i.notes);
    assert.ok(notes.includes("saves arg 0 (x0) to ctx[0] (arg 0)"), notes.join("\n"));
    assert.ok(notes.some((n) => /^reads arg 7 from the caller's stack/.test(n)));
    // Concurrent requests are served one build at a time, each complete.
    const again = await Promise.all([1, 2, 3].map(() => json<ProtoView>(`/api${p}`)));
    for (const a of again) assert.deepEqual(a.body.patched.disasm, v.patched.disasm);
    const html = await (await get(p)).text();
    assert.match(html, /<svg class="frame"/);
    assert.match(html, /ctx\[9\]: arg 8/);
    assert.match(html, /verdict:/);
  } finally {
    store.close();
  }
});

Deno.test("prototype page: a real mismatch is highlighted (x86_64 v6.1 __int128, B4)", async () => {
  const { store, get, json } = await setup();
  try {
    const p = protoPath(INT128_SERIES, "x86_64", "bpf_testmod_test_int128_arg");
    const { body: v } = await json<ProtoView>(`/api${p}`);
    assert.equal(v.base.era, "v6.1");
    assert.equal(v.base.status, "fail");
    assert.ok(v.base.badArgs.includes(2), JSON.stringify(v.base.mismatches));
    assert.equal(v.patched.era, "2026");
    assert.equal(v.patched.badArgs.length, 0);
    const html = await (await get(p)).text();
    assert.match(html, /class="box bad"/);
    assert.match(html, /<tr class="mismatch">/);
  } finally {
    store.close();
  }
});

Deno.test("prototype page: clear errors for unknown arch, prototype, attach, series", async () => {
  const { store, json } = await setup();
  try {
    const e1 = await json<{ error: string }>(`/api${protoPath(RELAX, "vax", "f")}`);
    assert.equal(e1.status, 404);
    assert.match(e1.body.error, /unknown arch 'vax'/);
    const e2 = await json<{ error: string }>(`/api${protoPath(RELAX, "arm64", "no_such_fn")}`);
    assert.equal(e2.status, 404);
    assert.match(e2.body.error, /no prototype 'no_such_fn'/);
    const e3 = await json<{ error: string }>(
      `/api${protoPath(RELAX, "arm64", "bpf_fentry_test1", "kprobe")}`,
    );
    assert.equal(e3.status, 400);
    assert.match(e3.body.error, /unknown attach type 'kprobe'/);
    const e4 = await json<{ error: string }>(`/api${protoPath("x@y", "arm64", "f")}`);
    assert.equal(e4.status, 404);
    // An arch the review does not cover shows the placement, and says why there is no trampoline.
    const m = await json<ProtoView>(`/api${protoPath(RELAX, "riscv64", "bpf_fentry_test1")}`);
    assert.equal(m.status, 200);
    assert.equal(m.body.base.status, "not-run");
    assert.deepEqual(m.body.placement[0].regs, ["a0"]);
    assert.match(m.body.base.unavailable!, /the review of this series does not cover riscv64/);
  } finally {
    store.close();
  }
});

Deno.test("corpus page: sources and per-arch placement charts", async () => {
  const { store, get, json } = await setup();
  try {
    const { body } = await json<{
      sources: { source: string; prototypes: number; missing: string | null }[];
      stats: { arch: string; source: string; args: { stack: number; gpr: number } }[];
    }>("/api/corpus");
    assert.equal(body.sources.find((s) => s.source === "stress")!.prototypes, 1840);
    assert.match(body.sources.find((s) => s.source === "real")!.missing!, /no BTF path/);
    const x86 = body.stats.find((s) => s.arch === "x86_64" && s.source === "stress")!;
    const s390 = body.stats.find((s) => s.arch === "s390x" && s.source === "stress")!;
    assert.ok(x86.args.stack > 0 && x86.args.gpr > 0);
    // s390x has 5 GPR argument registers to x86_64's 6: more stack arguments.
    assert.ok(s390.args.stack > x86.args.stack);
    assert.ok(body.stats.some((s) => s.arch === "arm32" && s.source === "selftest"));
    const html = await (await get("/corpus")).text();
    assert.match(html, /id="chart-args-x86_64"/);
    assert.match(html, /id="chart-stack-arm64"/);
  } finally {
    store.close();
  }
});

Deno.test("healthz, metrics (Prometheus text) and read-only methods", async () => {
  const { store, app, get } = await setup();
  try {
    const h = await (await get("/healthz")).json();
    assert.deepEqual(h, { ok: true, store: "ok", hasSeries: true });
    await get("/");
    await get("/");
    const post = await app.request("/", { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    assert.equal((await app.request(seriesPath(V1), { method: "DELETE" })).status, 405);
    const head = await app.request(seriesPath(V1), { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const m = await get("/metrics");
    assert.match(m.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    const text = await m.text();
    for (const line of text.trimEnd().split("\n")) {
      assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [0-9.e+-]+)$/, line);
    }
    assert.match(text, /trampolint_web_requests_total\{route="\/",status="200"\} 2\n/);
    assert.match(text, /trampolint_web_requests_total\{route="other",status="405"\} 2\n/);
    assert.match(text, /trampolint_series 8\n/);
    assert.match(text, /trampolint_arch_status\{status="introduced"\} 2\n/);
  } finally {
    store.close();
  }
});

Deno.test("serve options: --port, PORT, --store, bad port", () => {
  assert.deepEqual(serveOptions([]), {
    port: 8080,
    host: "127.0.0.1",
    store: "trampolint.kv",
    btf: "/sys/kernel/btf/vmlinux",
    seed: "series",
  });
  assert.equal(serveOptions(["--seed", "review"]).seed, "review");
  assert.equal(serveOptions(["--seed", "fixtures"]).seed, "fixtures");
  assert.throws(() => serveOptions(["--seed", "maybe"]), /bad --seed 'maybe'/);
  assert.equal(serveOptions([], { PORT: "9001" }).port, 9001);
  assert.equal(serveOptions(["--port", "9002"], { PORT: "9001" }).port, 9002);
  assert.equal(serveOptions(["--store", "data/x.kv"]).store, "data/x.kv");
  assert.equal(serveOptions(["--btf", "none"]).btf, null);
  assert.throws(() => serveOptions(["--port", "http"]), /bad port 'http'/);
  assert.throws(() => serveOptions(["--port", "70000"]), /bad port '70000'/);
  assert.throws(() => serveOptions(["--frobnicate"]), /frobnicate/);
});

Deno.test("prototype page: a derived patched era is registered again from the report's knobs", async () => {
  const { store, json } = await setup();
  try {
    const id = "20261103-derived-v1-0-1@example.org";
    const base = (await store.getReview(RELAX))!;
    await store.putSeries({ ...(await store.getSeries(RELAX))!, messageId: id, versions: [] });
    const report = structuredClone(base.report);
    report.messageId = id;
    // A series lowering arm64's argument limit to 8 (knob as jit/arch/arm64/model.ts names it).
    report.arches = {
      arm64: { before: "v6.16", after: "v6.16+test-derived", status: "introduced", note: null },
    };
    report.analysis.arches.arm64!.knobs = [{
      name: "maxArgs",
      before: 12,
      after: 8,
      file: "arch/arm64/net/bpf_jit_comp.c",
      function: "prepare_trampoline",
      hunk: null,
    }];
    await store.putReview({ ...base, messageId: id, report });
    const { body: v } = await json<ProtoView>(`/api${protoPath(id, "arm64", "bpf_fentry_test11")}`);
    assert.equal(v.base.era, "v6.16");
    assert.equal(v.base.status, "pass");
    assert.equal(v.patched.era, "v6.16+test-derived");
    assert.equal(v.patched.status, "rejected", JSON.stringify(v.patched));
    assert.ok(
      v.patched.notes.some((n) => /derived from v6\.16/.test(n)),
      v.patched.notes.join("\n"),
    );
  } finally {
    store.close();
  }
});
