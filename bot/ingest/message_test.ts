import { deepStrictEqual, equal } from "node:assert/strict";
import { looksLikeMail, parseMessage } from "./message.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("headers: folded, encoded words, ids, addresses, date", () => {
  const m = parseMessage(enc(
    "From: =?utf-8?q?Alexis_Lothor=C3=A9?= <alexis.lothore@bootlin.com>\n" +
      'To: bpf@vger.kernel.org,\n  "Doe, Jane" <jane@example.org>\n' +
      "Subject: [PATCH bpf-next 1/2] bpf: a\n very long subject\n" +
      "Date: Wed, 09 Jul 2025 10:36:55 +0200\n" +
      "Message-ID: <20250709-x-v1-1-abc@bootlin.com>\n" +
      "In-Reply-To: <20250709-x-v1-0-abc@bootlin.com>\n" +
      "References: <20250709-x-v1-0-abc@bootlin.com>\n\nbody\n",
  ));
  equal(m.from, "Alexis Lothoré <alexis.lothore@bootlin.com>");
  equal(m.fromAddress, "alexis.lothore@bootlin.com");
  deepStrictEqual(m.to, ["bpf@vger.kernel.org", "Doe, Jane <jane@example.org>"]);
  equal(m.subject, "[PATCH bpf-next 1/2] bpf: a very long subject");
  equal(m.messageId, "20250709-x-v1-1-abc@bootlin.com");
  equal(m.inReplyTo, "20250709-x-v1-0-abc@bootlin.com");
  equal(m.time, Date.UTC(2025, 6, 9, 8, 36, 55));
  equal(m.messageIdSynthetic, false);
});

Deno.test("quoted-printable format=flowed body: body joined, rawBody kept", () => {
  const m = parseMessage(enc(
    "From: a@b\nSubject: Re: x\nContent-Type: text/plain; charset=UTF-8; format=flowed\n" +
      "Content-Transfer-Encoding: quoted-printable\n\nLothor=C3=A9 said this is =\nlong \nand flowed\n",
  ));
  equal(m.flowed, true);
  equal(m.rawBody, "Lothoré said this is long \nand flowed\n");
  equal(m.body, "Lothoré said this is long and flowed\n");
});

Deno.test("base64 patch body and latin-1 charset", () => {
  const b64 = btoa("diff --git a/x b/x\n");
  const m = parseMessage(enc(
    `From: a@b\nSubject: [PATCH] x\nContent-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n${b64}\n`,
  ));
  equal(m.rawBody, "diff --git a/x b/x\n");
  const bytes = new Uint8Array([
    ...enc("From: a@b\nContent-Type: text/plain; charset=ISO-8859-1\n\nCc: Jos"),
    0xe9,
    10,
  ]);
  equal(parseMessage(bytes).body, "Cc: José\n");
});

Deno.test("multipart: text/plain is the body, an attached patch is kept as text", () => {
  const m = parseMessage(enc(
    'From: a@b\nSubject: s\nContent-Type: multipart/mixed; boundary="XX"\n\npreamble\n--XX\n' +
      "Content-Type: text/plain\n\nsee attached\n--XX\nContent-Type: text/x-patch; name=fix.patch\n" +
      "Content-Disposition: attachment; filename=fix.patch\n\ndiff --git a/f b/f\n--XX--\n",
  ));
  equal(m.body, "see attached");
  equal(m.attachments.length, 1);
  equal(m.attachments[0].filename, "fix.patch");
  equal(m.attachments[0].text, "diff --git a/f b/f");
});

Deno.test("missing Message-ID gets a synthetic, flagged id; non-mail detection", () => {
  const m = parseMessage(enc("From: a@b\nSubject: s\n\nx"));
  equal(m.messageIdSynthetic, true);
  equal(m.messageId.endsWith("@trampolint.invalid"), true);
  equal(looksLikeMail(enc("From: a@b\nSubject: s\n\nx")), true);
  equal(looksLikeMail(enc("just some text\nwith lines")), false);
  equal(looksLikeMail(new Uint8Array([0, 1, 2, 3, 255])), false);
});
