import assert from "node:assert/strict";
import PostalMime from "postal-mime";
import { startSmtpServer } from "../send/testing/smtp_server.ts";
import { sendSmtp } from "../send/smtp.ts";
import { commentOnPullRequest } from "../send/github.ts";
import { startGithubApi } from "../send/testing/github_api.ts";
import { openKvStore } from "../store/kv.ts";
import { parseConfig } from "../policy/config.ts";
import { THREADS } from "../email/testing/sample.ts";
import { fetchNewAtom } from "../ingest/archive.ts";
import { review } from "./testing/slow_review.ts";
import { partialMbox, postToInbox, startBpfInbox } from "./testing/post.ts";
import { isWatchedPath } from "./files.ts";
import { watchOnce } from "./poll.ts";
import { workOnce } from "./work.ts";
import type { WatchDeps } from "./types.ts";

const SERIES = "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com";
const PATCH2 = "20250411-many_args_arm64-v1-2-0a32fe72339e@bootlin.com";

Deno.test("watched paths", () => {
  assert.ok(isWatchedPath("arch/arm64/net/bpf_jit_comp.c"));
  assert.ok(isWatchedPath("arch/riscv/net/bpf_jit_comp64.c"));
  assert.ok(isWatchedPath("kernel/bpf/trampoline.c"));
  assert.ok(isWatchedPath("tools/testing/selftests/bpf/test_kmods/bpf_testmod.c"));
  assert.ok(!isWatchedPath("arch/arm64/net/Makefile"));
  assert.ok(!isWatchedPath("kernel/bpf/verifier.c"));
  assert.ok(!isWatchedPath("arch/arm64/kernel/bpf_jit_comp.c"));
});

