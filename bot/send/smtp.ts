/**
 * Sending a reply mail over SMTP with nodemailer (issue 6, "Sending").
 * The rendered headers are sent as they are: Message-ID, In-Reply-To and
 * References thread the reply; nodemailer adds Date and encodes non-ASCII
 * header text (RFC 2047) and the body.
 *
 * @module
 */

import nodemailer from "nodemailer";
import type { ReplyText } from "../report/types.ts";
import type { SmtpConfig } from "../policy/types.ts";

/** What the server said. */
export interface SmtpResult {
  /** Message-ID sent, without angle brackets. */
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** The server's final reply line ("250 OK: message queued"). */
  response: string;
}

/** Headers nodemailer writes itself from the message fields. */
const OWN = new Set([
  "from",
  "to",
  "cc",
  "subject",
  "message-id",
  "in-reply-to",
  "references",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
]);

function list(v: string | undefined): string[] {
  return (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/** Sends one reply; throws with the server's answer when it is refused. */
export async function sendSmtp(
  cfg: SmtpConfig,
  reply: ReplyText,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Promise<SmtpResult> {
  const h = reply.headers;
  for (const k of ["From", "To", "Subject"]) {
    if (!h[k]) throw new Error(`sendSmtp: the reply has no ${k} header`);
  }
  const user = cfg.userEnv ? env(cfg.userEnv) : undefined;
  const pass = cfg.passwordEnv ? env(cfg.passwordEnv) : undefined;
  if (cfg.userEnv && !user) {
    throw new Error(`sendSmtp: environment variable ${cfg.userEnv} is not set`);
  }
  if (cfg.passwordEnv && !pass) {
    throw new Error(`sendSmtp: environment variable ${cfg.passwordEnv} is not set`);
  }
  const transport = nodemailer.createTransport({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    auth: user ? { user, pass } : undefined,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (!OWN.has(k.toLowerCase())) extra[k] = v;
  try {
    const info = await transport.sendMail({
      from: h.From,
      to: list(h.To),
      cc: list(h.Cc),
      subject: h.Subject,
      messageId: h["Message-ID"],
      inReplyTo: h["In-Reply-To"],
      references: h.References,
      headers: extra,
      text: reply.body,
      textEncoding: "quoted-printable",
    });
    return {
      messageId: String(info.messageId ?? "").replace(/^<|>$/g, ""),
      accepted: (info.accepted ?? []).map(String),
      rejected: (info.rejected ?? []).map(String),
      response: String(info.response ?? ""),
    };
  } catch (e) {
    throw new Error(`SMTP ${cfg.host}:${cfg.port} refused the mail: ${(e as Error).message}`);
  } finally {
    transport.close();
  }
}
