import assert from "node:assert/strict";
import { isVerbatim, type RenderOptions, renderReply } from "./render.ts";
import { hunkHeader } from "./quote.ts";
import { sampleFinding, sampleReport, seriesFromMbox, THREADS } from "./testing/sample.ts";
import type { Report } from "../report/types.ts";
import type { Series } from "../series/types.ts";

const OPTS: RenderOptions = {
  from: "trampolint <trampolint@bots.example.org>",
  to: ["alexis.lothore@bootlin.com"],
  cc: ["bpf@vger.kernel.org"],
  dashboardBase: "https://trampolint.example.org/",
  contact: "owner@bots.example.org",
};

const series = await seriesFromMbox(`${THREADS}many_args_arm64-v1.mbox`);
const patch = (n: number) => series.patches.find((p) => p.index === n)!;
const hunkOf = (n: number, file: string, i: number) =>
  patch(n).diff.files.find((f) => f.newPath === file)!.hunks[i];

/** A report whose findings point at patches 1, 2 and 3 (built from the fixture's real hunks). */
function attributedReport(s: Series): Report {
  const r = sampleReport(s);
  const arm64 = "arch/arm64/net/bpf_jit_comp.c";
  r.analysis.arches.arm64 = {
    arch: "arm64",
    files: [arm64],
    eraBefore: { era: "v6.18", nearest: "v6.18", differs: [], label: "v6.18" },
    eraAfter: { era: null, nearest: "v6.18", differs: ["maxArgs"], label: "unknown" },
    before: {},
    after: {},
    knobs: [{
      name: "maxArgs",
      before: 8,
      after: 12,
      file: arm64,
      function: "prepare_trampoline",
      hunk: hunkHeader(hunkOf(2, arm64, 3)),
    }],
    unmodeled: [],
    touched: true,
    notes: [],
  };
  r.analysis.generic.unmodeled.push({
    file: "kernel/bpf/btf.c",
    function: "btf_distill_func_proto",
    hunk: hunkHeader(hunkOf(1, "kernel/bpf/btf.c", 1)),
    summary: "unmodeled change in btf_distill_func_proto(): 2 lines added",
  });
  r.analysis.corpusAdditions.push({
    proto: { name: "bpf_testmod_test_struct_arg_11", source: "series" } as never,
    decl: "int bpf_testmod_test_struct_arg_11(...)",
    file: "tools/testing/selftests/bpf/test_kmods/bpf_testmod.c",
    patch: 3,
    change: "added",
  });
  r.failures.introduced.push(
    sampleFinding({ proto: "bpf_testmod_test_struct_arg_11", source: "series", arch: "s390x" }),
  );
  return r;
}