Deno.test({
  name: "watcher: a series posted in two parts waits, then is reviewed and answered once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const pi = await startBpfInbox();
    const smtp = await startSmtpServer();
    const gh = await startGithubApi({
      repo: "kernel-patches/bpf",
      token: "tok",
      pulls: [{ number: 7, title: "bpf, arm64: support up to 12 arguments", headRef: "series/1" }],
    });
    const dir = await Deno.makeTempDir({ prefix: "trampolint-watch-" });
    const store = await openKvStore(`${dir}/store.kv`);
    try {
      const config = parseConfig(JSON.stringify({
        from: "trampolint <trampolint@bots.example.org>",
        contact: "owner@bots.example.org",
        dashboard: "https://trampolint.example.org",
        smtp: { host: "127.0.0.1", port: smtp.port },
        github: { repo: "kernel-patches/bpf", api_url: gh.url },
        lists: {
          bpf: { archive: pi.inboxUrl("bpf"), address: "bpf@vger.kernel.org", reply_to: "list" },
        },
      }));
      const deps: WatchDeps = {
        store,
        config,
        review,
        send: async (r) => ({ messageId: (await sendSmtp(config.smtp!, r)).messageId }),
        comment: async (r, ctx) => ({
          url: (await commentOnPullRequest(config.github!, "tok", ctx.seriesSubject, r, ctx.key))
            .url,
        }),
        leaseMs: 60_000,
      };
      const first = await watchOnce(deps);
      assert.deepEqual(first[0].queued, [], "the backlog is marked seen, not reviewed");
      assert.equal(await workOnce(deps), null);

      const v1 = `${THREADS}many_args_arm64-v1.mbox`;
      await postToInbox(pi, "bpf", await partialMbox(v1, (i) => i <= 2)); // cover, 1/4, 2/4
      const second = await watchOnce(deps);
      assert.deepEqual(second[0].errors, []);
      assert.deepEqual(second[0].waiting, [SERIES]);
      assert.deepEqual(second[0].queued, []);
      assert.equal((await store.getSeries(SERIES))?.state, "waiting");
      assert.equal(await workOnce(deps), null);

      await postToInbox(pi, "bpf", await partialMbox(v1, (i) => i > 2)); // 3/4, 4/4, replies
      const third = await watchOnce(deps);
      assert.deepEqual(third[0].queued, [SERIES]);
      const rec = await store.getSeries(SERIES);
      assert.equal(rec?.total, 4);
      assert.equal(rec?.patches.length, 4);

      const done = await workOnce(deps);
      assert.equal(done?.outcome, "sent");
      assert.equal(done?.sent.length, 2, "one mail and one PR comment");
      await smtp.waitFor(1);
      const mail = await PostalMime.parse(smtp.received[0].raw);
      assert.equal(mail.inReplyTo, `<${PATCH2}>`);
      assert.equal(
        mail.subject,
        "Re: [PATCH RFC bpf-next 2/4] bpf, arm64: Support up to 12 function arguments",
      );
      assert.ok(mail.cc?.some((a) => a.address === "bpf@vger.kernel.org"));
      assert.match(mail.text ?? "", /observed: +ctx\[8\.\.9\] = stack\+8/);
      assert.equal((await store.getReview(SERIES))?.status, 1);
      const replies = await store.listReplies(SERIES);
      assert.deepEqual(replies.map((r) => [r.target, r.state]).sort(), [
        ["email:" + PATCH2, "sent"],
        ["github", "sent"],
      ]);
      assert.equal(gh.comments.length, 1);
      assert.equal(gh.comments[0].issue, 7);
      assert.match(gh.comments[0].body, /observed: +ctx\[8\.\.9\] = stack\+8/);
      assert.equal(
        replies.find((r) => r.target === "github")?.replyMessageId,
        `https://github.com/kernel-patches/bpf/pull/7#issuecomment-${gh.comments[0].id}`,
      );

      // Nothing more: no second job, no second mail on later polls.
      assert.equal(await workOnce(deps), null);
      assert.deepEqual((await watchOnce(deps))[0].queued, []);
      assert.equal(await workOnce(deps), null);
      assert.equal(smtp.received.length, 1);
      assert.equal(gh.comments.length, 1);
    } finally {
      await gh.close();
      store.close();
      await smtp.stop();
      await pi.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "watcher: a series that scrolled off new.atom is found by the dfn: catch-up search",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const pi = await startBpfInbox();
    const dir = await Deno.makeTempDir({ prefix: "trampolint-watch-gap-" });
    const store = await openKvStore(`${dir}/store.kv`);
    try {
      const config = parseConfig(JSON.stringify({
        lists: { bpf: { archive: pi.inboxUrl("bpf"), address: "bpf@vger.kernel.org" } },
      }));
      let now = new Date("2025-04-01T00:00:00Z");
      const deps: WatchDeps = {
        store,
        config,
        review,
        send: () => Promise.reject(new Error("no mail in this test")),
        leaseMs: 60_000,
        now: () => now,
      };
      await watchOnce(deps); // first poll, at the injected time
      // v1, then more than a feed page of newer mail on top of it.
      for (
        const f of [
          "many_args_arm64-v1",
          "many_args_arm64-v2",
          "arm64_relax_jit_comp",
          "stack_args",
        ]
      ) {
        await postToInbox(pi, "bpf", `${THREADS}${f}.mbox`);
      }
      const page = await fetchNewAtom({ inboxUrl: pi.inboxUrl("bpf") });
      assert.ok(!page.some((e) => e.messageId === SERIES), "precondition: v1 is off the feed page");
      now = new Date("2026-04-03T00:00:00Z");
      const [r] = await watchOnce(deps);
      assert.equal(r.searched, true);
      assert.deepEqual(r.errors, []);
      assert.ok(r.queued.includes(SERIES), `queued: ${r.queued.join(", ")}`);
      assert.equal((await store.getSeries(SERIES))?.state, "queued");
      // The next poll overlaps what was seen: no search, nothing queued twice.
      const [r2] = await watchOnce(deps);
      assert.equal(r2.searched, false);
      assert.deepEqual(r2.queued, []);
    } finally {
      store.close();
      await pi.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
