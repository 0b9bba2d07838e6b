/**
 * The dashboard in real headless Chromium against the real server
 * (`serve()` on 127.0.0.1, a Deno KV store seeded from the fixture threads):
 * every page type loaded, links followed list → series → prototype, filters
 * and sorting used through the form and links (no JavaScript on the pages),
 * a screenshot of each page type, an XSS check with a hostile subject, and
 * the dark colour scheme.
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { serve } from "./main.ts";
import { addTestSeries, HOSTILE } from "./testing/stores.ts";
import { launchChromium } from "./testing/browser.ts";
import { seriesPath } from "./model.ts";

/** Screenshots are kept here for a human to look at (`.cache` is git-ignored). */
const SHOTS = new URL("../../.cache/web-screenshots/", import.meta.url).pathname;

/** Saves a full-page screenshot and checks it is a real, non-trivial PNG. */
async function screenshot(page: Page, name: string): Promise<Uint8Array> {
  await Deno.mkdir(SHOTS, { recursive: true });
  const path = `${SHOTS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  const png = await Deno.readFile(path);
  assert.deepEqual([...png.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(png.buffer);
  const width = dv.getUint32(16), height = dv.getUint32(20);
  assert.equal(width, 1280, `${name}: width`);
  assert.ok(height >= 300, `${name}: height ${height}`);
  // A blank page compresses to a few KB; a rendered one with text and SVG does not.
  assert.ok(png.length > 20_000, `${name}: only ${png.length} bytes`);
  return png;
}

Deno.test({
  name: "dashboard in headless Chromium: list → series → prototype, filters, corpus, XSS",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const logs: string[] = [];
    const server = await serve(
      { port: 0, host: "127.0.0.1", store: ":memory:", btf: null, seed: "fixtures" },
      (l) => logs.push(l),
    );
    await addTestSeries(server.store);
    const browser = await launchChromium();
    const dialogs: string[] = [];
    try {
      const base = server.url;
      assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
      const page = await browser.context.newPage();
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        d.dismiss().catch(() => {});
      });

      // Series list.
      await page.goto(`${base}/`);
      assert.equal(await page.title(), "series · trampolint");
      assert.equal(await page.textContent("#count"), "8 series");
      const subjects = await page.locator("#series a.subject").allTextContents();
      assert.ok(
        subjects.includes("[PATCH RFC bpf-next 0/4] bpf, arm64: support up to 12 arguments"),
      );
      assert.ok(subjects.includes("[PATCH v2] arm: eBPF JIT compiler"), subjects.join("\n"));
      assert.match(await page.locator("#series").innerText(), /arm64: failures introduced/);
      await screenshot(page, "list");

      // Filters through the form (plain GET, no script).
      await page.selectOption("select[name=arch]", "arm32");
      await Promise.all([page.waitForURL(/arch=arm32/), page.click("#filters button")]);
      assert.equal(await page.textContent("#count"), "1 series");
      assert.match(await page.locator("#series").innerText(), /arm: eBPF JIT compiler/);
      await page.goto(`${base}/`);
      await page.fill("input[name=q]", "many_args");
      await page.selectOption("select[name=status]", "introduced");
      await Promise.all([page.waitForURL(/status=introduced/), page.click("#filters button")]);
      assert.equal(await page.textContent("#count"), "1 series");
      assert.equal(
        await page.inputValue("input[name=q]"),
        "many_args",
        "the form keeps the search",
      );

      // → series page.
      await Promise.all([page.waitForURL(/\/series\//), page.click("#series a.subject")]);
      assert.equal(
        await page.textContent("#subject"),
        "[PATCH RFC bpf-next 0/4] bpf, arm64: support up to 12 arguments",
      );
      assert.match(await page.locator("#arches").innerText(), /v6\.5 → v6\.16/);
      assert.match(await page.locator("#arches").innerText(), /maxArgs: 8 → 12/);
      assert.equal(await page.locator("a.lore").count(), 5);
      const causes = () =>
        page.locator("#layout-table tr.layout-row td:nth-child(2)").allTextContents();
      assert.equal((await causes())[0], "becomes attachable (9–12 arguments)");
      await Promise.all([page.waitForURL(/sort=total&dir=asc/), page.click("a.sort-total")]);
      assert.equal((await causes())[0], "ctx slot count changes (stack arguments copied)");
      await screenshot(page, "series");

      // → prototype page (from a finding).
      await Promise.all([page.waitForURL(/\/proto\/arm64\//), page.click("#introduced a.proto")]);
      assert.match(
        await page.textContent("#proto-name") ?? "",
        /bpf_testmod_test_struct_arg_align/,
      );
      assert.equal(await page.locator("svg.frame").count(), 2);
      assert.match(await page.locator("#side-base").innerText(), /base: arm64 v6\.5/);
      assert.match(await page.locator("#side-patched").innerText(), /patched: arm64 v6\.16/);
      await screenshot(page, "proto-rejected");

      // A prototype whose trampolines run: the annotated disassembly.
      await page.goto(
        `${base}${seriesPath("20250709-arm64_relax_jit_comp-v1-0-2f8c6d1e7b35@bootlin.com")}`,
      );
      await Promise.all([page.waitForURL(/struct_arg_9/), page.click("#layout-table a.example")]);
      assert.match(await page.locator("#side-patched .verdict").innerText(), /verdict: pass/);
      const notes = await page.locator("#side-patched table.disasm td.note").allTextContents();
      assert.ok(notes.includes("saves arg 0 (x0) to ctx[0] (arg 0)"), notes.join("|"));
      await screenshot(page, "proto");

      // A real mismatch is highlighted (B4 on x86_64 v6.1).
      await page.goto(
        `${base}/series/${encodeURIComponent("20261101-int128-v1-0-1234@example.org")}`,
      );
      await Promise.all([page.waitForURL(/\/proto\/x86_64\//), page.click("#fixed a.proto")]);
      assert.match(await page.locator("#side-base .verdict").innerText(), /verdict: fail/);
      assert.ok(await page.locator("#side-base svg.frame rect.bad").count() > 0);
      assert.ok(await page.locator("#side-base table.mismatches tr.mismatch").count() > 0);
      await screenshot(page, "proto-mismatch");

      // Corpus page.
      await page.click("header a[href='/corpus']");
      await page.waitForURL(/\/corpus$/);
      assert.match(await page.locator("#sources").innerText(), /stress\s+1840/);
      assert.ok(await page.locator("svg.chart").count() >= 12);
      await screenshot(page, "corpus");

      // XSS: the hostile subject is shown as text, nothing runs.
      await page.goto(`${base}/?q=${encodeURIComponent("<script>")}`);
      assert.equal(await page.textContent("#count"), "1 series");
      await Promise.all([page.waitForURL(/\/series\//), page.click("#series a.subject")]);
      assert.equal(await page.textContent("#subject"), HOSTILE.subject);
      assert.equal(await page.textContent("#author"), HOSTILE.author);
      assert.equal(await page.locator("main script, main img, main iframe").count(), 0);
      assert.match(await page.locator("#arches").innerText(), /<iframe src="javascript:/);
      await screenshot(page, "xss");
      assert.deepEqual(dialogs, [], "no dialog may fire");

      // Light and dark: the page follows prefers-color-scheme.
      const bg = () => page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
      await page.emulateMedia({ colorScheme: "light" });
      const light = await bg();
      await page.emulateMedia({ colorScheme: "dark" });
      const dark = await bg();
      assert.equal(light, "rgb(255, 255, 255)");
      assert.equal(dark, "rgb(13, 17, 23)");
      await screenshot(page, "xss-dark");
    } finally {
      await browser.close();
      await server.shutdown();
    }
    assert.ok(logs.some((l) => /seed: 6 fixture series stored/.test(l)), logs.join("\n"));
  },
});
