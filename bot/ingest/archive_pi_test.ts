/** The archive client against a real public-inbox-httpd serving our fixture threads. */
import { equal, ok, rejects } from "node:assert/strict";
import { fetchNewAtom, fetchRaw, fetchThread, searchArchive } from "./archive.ts";
import { splitMbox } from "./mbox.ts";
import { parseMessage } from "./message.ts";
import { FIXTURE_THREADS, startPublicInbox } from "./testing/public_inbox.ts";

Deno.test("public-inbox endpoints through the client", async (t) => {
  const server = await startPublicInbox({
    inboxes: [{ name: "bpf", address: "bpf@vger.kernel.org", mboxes: FIXTURE_THREADS }],
  });
  const opts = { inboxUrl: server.inboxUrl("bpf"), retries: 0 };
  try {
    await t.step("raw: one message, mboxrd-framed", async () => {
      const bytes = await fetchRaw(opts, "Yp4s7eNGvb2CNtPp@FVFF77S0Q05N.cambridge.arm.com");
      const { messages, format } = splitMbox(bytes);
      equal(format, "mboxrd");
      equal(messages.length, 1);
      const m = parseMessage(messages[0]);
      equal(m.from, "Mark Rutland <mark.rutland@arm.com>");
      equal(m.inReplyTo, "40fda0b0-0efc-ea1b-96d5-e51a4d1593dd@huawei.com");
    });
    await t.step("t.mbox.gz: the whole thread from any of its messages", async () => {
      const fromReply = splitMbox(
        await fetchThread(opts, "Yp4s7eNGvb2CNtPp@FVFF77S0Q05N.cambridge.arm.com"),
      );
      equal(fromReply.messages.length, 13);
      const fromCover = splitMbox(
        await fetchThread(opts, "20220518131638.3401509-1-xukuohai@huawei.com"),
      );
      equal(fromCover.messages.length, 13);
    });
    await t.step("search (POST x=m): subject and author terms", async () => {
      const hits = splitMbox(
        await searchArchive(opts, "s:structs s:stack f:alexis.lothore@bootlin.com"),
      )
        .messages.map(parseMessage);
      ok(hits.length >= 1);
      ok(hits.every((m) => /structs on stack/i.test(m.subject)));
      const none = await searchArchive(opts, "s:zzzznotawordzzzz");
      equal(none.length, 0);
    });
    await t.step("new.atom: newest first, ids decoded", async () => {
      const entries = await fetchNewAtom(opts);
      ok(entries.length >= 20);
      ok(entries.some((e) => e.messageId === "20260402012727.3916819-1-yonghong.song@linux.dev"));
      const times = entries.map((e) => Date.parse(e.updated));
      ok(times.every((x, i) => i === 0 || times[i - 1] >= x), "newest first");
    });
    await t.step("unknown id: not-found", async () => {
      await rejects(fetchRaw(opts, "absent@example.org"), /is not in/);
    });
  } finally {
    await server.stop();
  }
});
