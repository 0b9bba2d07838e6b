import assert from "node:assert/strict";
import PostalMime from "postal-mime";
import { startSmtpServer } from "../send/testing/smtp_server.ts";
import { openKvStore } from "../store/kv.ts";
import { THREADS } from "../email/testing/sample.ts";
import { postToInbox, startBpfInbox } from "./testing/post.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const REVIEWER = new URL("./testing/slow_review.ts", import.meta.url).pathname;
const SERIES = "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com";

/** A watcher child process whose stderr is collected as it runs. */
function spawnWatcher(config: string, env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-kv",
      MAIN,
      "--config",
      config,
      "--review-module",
      REVIEWER,
      "--lease-seconds",
      "2",
    ],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const reading = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) log += dec.decode(chunk);
  })();
  return { child, log: () => log, reading };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test({
  name: "watcher killed (SIGKILL) in the middle of a review: after restart no lost job, one mail",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const pi = await startBpfInbox();
    const smtp = await startSmtpServer();
    const dir = await Deno.makeTempDir({ prefix: "trampolint-crash-" });
    const markers = `${dir}/markers`;
    await Deno.mkdir(markers);
    const config = `${dir}/trampolint.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        from: "trampolint <trampolint@bots.example.org>",
        contact: "owner@bots.example.org",
        store: `${dir}/store.kv`,
        poll_seconds: 0.3,
        smtp: { host: "127.0.0.1", port: smtp.port },
        lists: {
          bpf: { archive: pi.inboxUrl("bpf"), address: "bpf@vger.kernel.org", reply_to: "list" },
        },
      }),
    );
    const env = { TRAMPOLINT_TEST_MARKERS: markers };
    try {
      // Run 1: the review takes a minute; it is killed while reviewing.
      const a = spawnWatcher(config, { ...env, TRAMPOLINT_TEST_REVIEW_MS: "60000" });
      await until("the first poll", () => a.log().includes("first poll"));
      await postToInbox(pi, "bpf", `${THREADS}many_args_arm64-v1.mbox`);
      await until("the review to start", () => exists(`${markers}/started-1`));
      a.child.kill("SIGKILL");
      const status = await a.child.status;
      await a.reading;
      assert.equal(status.signal, "SIGKILL");
      assert.equal(smtp.received.length, 0, "no mail before the review finished");
      let store = await openKvStore(`${dir}/store.kv`);
      const pending = await store.pendingJobs();
      assert.equal(pending.length, 1, "the job survived the kill");
      assert.equal(pending[0].messageId, SERIES);
      assert.equal(pending[0].attempts, 1);
      assert.equal((await store.getSeries(SERIES))?.state, "reviewing");
      assert.equal(await store.getReview(SERIES), null);
      store.close();

      // Run 2: the lease runs out, the job comes back, the review is redone, one mail goes out.
      const b = spawnWatcher(config, { ...env, TRAMPOLINT_TEST_REVIEW_MS: "0" });
      await smtp.waitFor(1, 60_000);
      assert.ok(await exists(`${markers}/started-2`), "the review ran again after the restart");
      // Several more poll/work rounds: still exactly one mail.
      await new Promise((r) => setTimeout(r, 2000));
      b.child.kill("SIGTERM");
      const bStatus = await b.child.status;
      await b.reading;
      assert.equal(bStatus.code, 0, b.log());
      assert.equal(smtp.received.length, 1, b.log());
      assert.ok(!(await exists(`${markers}/started-3`)), "no third review");

      store = await openKvStore(`${dir}/store.kv`);
      assert.deepEqual(await store.pendingJobs(), []);
      assert.equal((await store.getSeries(SERIES))?.state, "reviewed");
      const replies = await store.listReplies(SERIES);
      assert.deepEqual(replies.map((r) => r.state), ["sent"]);
      store.close();
      const mail = await PostalMime.parse(smtp.received[0].raw);
      assert.equal(mail.messageId, `<${replies[0].replyMessageId}>`);
      assert.equal(mail.inReplyTo, "<20250411-many_args_arm64-v1-2-0a32fe72339e@bootlin.com>");
      assert.match(mail.references ?? "", new RegExp(`^<${SERIES}>`));

      // Run 3: a restart after everything is done sends nothing again.
      const c = spawnWatcher(config, { ...env, TRAMPOLINT_TEST_REVIEW_MS: "0" });
      await until("a poll of run 3", () => c.log().includes("watching bpf"));
      await new Promise((r) => setTimeout(r, 1500));
      c.child.kill("SIGTERM");
      await c.child.status;
      await c.reading;
      assert.equal(smtp.received.length, 1, c.log());
    } finally {
      await smtp.stop();
      await pi.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
