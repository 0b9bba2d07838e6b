/**
 * Dry run (the default for `review`): the reply as text, headers then body,
 * exactly as it would be handed to SMTP.
 *
 * @module
 */

import type { ReplyText } from "../report/types.ts";

/** One reply as an RFC 822-looking text block (headers, blank line, body). */
export function formatReply(reply: ReplyText): string {
  const head = Object.entries(reply.headers).map(([k, v]) => `${k}: ${v}`).join("\n");
  return `${head}\n\n${reply.body.endsWith("\n") ? reply.body : reply.body + "\n"}`;
}

/** Several replies, separated as an mbox would be (`From trampolint` lines). */
export function formatReplies(replies: ReplyText[]): string {
  if (replies.length === 0) return "(no reply: nothing to send)\n";
  return replies.map((r) => `From trampolint ${new Date(0).toUTCString()}\n${formatReply(r)}`).join(
    "\n",
  );
}
