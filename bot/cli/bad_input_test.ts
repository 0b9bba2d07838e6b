/**
 * The CLI on bad input, run as a user runs it (a subprocess): every case
 * ends with a specific message and exit code 2, never a crash (exit 1) or a
 * hang, and memory stays bounded.
 */
import { equal, match } from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { review } from "./testing.ts";

async function tmpFile(name: string, data: Uint8Array | string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "trampolint-bad-" });
  const path = `${dir}/${name}`;
  await Deno.writeFile(path, typeof data === "string" ? new TextEncoder().encode(data) : data);
  return path;
}

const mail = (i: number, extra = "") =>
  `From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: A <a@x>\nSubject: [PATCH 1/1] x\nDate: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <m${i}@x>\n${extra}\nbody ${i}\n\n`;

Deno.test("empty file", async () => {
  const r = await review([await tmpFile("empty.mbox", ""), "--offline"]);
  equal(r.code, 2);
  match(r.stderr, /is empty/);
});

Deno.test("truncated gzip", async () => {
  const gz = gzipSync(new TextEncoder().encode(mail(1).repeat(200) + "tail " + Math.random()));
  const r = await review([await tmpFile("t.mbox.gz", gz.subarray(0, gz.length - 20)), "--offline"]);
  equal(r.code, 2);
  match(r.stderr, /gzip data is truncated or corrupt/);
});

Deno.test("1 GiB decompression bomb", async () => {
  const member = gzipSync(new Uint8Array(16 << 20), { level: 9 });
  const bomb = new Uint8Array(member.length * 64);
  for (let i = 0; i < 64; i++) bomb.set(member, i * member.length);
  const r = await review([await tmpFile("bomb.mbox.gz", bomb), "--offline"]);
  equal(r.code, 2);
  match(r.stderr, /decompression cap/);
});

Deno.test("a non-mail file", async () => {
  const r = await review([
    await tmpFile("picture.png", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3])),
    "--offline",
  ]);
  equal(r.code, 2);
  match(r.stderr, /is not mail/);
});

Deno.test("an unknown message-id offline", async () => {
  const r = await review(["does-not-exist-4711@example.org", "--offline"]);
  equal(r.code, 2);
  match(r.stderr, /not in the embedded archive/);
});

Deno.test("an argument that is neither file, URL nor message-id", async () => {
  const r = await review(["no-such-file.mbox", "--offline"]);
  equal(r.code, 2);
  match(r.stderr, /not a file, a directory, an http\(s\) URL or a message-id/);
});

Deno.test("bad options are usage errors", async () => {
  const r = await review(["x@y", "--timeout", "soon"]);
  equal(r.code, 2);
  match(r.stderr, /--timeout wants a non-negative number/);
});

Deno.test("a thread with 5000 messages is read whole", async () => {
  let box =
    "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: A <a@x>\nSubject: [PATCH 0/1] big\nDate: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <root@x>\n\ncover\n\n";
  box +=
    "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: A <a@x>\nSubject: [PATCH 1/1] big\nDate: Mon, 1 Jan 2024 10:01:00 +0000\nMessage-ID: <p1@x>\nIn-Reply-To: <root@x>\nReferences: <root@x>\n\n" +
    "---\ndiff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n+b\n\n";
  for (let i = 0; i < 4998; i++) {
    box +=
      `From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: R <r@x>\nSubject: Re: [PATCH 1/1] big\nDate: Mon, 1 Jan 2024 11:00:00 +0000\nMessage-ID: <r${i}@x>\nIn-Reply-To: <${
        i % 7 === 0 ? "p1" : `r${i - 1}`
      }@x>\nReferences: <root@x> <p1@x>\n\n>From quoted\nok\n\n`;
  }
  const r = await review([await tmpFile("big.mbox", box), "--offline", "--json"]);
  equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  equal(j.input.messages, 5000);
  equal(j.series.replies, 4998);
  equal(j.series.patches[0].files[0].path, "f.c");
});

Deno.test("more messages than --max-messages", async () => {
  const r = await review([
    await tmpFile("many.mbox", mail(1).repeat(1) + mail(2) + mail(3)),
    "--offline",
    "--max-messages",
    "2",
  ]);
  equal(r.code, 2);
  match(r.stderr, /more than 2 messages/);
});
