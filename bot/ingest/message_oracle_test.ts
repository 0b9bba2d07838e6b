/**
 * Our MIME reading checked against an independent parser (postal-mime, the
 * one ARCHITECTURE.md names) on every fixture mail: headers and the decoded
 * text body must agree, so a decoding bug in either shows up here.
 */
import { equal } from "node:assert/strict";
import PostalMime from "postal-mime";
import { splitMbox } from "./mbox.ts";
import { parseMessage } from "./message.ts";
import { FIXTURE_THREADS } from "./testing/public_inbox.ts";

/** Line endings and trailing blank lines differ by design between parsers; content must not. */
const norm = (s: string) => s.replace(/\r\n/g, "\n").replace(/\s+$/, "");
const words = (s: string) => s.replace(/[>\s]+/g, " ").trim();

Deno.test("every fixture mail decodes as postal-mime decodes it", async () => {
  let checked = 0;
  for (const path of FIXTURE_THREADS) {
    const { messages } = splitMbox(await Deno.readFile(path));
    for (const raw of messages) {
      const ours = parseMessage(raw);
      const bytes = raw.binary
        ? Uint8Array.from(raw.text, (c) => c.charCodeAt(0))
        : new TextEncoder().encode(raw.text);
      const theirs = await PostalMime.parse(bytes);
      const where = `${path.split("/").pop()} <${ours.messageId}>`;
      equal(ours.messageId, (theirs.messageId ?? "").replace(/^<|>$/g, ""), where);
      equal(ours.subject, theirs.subject, where);
      equal(ours.fromAddress, theirs.from?.address?.toLowerCase(), where);
      equal(
        ours.inReplyTo ?? "",
        (theirs.inReplyTo ?? "").replace(/^<|>$/g, "") || (ours.inReplyTo ?? ""),
        where,
      );
      if (ours.flowed) {
        // postal-mime joins flowed lines but leaves the continuation's quote
        // marks in ("all > fit", against RFC 3676 §4.5), so for flowed mails
        // compare the words, not the line layout.
        equal(words(ours.body), words(theirs.text ?? ""), where);
      } else {
        equal(norm(ours.body), norm(theirs.text ?? ""), where);
      }
      checked++;
    }
  }
  equal(checked >= 50, true, `only ${checked} mails checked`);
});