Deno.test("replies thread under the patch that did it, with the hunk quoted and evidence", () => {
  const mails = renderReply(attributedReport(series), series, OPTS);
  const byReply = new Map(mails.map((m) => [m.headers["In-Reply-To"], m]));
  assert.equal(mails.length, 3);
  const m1 = byReply.get(`<${patch(1).message.messageId}>`)!;
  const m2 = byReply.get(`<${patch(2).message.messageId}>`)!;
  const m3 = byReply.get(`<${patch(3).message.messageId}>`)!;
  assert.ok(m1 && m2 && m3, "one reply each to patches 1, 2 and 3");
  assert.equal(
    m2.headers.Subject,
    "Re: [PATCH RFC bpf-next 2/4] bpf, arm64: Support up to 12 function arguments",
  );
  assert.equal(
    m2.headers.References,
    `<${series.messageId}> <${patch(2).message.messageId}>`,
  );
  assert.equal(m2.headers.To, "alexis.lothore@bootlin.com");
  assert.equal(m2.headers.Cc, "bpf@vger.kernel.org");
  assert.equal(m2.headers["MIME-Version"], "1.0");
  assert.equal(m2.headers["Content-Type"], "text/plain; charset=utf-8");
  // Patch 2: the knob change and the arm64 finding, with the knob's hunk quoted.
  assert.match(m2.body, /^Hi Alexis Lothoré,\n/);
  assert.match(m2.body, /arm64: maxArgs changes from 8 to 12 in prepare_trampoline\(\)/);
  assert.match(
    m2.body,
    /> diff --git a\/arch\/arm64\/net\/bpf_jit_comp.c b\/arch\/arm64\/net\/bpf_jit_comp.c/,
  );
  assert.ok(m2.body.includes(`> ${hunkHeader(hunkOf(2, "arch/arm64/net/bpf_jit_comp.c", 3))}`));
  assert.ok(
    !m2.body.includes(hunkHeader(hunkOf(2, "arch/arm64/net/bpf_jit_comp.c", 0))),
    "other hunks are not quoted",
  );
  assert.match(m2.body, /\[ \.\.\. \]/);
  assert.match(m2.body, /expected: +ctx\[8\.\.9\] = stack\+16 \(16-byte aligned\)/);
  assert.match(m2.body, /observed: +ctx\[8\.\.9\] = stack\+8/);
  assert.match(m2.body, /argument: +8, struct s16 \(size 16, align 16\)/);
  assert.match(m2.body, /3 more prototypes fail the same way/);
  // Patch 1: the unmodelled btf.c hunk, said plainly.
  assert.match(m1.body, /Not modelled: unmodeled change in btf_distill_func_proto\(\)/);
  assert.ok(m1.body.includes("> +"), "the unmodelled hunk's added lines are quoted");
  // Patch 3: the new test prototype fails on s390x, an arch the series does not touch.
  assert.match(m3.body, /s390x, fentry/);
  assert.match(m3.body, /bpf_testmod_test_struct_arg_9\(u64 a/);
  for (const m of mails) {
    assert.ok(m.body.includes(`Reproduce: deno task review ${series.messageId}`));
    assert.ok(
      m.body.includes(
        `https://trampolint.example.org/series/${encodeURIComponent(series.messageId)}`,
      ),
    );
    assert.match(m.body, /\n-- \ntrampolint: /);
    assert.match(m.body, /owner@bots\.example\.org/);
  }
});

Deno.test("no pw-bot line, prose wrapped at 72, one overview only, stable Message-IDs", () => {
  const report = attributedReport(series);
  const mails = renderReply(report, series, { ...OPTS, quietOnSuccess: false });
  for (const m of mails) {
    const all = Object.values(m.headers).join("\n") + "\n" + m.body;
    assert.doesNotMatch(all, /pw-bot/i);
    for (const line of m.body.split("\n")) {
      if (line.startsWith(">")) continue; // quoted code is never re-flowed
      if (!line.includes(" ") && line.length > 72) continue; // one unbreakable word
      if (isVerbatim(line)) continue; // the reproduce command and the link, copied whole
      assert.ok(line.length <= 72, `line over 72: ${JSON.stringify(line)}`);
    }
  }
  assert.equal(mails.filter((m) => m.body.includes("Per architecture:")).length, 1);
  const again = renderReply(report, series, OPTS);
  assert.deepEqual(
    again.map((m) => m.headers["Message-ID"]),
    mails.map((m) => m.headers["Message-ID"]),
  );
  assert.equal(new Set(mails.map((m) => m.headers["Message-ID"])).size, mails.length);
});

Deno.test("series-level finding replies to the cover letter; quiet on success by default", () => {
  const r = sampleReport(series); // arm64 finding, but two patches... only patch 2 touches arm64
  r.failures.introduced = [sampleFinding({ arch: "x86_64" })]; // no patch touches x86: series-level
  const [m] = renderReply(r, series, OPTS);
  assert.equal(m.headers["In-Reply-To"], `<${series.messageId}>`);
  assert.doesNotMatch(m.body, /^> /m, "no hunk is quoted for a series-level finding");
  assert.equal(
    m.headers.Subject,
    "Re: [PATCH RFC bpf-next 0/4] bpf, arm64: support up to 12 arguments",
  );
  assert.match(m.body, /Per architecture:/);

  const clean = sampleReport(series, { findings: false });
  assert.deepEqual(renderReply(clean, series, OPTS), []);
  const loud = renderReply(clean, series, { ...OPTS, quietOnSuccess: false });
  assert.equal(loud.length, 1);
  assert.equal(loud[0].headers["In-Reply-To"], `<${series.messageId}>`);
  assert.match(loud[0].body, /arm64 +pass/);
});

Deno.test("no recipient is a clear error", () => {
  assert.throws(
    () => renderReply(sampleReport(series), series, { ...OPTS, to: [] }),
    /no recipient/,
  );
});

Deno.test("a finding tied to a patch by its arch quotes that patch's argument-handling hunks", () => {
  const [m] = renderReply(sampleReport(series), series, OPTS); // arm64 finding, no knob named
  assert.equal(m.headers["In-Reply-To"], `<${patch(2).message.messageId}>`);
  const quotedHeaders = m.body.split("\n").filter((l) => l.startsWith("> @@"));
  assert.equal(quotedHeaders.length, 2);
  for (const h of quotedHeaders) assert.match(h, /calc_arg_aux|prepare_trampoline|struct arg_aux/);
  assert.ok(!m.body.includes("> @@ -30,6 +30,7 @@"), "the include hunk is not quoted");
});
