import assert from "node:assert/strict";
import PostalMime from "postal-mime";
import { sendSmtp } from "./smtp.ts";
import { startSmtpServer } from "./testing/smtp_server.ts";
import { renderReply } from "../email/render.ts";
import { sampleReport, seriesFromMbox, THREADS } from "../email/testing/sample.ts";
import type { SmtpConfig } from "../policy/types.ts";

const series = await seriesFromMbox(`${THREADS}many_args_arm64-v1.mbox`);
const [reply] = renderReply(sampleReport(series), series, {
  from: "trampolint <trampolint@bots.example.org>",
  to: ["Alexis Lothoré <alexis.lothore@bootlin.com>"],
  cc: ["bpf@vger.kernel.org"],
  dashboardBase: "https://trampolint.example.org",
  contact: "owner@bots.example.org",
});
const cfg = (port: number): SmtpConfig => ({
  host: "127.0.0.1",
  port,
  secure: false,
  userEnv: null,
  passwordEnv: null,
});

Deno.test("a reply sent over SMTP arrives threaded, plain text, with the rendered body", async () => {
  const server = await startSmtpServer();
  try {
    const res = await sendSmtp(cfg(server.port), reply);
    assert.deepEqual(res.accepted.sort(), ["alexis.lothore@bootlin.com", "bpf@vger.kernel.org"]);
    assert.match(res.response, /^250/);
    await server.waitFor(1);
    assert.equal(server.received.length, 1);
    const got = server.received[0];
    assert.equal(got.from, "trampolint@bots.example.org");
    assert.deepEqual(got.to.sort(), ["alexis.lothore@bootlin.com", "bpf@vger.kernel.org"]);
    const raw = new TextDecoder().decode(got.raw);
    assert.match(raw, /^MIME-Version: 1\.0\r?$/m);
    assert.match(raw, /^Content-Type: text\/plain; charset=utf-8\r?$/m);
    assert.doesNotMatch(raw, /pw-bot/i);
    const mail = await PostalMime.parse(got.raw);
    assert.equal(mail.subject, reply.headers.Subject);
    assert.equal(mail.messageId, reply.headers["Message-ID"]);
    assert.equal(mail.inReplyTo, `<${series.patches[1].message.messageId}>`);
    assert.equal(mail.references, reply.headers.References);
    assert.equal(mail.to?.[0].name, "Alexis Lothoré");
    assert.equal(mail.to?.[0].address, "alexis.lothore@bootlin.com");
    assert.equal(mail.cc?.[0].address, "bpf@vger.kernel.org");
    assert.equal(mail.from?.address, "trampolint@bots.example.org");
    assert.equal(
      mail.headers.find((x) => x.key === "x-trampolint-series")?.value,
      `<${series.messageId}>`,
    );
    assert.equal(mail.text?.replace(/\r\n/g, "\n").trimEnd(), reply.body.trimEnd());
    assert.ok(mail.date, "a Date header was added");
    assert.equal(mail.attachments.length, 0);
    assert.equal(mail.html, undefined);
  } finally {
    await server.stop();
  }
});

Deno.test("a refused recipient and an unreachable server are clear errors", async () => {
  const server = await startSmtpServer({ rejectRcpt: "alexis.lothore@bootlin.com" });
  try {
    const only = { ...reply, headers: { ...reply.headers, Cc: "" } };
    await assert.rejects(
      sendSmtp(cfg(server.port), only),
      /SMTP 127\.0\.0\.1:\d+ refused the mail: .*550/,
    );
    assert.equal(server.received.length, 0);
  } finally {
    await server.stop();
  }
  await assert.rejects(sendSmtp(cfg(server.port), reply), /SMTP 127\.0\.0\.1:\d+ refused the mail/);
  await assert.rejects(
    sendSmtp({ ...cfg(1), userEnv: "TRAMPOLINT_NO_SUCH_VAR" }, reply),
    /environment variable TRAMPOLINT_NO_SUCH_VAR is not set/,
  );
});
