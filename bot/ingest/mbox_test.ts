import { equal, throws } from "node:assert/strict";
import { looksLikeMbox, splitMbox } from "./mbox.ts";
import { parseMessage } from "./message.ts";

const enc = (s: string) => new TextEncoder().encode(s);

const mail = (id: string, body: string) =>
  `From: A <a@example.org>\nSubject: s ${id}\nMessage-ID: <${id}@x>\n\n${body}`;

Deno.test("mboxrd: separators, one level of >From unescaped", () => {
  const box =
    `From mboxrd@z Thu Jan  1 00:00:00 1970\n${mail("1", ">From here\n>>From there\n")}\n` +
    `From mboxrd@z Thu Jan  1 00:00:00 1970\n${mail("2", "x\n")}\n`;
  const r = splitMbox(enc(box));
  equal(r.format, "mboxrd");
  equal(r.messages.length, 2);
  const first = parseMessage(r.messages[0]);
  equal(first.body, "From here\n>From there\n");
  equal(parseMessage(r.messages[1]).messageId, "2@x");
});

Deno.test("mboxo: bodies left as they are, CRLF tolerated", () => {
  const box =
    `From a@b Mon Jan  1 00:00:00 2024\r\n${
      mail("1", ">From kept\n").replaceAll("\n", "\r\n")
    }\r\n` +
    `From a@b Mon Jan  1 00:00:00 2024\r\n${mail("2", "y\n").replaceAll("\n", "\r\n")}`;
  const r = splitMbox(enc(box));
  equal(r.format, "mboxo");
  equal(r.messages.length, 2);
  equal(parseMessage(r.messages[0]).body, ">From kept\n");
});

Deno.test("a 'From ' body line without a preceding blank line is not a separator", () => {
  const box = `From x Mon Jan  1 00:00:00 2024\n${mail("1", "line\nFrom the start\n")}`;
  equal(splitMbox(enc(box)).messages.length, 1);
});

Deno.test("message cap and non-mbox input give clear errors", () => {
  const one = `From mboxrd@z Thu Jan  1 00:00:00 1970\n${mail("n", "b\n")}\n`;
  throws(() => splitMbox(enc(one.repeat(5)), "auto", 3), /more than 3 messages/);
  throws(() => splitMbox(enc("hello")), /not an mbox/);
  equal(
    looksLikeMbox(enc("From mboxrd@z Thu Jan 1 00:00:00 1970 Received: from x Subject: flattened")),
    false,
  );
});

Deno.test("separator blank line is not part of the message", () => {
  const box = `From mboxrd@z Thu Jan  1 00:00:00 1970\n${mail("1", "last line\n")}\n` +
    `From mboxrd@z Thu Jan  1 00:00:00 1970\n${mail("2", "z\n")}`;
  equal(splitMbox(enc(box)).messages[0].text.endsWith("last line\n"), true);
});
