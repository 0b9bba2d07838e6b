/**
 * The product end to end, nothing stubbed: a real public-inbox-httpd (the
 * "bpf" list), a series posted into it, the watcher polling it, the real
 * reviewer (bot/review/mod.ts: linux-source-6.1 pre-images, git apply,
 * recognisers, trampolines emulated in Unicorn) and a real SMTP server that
 * receives the reply.
 */
import assert from "node:assert/strict";
import PostalMime from "postal-mime";
import { startSmtpServer } from "../send/testing/smtp_server.ts";
import { sendSmtp } from "../send/smtp.ts";
import { openKvStore } from "../store/kv.ts";
import { parseConfig } from "../policy/config.ts";
import { postToInbox, startBpfInbox } from "./testing/post.ts";
import { watchOnce } from "./poll.ts";
import { workOnce } from "./work.ts";
import type { WatchDeps } from "./types.ts";
import { closeReviewer, review } from "../review/mod.ts";
import { fullReviewUnavailable } from "../review/testing.ts";

const SERIES = new URL("../../fixtures/series/x86-12-args.mbox", import.meta.url).pathname;
const skip = await fullReviewUnavailable();

Deno.test({
  name: "e2e: a series posted to the list is reviewed for real and answered once, threaded",
  ignore: !!skip,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const pi = await startBpfInbox();
    const smtp = await startSmtpServer();
    const dir = await Deno.makeTempDir({ prefix: "trampolint-e2e-" });
    const store = await openKvStore(`${dir}/store.kv`);
    // a small corpus keeps the test quick: no real-kernel BTF, fentry only
    Deno.env.set("TRAMPOLINT_BTF", "none");
    try {
      const config = parseConfig(JSON.stringify({
        from: "trampolint <trampolint@bots.example.org>",
        contact: "owner@bots.example.org",
        dashboard: "https://trampolint.example.org",
        smtp: { host: "127.0.0.1", port: smtp.port },
        lists: {
          bpf: { archive: pi.inboxUrl("bpf"), address: "bpf@vger.kernel.org", reply_to: "list" },
        },
      }));
      const deps: WatchDeps = {
        store,
        config,
        review: (id, ctx) => review(id, ctx, () => {}),
        send: async (r) => ({ messageId: (await sendSmtp(config.smtp!, r)).messageId }),
        leaseMs: 600_000,
      };
      await watchOnce(deps); // the backlog is marked seen
      await postToInbox(pi, "bpf", SERIES);
      const [poll] = await watchOnce(deps);
      assert.equal(poll.queued.length, 1, JSON.stringify(poll));
      while (await workOnce(deps));
      const mails = smtp.received;
      assert.ok(mails.length >= 1, "the review found something and the policy says list");
      const cover = "20260310091500.41723-0-mara.lindqvist@example.org";
      const ids = new Set([
        cover,
        "20260310091500.41723-1-mara.lindqvist@example.org",
        "20260310091500.41723-2-mara.lindqvist@example.org",
      ]);
      for (const m of mails) {
        const p = await PostalMime.parse(m.raw);
        const irt = (p.inReplyTo ?? "").replace(/[<>]/g, "");
        assert.ok(ids.has(irt), `threaded under a message of the series: ${irt}`);
        assert.match(p.subject ?? "", /^Re: \[PATCH/);
        assert.doesNotMatch(p.text ?? "", /pw-bot:/);
        assert.match(p.text ?? "", /deno task review /);
      }
      const all = (await Promise.all(mails.map((m) => PostalMime.parse(m.raw))))
        .map((p) => p.text ?? "").join("\n");
      // the knob change the recogniser read, and an emulation finding with evidence
      assert.match(all, /maxSlots|12/);
      assert.match(all, /expected/);
      const review1 = await store.getReview(cover);
      assert.ok(review1, "the review is stored");
      assert.equal(review1.report.arches.x86_64?.after.endsWith("+v1"), true);
      // polling again sends nothing more
      await watchOnce(deps);
      while (await workOnce(deps));
      assert.equal(smtp.received.length, mails.length);
    } finally {
      Deno.env.delete("TRAMPOLINT_BTF");
      closeReviewer();
      store.close();
      await smtp.stop();
      await pi.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
