/**
 * `review --send`: the reply goes to a real SMTP server per the config's list
 * policy, recorded in the store first; a second run sends nothing.
 */
import assert from "node:assert/strict";
import PostalMime from "postal-mime";
import { review } from "./testing.ts";
import { startSmtpServer } from "../send/testing/smtp_server.ts";
import { fullReviewUnavailable } from "../review/testing.ts";

const FIX = new URL("../../fixtures/series/", import.meta.url).pathname;
const skip = await fullReviewUnavailable();

Deno.test({
  name: "review --send: one reply per message with findings, exactly once across runs",
  ignore: !!skip,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const smtp = await startSmtpServer();
    const dir = await Deno.makeTempDir({ prefix: "trampolint-send-" });
    try {
      await Deno.writeTextFile(
        `${dir}/cfg.json`,
        JSON.stringify({
          from: "trampolint <trampolint@bots.example.org>",
          contact: "owner@bots.example.org",
          dashboard: "https://trampolint.example.org",
          store: `${dir}/store.kv`,
          smtp: { host: "127.0.0.1", port: smtp.port },
          lists: { bpf: { archive: "https://lore.kernel.org/bpf/", reply_to: "author" } },
        }),
      );
      const args = [
        `${FIX}x86-12-args.mbox`,
        "--stage",
        "full",
        "--arch",
        "x86_64",
        "--no-real",
        "--send",
        "--config",
        `${dir}/cfg.json`,
      ];
      const r = await review(args);
      assert.equal(r.code, 1, r.stderr); // findings
      assert.match(r.stderr, /--send: sent/);
      const n = smtp.received.length;
      assert.ok(n >= 1);
      for (const m of smtp.received) {
        const p = await PostalMime.parse(m.raw);
        assert.deepEqual(m.to, ["mara.lindqvist@example.org"]);
        assert.match(p.text ?? "", /https:\/\/trampolint\.example\.org\/series\//);
      }
      const again = await review(args);
      assert.equal(again.code, 1, again.stderr);
      assert.equal(smtp.received.length, n, "nothing is sent twice");
      // a bad config is a clear error, exit 2
      await Deno.writeTextFile(`${dir}/bad.json`, `{"lists": {"bpf": {"reply_to": "everyone"}}}`);
      const bad = await review([...args.slice(0, -1), `${dir}/bad.json`]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /reply_to/);
    } finally {
      await smtp.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
