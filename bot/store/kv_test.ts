import assert from "node:assert/strict";
import { openKvStore } from "./kv.ts";
import type { ReplyRecord, SeriesRecord } from "./types.ts";
import { sampleFinding, sampleReport, seriesFromMbox, THREADS } from "../email/testing/sample.ts";

async function tempStore() {
  const dir = await Deno.makeTempDir({ prefix: "trampolint-kv-" });
  return { dir, path: `${dir}/store.sqlite` };
}

function seriesRecord(id: string, over: Partial<SeriesRecord> = {}): SeriesRecord {
  return {
    messageId: id,
    subject: `[PATCH] ${id}`,
    version: 1,
    author: "A <a@example.org>",
    date: "2026-01-01T00:00:00Z",
    list: "bpf",
    total: 1,
    patches: [id],
    versions: [],
    seenAt: "2026-01-01T00:00:00Z",
    state: "waiting",
    ...over,
  };
}

function reply(key: string, messageId: string, body = "x"): ReplyRecord {
  return {
    key,
    messageId,
    target: key.split(":")[0],
    text: { headers: { Subject: "Re: x" }, body },
    state: "recorded",
    reason: null,
    recordedAt: new Date().toISOString(),
    sentAt: null,
    replyMessageId: null,
  };
}

Deno.test("series: put, get, list newest first with filters; persists across reopen", async () => {
  const { dir, path } = await tempStore();
  let store = await openKvStore(path);
  await store.putSeries(seriesRecord("a@x", { date: "2026-01-01T00:00:00Z", list: "bpf" }));
  // Date headers as mails carry them (RFC 2822): ordered by time, not by text.
  await store.putSeries(
    seriesRecord("b@x", { date: "Sun, 1 Feb 2026 00:00:00 +0000", list: "netdev" }),
  );
  await store.putSeries(seriesRecord("c@x", { date: "2026-03-01T00:00:00Z", state: "reviewed" }));
  assert.deepEqual((await store.listSeries()).map((s) => s.messageId), ["c@x", "b@x", "a@x"]);
  assert.deepEqual((await store.listSeries({ list: "netdev" })).map((s) => s.messageId), ["b@x"]);
  assert.deepEqual((await store.listSeries({ q: "A@X" })).map((s) => s.messageId), ["a@x"]);
  assert.deepEqual((await store.listSeries({ limit: 2 })).length, 2);
  assert.deepEqual((await store.listSeries({ status: "reviewed" })).map((s) => s.messageId), [
    "c@x",
  ]);
  store.close();
  store = await openKvStore(path);
  assert.equal((await store.getSeries("b@x"))?.list, "netdev");
  assert.equal(await store.getSeries("nope@x"), null);
  store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("reviews larger than a KV value (64 KiB) round-trip; arch/status filters use them", async () => {
  const { dir, path } = await tempStore();
  const store = await openKvStore(path);
  const series = await seriesFromMbox(`${THREADS}many_args_arm64-v1.mbox`);
  const report = sampleReport(series);
  for (let i = 0; i < 600; i++) report.failures.preexisting.push(sampleFinding({ arg: i % 12 }));
  assert.ok(JSON.stringify(report).length > 200_000);
  await store.putSeries(seriesRecord(series.messageId, { state: "reviewed" }));
  await store.putSeries(seriesRecord("other@x"));
  await store.putReview({
    messageId: series.messageId,
    at: "2026-01-01T00:00:00Z",
    report,
    status: 1,
  });
  const back = await store.getReview(series.messageId);
  assert.deepEqual(back?.report, report);
  // A newer review replaces the old one (and its chunks).
  const clean = sampleReport(series, { findings: false });
  await store.putReview({
    messageId: series.messageId,
    at: "2026-01-02T00:00:00Z",
    report: clean,
    status: 0,
  });
  assert.equal((await store.getReview(series.messageId))?.status, 0);
  assert.deepEqual((await store.listSeries({ arch: "arm64" })).map((s) => s.messageId), [
    series.messageId,
  ]);
  assert.deepEqual((await store.listSeries({ status: "pass" })).map((s) => s.messageId), [
    series.messageId,
  ]);
  assert.deepEqual(await store.listSeries({ status: "introduced" }), []);
  store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("recordReply: exactly one of many concurrent writers (two connections) creates it", async () => {
  const { dir, path } = await tempStore();
  const s1 = await openKvStore(path);
  const s2 = await openKvStore(path);
  const results = await Promise.all(
    Array.from(
      { length: 10 },
      (_, i) => (i % 2 ? s1 : s2).recordReply(reply("email:p1@x", "s@x", `writer ${i}`)),
    ),
  );
  const created = results.filter((r) => r.created);
  assert.equal(created.length, 1);
  const winner = created[0].record.text.body;
  for (const r of results) assert.equal(r.record.text.body, winner);
  await s1.markReply("email:p1@x", "sent", {
    sentAt: "2026-01-01T00:00:00Z",
    replyMessageId: "r@x",
  });
  const again = await s2.recordReply(reply("email:p1@x", "s@x", "late"));
  assert.equal(again.created, false);
  assert.equal(again.record.state, "sent");
  assert.equal(again.record.replyMessageId, "r@x");
  await s2.recordReply(reply("github:o/r#3", "s@x"));
  assert.deepEqual((await s1.listReplies("s@x")).map((r) => r.key).sort(), [
    "email:p1@x",
    "github:o/r#3",
  ]);
  await assert.rejects(s1.markReply("none", "sent"), /no reply recorded under none/);
  s1.close();
  s2.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("jobs: oldest first, idempotent enqueue, lease expiry returns the job, done removes it", async () => {
  const { dir, path } = await tempStore();
  const store = await openKvStore(path);
  const a = await store.enqueue({ kind: "review", messageId: "a@x" });
  const b = await store.enqueue({ kind: "review", messageId: "b@x" });
  const a2 = await store.enqueue({ kind: "review", messageId: "a@x" });
  assert.equal(a2.id, a.id, "a pending job for the same series is not duplicated");
  const t1 = await store.nextJob(300);
  assert.equal(t1?.id, a.id);
  assert.equal(t1?.attempts, 1);
  const t2 = await store.nextJob(300);
  assert.equal(t2?.id, b.id);
  assert.equal(await store.nextJob(300), null, "both leased");
  await store.done(b.id);
  await new Promise((r) => setTimeout(r, 350));
  const t3 = await store.nextJob(10_000);
  assert.equal(t3?.id, a.id, "lease ran out: the job comes back");
  assert.equal(t3?.attempts, 2);
  assert.equal(await store.nextJob(10_000), null);
  await store.done(a.id);
  assert.deepEqual(await store.pendingJobs(), []);
  const a3 = await store.enqueue({ kind: "review", messageId: "a@x" });
  assert.notEqual(a3.id, a.id, "after done, a new job can be queued");
  await store.setState("cursor", { t: 5 });
  assert.deepEqual(await store.getState("cursor"), { t: 5 });
  store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a bad store path is a clear error", async () => {
  await assert.rejects(openKvStore("/nonexistent-dir/x/store.sqlite"), /cannot open the store at/);
});
