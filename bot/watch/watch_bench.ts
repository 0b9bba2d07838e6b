/**
 * Watcher delay: from a series reaching the archive (import + index done in
 * a real public-inbox; timing starts when the import returns) to its reply arriving at a real SMTP server, with a
 * 1 s poll interval and an instant reviewer (the test double), so the number
 * is the watcher's own overhead. Target (issue 6): under one poll interval
 * plus review time.
 *
 *   deno bench -A bot/watch/watch_bench.ts
 */

import { startSmtpServer } from "../send/testing/smtp_server.ts";
import { sendSmtp } from "../send/smtp.ts";
import { openKvStore } from "../store/kv.ts";
import { parseConfig } from "../policy/config.ts";
import { THREADS } from "../email/testing/sample.ts";
import { review } from "./testing/slow_review.ts";
import { postToInbox, startBpfInbox } from "./testing/post.ts";
import { watch } from "./loop.ts";
import { watchOnce } from "./poll.ts";

const pi = await startBpfInbox();
const smtp = await startSmtpServer();
const dir = await Deno.makeTempDir({ prefix: "trampolint-watch-bench-" });
const store = await openKvStore(`${dir}/store.kv`);
const config = parseConfig(JSON.stringify({
  poll_seconds: 1,
  smtp: { host: "127.0.0.1", port: smtp.port },
  lists: { bpf: { archive: pi.inboxUrl("bpf"), address: "bpf@vger.kernel.org", reply_to: "list" } },
}));
const deps = {
  store,
  config,
  review,
  send: async (r: Parameters<typeof sendSmtp>[1]) => ({
    messageId: (await sendSmtp(config.smtp!, r)).messageId,
  }),
  leaseMs: 60_000,
};
await watchOnce(deps); // the backlog is marked seen
const stop = new AbortController();
const loop = watch(deps, stop.signal);
const original = await Deno.readTextFile(`${THREADS}many_args_arm64-v1.mbox`);
let round = 0;

let cleanup: ReturnType<typeof setTimeout> | undefined;
async function shutdown() {
  stop.abort();
  await loop;
  store.close();
  await smtp.stop();
  await pi.stop();
  await Deno.remove(dir, { recursive: true });
  console.error(`watch_bench: ${round} rounds, servers stopped`);
}

Deno.bench({
  name: "watcher: archive → reply at the SMTP server (poll 1 s, instant review)",
  n: 5,
  warmup: 0,
  async fn(b) {
    round++;
    // A fresh copy of the series: same mails, new message-ids.
    const mbox = `${dir}/round-${round}.mbox`;
    await Deno.writeTextFile(mbox, original.replaceAll("0a32fe72339e@", `0a32fe72339e-r${round}@`));
    const before = smtp.received.length;
    await postToInbox(pi, "bpf", mbox, { index: false });
    b.start();
    await smtp.waitFor(before + 1, 60_000);
    b.end();
    // deno bench may call fn more often than n: clean up once calls stop coming.
    if (smtp.received.length !== before + 1) throw new Error("expected exactly one reply");
    clearTimeout(cleanup);
    cleanup = setTimeout(shutdown, 20_000);
  },
});
