import assert from "node:assert/strict";
import { formatReplies, formatReply } from "./dry_run.ts";
import { splitMbox } from "../ingest/mbox.ts";
import { parseMessage } from "../ingest/message.ts";

Deno.test("dry run output reads back as mail with the same headers and body", () => {
  const reply = {
    headers: {
      From: "t <t@x.org>",
      To: "a@x.org",
      Subject: "Re: [PATCH] x",
      "In-Reply-To": "<p@x>",
    },
    body: "Hi A,\n\nline\n",
  };
  const text = formatReply(reply);
  assert.match(
    text,
    /^From: t <t@x.org>\nTo: a@x.org\nSubject: Re: \[PATCH\] x\nIn-Reply-To: <p@x>\n\nHi A,/,
  );
  const mbox = formatReplies([reply, {
    ...reply,
    headers: { ...reply.headers, "In-Reply-To": "<q@x>" },
  }]);
  const msgs = splitMbox(new TextEncoder().encode(mbox)).messages.map(parseMessage);
  assert.deepEqual(msgs.map((m) => m.inReplyTo), ["p@x", "q@x"]);
  assert.equal(msgs[0].body.trim(), "Hi A,\n\nline");
  assert.equal(formatReplies([]), "(no reply: nothing to send)\n");
});
