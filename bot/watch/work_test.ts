import assert from "node:assert/strict";
import { startPublicInbox } from "../ingest/testing/public_inbox.ts";
import { startSmtpServer } from "../send/testing/smtp_server.ts";
import { sendSmtp } from "../send/smtp.ts";
import { openKvStore } from "../store/kv.ts";
import { parseConfig } from "../policy/config.ts";
import { sampleReport, seriesFromMbox, THREADS } from "../email/testing/sample.ts";
import { seriesRecord, watchOnce } from "./poll.ts";
import { workOnce } from "./work.ts";
import type { Reviewer, WatchDeps } from "./types.ts";
import { renderReply } from "../email/render.ts";

const V1 = `${THREADS}many_args_arm64-v1.mbox`;
const series = await seriesFromMbox(V1);
const POSTED = Date.parse(series.date);

/** A real archive holding v1, a real SMTP server and a fresh store, for one test. */
async function world(list: Record<string, unknown>) {
  const pi = await startPublicInbox({
    inboxes: [{ name: "bpf", address: "bpf@vger.kernel.org", mboxes: [V1] }],
  });
  const smtp = await startSmtpServer();
  const dir = await Deno.makeTempDir({ prefix: "trampolint-work-" });
  const store = await openKvStore(`${dir}/store.kv`);
  const config = parseConfig(JSON.stringify({
    smtp: { host: "127.0.0.1", port: smtp.port },
    lists: { bpf: { archive: pi.inboxUrl("bpf"), ...list } },
  }));
  const stop = async () => {
    store.close();
    await smtp.stop();
    await pi.stop();
    await Deno.remove(dir, { recursive: true });
  };
  return { smtp, store, config, stop };
}

Deno.test({
  name:
    "worker: a failing review is retried, then the series is marked failed; embargo holds the reply",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { smtp, store, config, stop } = await world({
      address: "bpf@vger.kernel.org",
      reply_to: "author",
      embargo_minutes: 30,
    });
    try {
      let now = new Date(POSTED + 10 * 60_000);
      let calls = 0;
      let failing = true;
      const review: Reviewer = (_id, ctx) => {
        calls++;
        return failing
          ? Promise.reject(new Error("emulator crashed"))
          : Promise.resolve(sampleReport(ctx.series));
      };
      const deps: WatchDeps = {
        store,
        config,
        review,
        send: async (r) => ({ messageId: (await sendSmtp(config.smtp!, r)).messageId }),
        leaseMs: 20,
        now: () => now,
      };
      await store.putSeries(seriesRecord(series, "bpf", "queued", now.toISOString()));
      await store.enqueue({ kind: "review", messageId: series.messageId });

      // Five attempts, each after the lease ran out; then the job is dropped.
      for (let i = 1; i <= 5; i++) {
        await new Promise((r) => setTimeout(r, 30));
        const r = await workOnce(deps);
        assert.equal(r?.outcome, "failed");
        assert.match(r!.reason, /emulator crashed/);
      }
      assert.equal(calls, 5);
      assert.deepEqual(await store.pendingJobs(), []);
      assert.equal((await store.getSeries(series.messageId))?.state, "failed");

      // Queued again and reviewed: inside the embargo, no mail yet.
      failing = false;
      await store.enqueue({ kind: "review", messageId: series.messageId });
      const held = await workOnce(deps);
      assert.equal(held?.outcome, "skipped");
      assert.match(held!.reason, /^embargo: 30 min/);
      assert.equal(smtp.received.length, 0);
      now = new Date(POSTED + 25 * 60_000);
      await watchOnce(deps);
      assert.equal(await workOnce(deps), null, "still embargoed");
      now = new Date(POSTED + 31 * 60_000);
      await watchOnce(deps);
      const sent = await workOnce(deps);
      assert.equal(sent?.outcome, "sent");
      await smtp.waitFor(1);
      assert.deepEqual(smtp.received[0].to, ["alexis.lothore@bootlin.com"]);
      assert.equal(calls, 6, "the stored review is reused, not redone");
      assert.equal(await workOnce(deps), null);
    } finally {
      await stop();
    }
  },
});

Deno.test({
  name: "worker: a reply recorded by a run that died before sending is sent once by the next",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { smtp, store, config, stop } = await world({ reply_to: "author" });
    try {
      const deps: WatchDeps = {
        store,
        config,
        review: () => Promise.reject(new Error("the stored review must be used")),
        send: async (r) => ({ messageId: (await sendSmtp(config.smtp!, r)).messageId }),
        leaseMs: 60_000,
      };
      // State as a killed run leaves it: review stored, reply recorded, job pending.
      const report = sampleReport(series);
      await store.putSeries(seriesRecord(series, "bpf", "reviewed", new Date().toISOString()));
      await store.putReview({ messageId: series.messageId, at: "x", report, status: 1 });
      const [text] = renderReply(report, series, {
        from: config.from,
        to: ["alexis.lothore@bootlin.com"],
        cc: [],
        dashboardBase: config.dashboardBase,
        contact: config.contact,
      });
      await store.recordReply({
        key: `${series.messageId}|email:x`,
        messageId: series.messageId,
        target: "email:x",
        text,
        state: "recorded",
        reason: null,
        recordedAt: new Date().toISOString(),
        sentAt: null,
        replyMessageId: null,
      });
      await store.enqueue({ kind: "review", messageId: series.messageId });
      const r = await workOnce(deps);
      assert.equal(r?.outcome, "sent", r?.reason);
      await smtp.waitFor(1);
      assert.equal(await workOnce(deps), null);
      await store.enqueue({ kind: "review", messageId: series.messageId });
      const again = await workOnce(deps);
      assert.deepEqual(again?.sent, [], "a sent reply is not sent again");
      assert.equal(smtp.received.length, 1);
      assert.deepEqual((await store.listReplies(series.messageId)).map((x) => x.state), ["sent"]);
    } finally {
      await stop();
    }
  },
});
