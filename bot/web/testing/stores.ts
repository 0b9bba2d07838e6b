/**
 * Stores for the dashboard's tests and benchmark: a real Deno KV store
 * (in memory) seeded with the fixture reviews plus series we make up here —
 * a hostile one (script tags, attribute breakers, `javascript:` URLs in
 * every mail-derived field) and one with a real emulation failure (x86_64
 * v6.1's `__int128` slot undercount, KERNEL_SPEC.md §5 B4).
 *
 * @module
 */

import { openKvStore } from "../../store/kv.ts";
import type { SeriesRecord, Store } from "../../store/types.ts";
import type { Finding, LayoutChangeGroup, Report } from "../../report/types.ts";
import { seedIfEmpty } from "../seed.ts";
import { fixtureReport } from "../seed_reports.ts";

/** Strings a hostile sender could put in a mail. */
export const HOSTILE = {
  subject: `[PATCH bpf-next 0/1] <script>alert("xss-subject")</script> bpf: "quotes" & 'ticks'`,
  author: `"><img src=x onerror=alert('xss-author')> Mallory <m@evil.example>`,
  messageId: `javascript:alert('xss-id')//<b>@evil.example`,
  note: `<iframe src="javascript:alert('xss-note')"></iframe>`,
  proto: `<svg onload=alert('xss-proto')>`,
};

/** The cover id of the made-up series with a real B4 failure. */
export const INT128_SERIES = "20261101-int128-v1-0-1234@example.org";

function record(id: string, subject: string, author: string, date: string): SeriesRecord {
  return {
    messageId: id,
    subject,
    version: 1,
    author,
    date,
    list: "bpf",
    total: 1,
    patches: [id.replace("-0-", "-1-")],
    versions: [{ version: 1, messageId: id }],
    seenAt: date,
    state: "reviewed",
  };
}

function emptyReport(s: SeriesRecord): Report {
  const r = fixtureReport({
    ...s,
    messageId: "20250709-arm64_relax_jit_comp-v1-0-2f8c6d1e7b35@bootlin.com",
  })!;
  return { ...structuredClone(r), messageId: s.messageId, subject: s.subject, author: s.author };
}

/** A finding with hostile text in every free-text field. */
function hostileFinding(): Finding {
  return {
    arch: "arm64",
    era: "v6.17",
    attach: "fentry",
    proto: HOSTILE.proto,
    protoC: `int f(${HOSTILE.proto})`,
    source: "series",
    arg: 0,
    type: HOSTILE.note,
    expected: HOSTILE.note,
    observed: `javascript:alert('xss-observed')`,
    rule: "ctx-slot",
    alsoAffected: 0,
  };
}

/** Adds the hostile series and the B4 series to a store. */
export async function addTestSeries(store: Store): Promise<void> {
  const h = record(HOSTILE.messageId, HOSTILE.subject, HOSTILE.author, "2026-11-02T10:00:00.000Z");
  h.patches = [HOSTILE.messageId, `"><script>alert('xss-patch')</script>@evil.example`];
  await store.putSeries(h);
  const hr = emptyReport(h);
  hr.arches.arm64 = { ...hr.arches.arm64!, status: "introduced", note: HOSTILE.note };
  hr.failures.introduced = [hostileFinding()];
  hr.layoutChanges = [{
    arch: "arm64",
    cause: HOSTILE.note,
    counts: { real: 1, stress: 2, selftest: 3, series: 4 },
    examples: [`int javascript(${HOSTILE.proto})`],
  }];
  hr.reply = {
    headers: { Subject: `Re: ${HOSTILE.subject}`, To: HOSTILE.author },
    body: `Hello ${HOSTILE.note}\n`,
  };
  await store.putReview({ messageId: h.messageId, at: h.date, report: hr, status: 1 });

  const s = record(
    INT128_SERIES,
    "[PATCH bpf-next 0/1] bpf, x86: count __int128 slots",
    "Test Author <t@example.org>",
    "2026-11-01T09:00:00.000Z",
  );
  await store.putSeries(s);
  const r = emptyReport(s);
  r.arches = {
    x86_64: { before: "v6.1", after: "2026", status: "fixed", note: "made up for the tests" },
  };
  r.analysis.arches = {};
  r.layoutChanges = [];
  r.failures.fixed = [{
    arch: "x86_64",
    era: "v6.1",
    attach: "fentry",
    proto: "bpf_testmod_test_int128_arg",
    protoC: "long int bpf_testmod_test_int128_arg(__int128 a, int b, long int c)",
    source: "selftest",
    arg: 2,
    type: "long int (size 8, align 8)",
    expected: "ctx[3]",
    observed: "ctx[2]",
    rule: "ctx-slot",
    alsoAffected: 1,
  }];
  await store.putReview({ messageId: s.messageId, at: s.date, report: r, status: 0 });
}

/** A fresh in-memory KV store with the fixture reviews and the test series. */
export async function testStore(): Promise<Store> {
  const store = await openKvStore(":memory:");
  await seedIfEmpty(store);
  await addTestSeries(store);
  return store;
}

/** `n` layout-change groups and `f` introduced failures, for the render benchmark. */
export function bigReport(base: Report, n: number, f: number): Report {
  const layoutChanges: LayoutChangeGroup[] = [];
  for (let i = 0; i < n; i++) {
    layoutChanges.push({
      arch: i % 2 ? "arm64" : "x86_64",
      cause: `ctx slot count changes (group ${i})`,
      counts: { real: (i * 7919) % 1000, stress: i % 97, selftest: i % 5, series: i % 2 },
      examples: [`long f${i}(long a, __int128 b, struct s${i} c)`, `int g${i}(char a)`],
    });
  }
  const failures: Finding[] = [];
  for (let i = 0; i < f; i++) {
    failures.push({
      arch: "arm64",
      era: "v6.16",
      attach: "fexit",
      proto: `stress_proto_${i}`,
      protoC: `long long stress_proto_${i}(unsigned long long f1, struct s16 x)`,
      source: "stress",
      arg: i % 12,
      type: "struct s16 (size 16, align 16)",
      expected: `ctx[${i % 12}..${(i % 12) + 1}] = caller stack +0x10..+0x20`,
      observed: `ctx[${i % 12}..${(i % 12) + 1}] = caller stack +0x8..+0x18`,
      rule: "ctx-slot",
      alsoAffected: i,
    });
  }
  return { ...base, layoutChanges, failures: { introduced: failures, fixed: [], preexisting: [] } };
}
