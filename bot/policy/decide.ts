/**
 * Whether to send a reply for a reviewed series, and to whom (issue 6,
 * "Policy"). The default policy answers nobody: results go to the dashboard
 * only, until a list's owner turns replies on.
 *
 * @module
 */

import type { Report } from "../report/types.ts";
import type { Series } from "../series/types.ts";
import { hasFindings } from "../email/render.ts";
import type { Decision, ListPolicy, ReplyHistory } from "./types.ts";

const HOUR_MS = 3_600_000;

/** True when `address` matches an ignore entry (exact, or `*@domain`). */
export function isIgnored(address: string, ignored: string[]): boolean {
  const a = address.toLowerCase();
  return ignored.some((p) => p.startsWith("*@") ? a.endsWith(p.slice(1)) : a === p);
}

function bare(addr: string): string {
  return (addr.match(/<([^>]+)>/)?.[1] ?? addr).trim().toLowerCase();
}

/** Decides about one reply; see the module doc and bot/policy/README.md for the order of rules. */
export function decide(
  policy: ListPolicy,
  report: Report,
  series: Series,
  history: ReplyHistory,
): Decision {
  const no = (reason: string, retryAt: string | null = null): Decision => ({
    send: false,
    to: [],
    cc: [],
    reason,
    retryAt,
  });
  if (!policy.track) return no(`list ${policy.name} is not tracked`);
  if (policy.replyTo === "none") return no("reply_to = none (dashboard only)");
  const ids = [
    series.messageId,
    ...series.patches.map((p) => p.message.messageId),
    ...(series.cover?.references.slice(0, 1) ?? []),
  ];
  const muted = ids.find((id) => policy.mute.includes(id));
  if (muted) return no(`muted: ${muted}`);
  const author = series.authorAddress.toLowerCase();
  if (isIgnored(author, policy.ignoredAddresses)) return no(`ignored address: ${author}`);
  if (policy.quietOnSuccess && !hasFindings(report)) return no("nothing found (quiet on success)");
  if (history.seriesReplies.some((r) => r.state === "sent" || r.state === "recorded")) {
    return no("already replied to this series");
  }
  const now = history.now.getTime();
  const posted = Date.parse(series.date);
  if (policy.embargoMinutes > 0 && Number.isFinite(posted)) {
    const until = posted + policy.embargoMinutes * 60_000;
    if (now < until) {
      return no(
        `embargo: ${policy.embargoMinutes} min after posting`,
        new Date(until).toISOString(),
      );
    }
  }
  const recent = history.sentTimes.map(Date.parse).filter((t) => now - t < HOUR_MS).sort((a, b) =>
    a - b
  );
  if (recent.length >= policy.maxRepliesPerHour) {
    const retry = recent.length ? new Date(recent[0] + HOUR_MS).toISOString() : null;
    return no(
      `rate limit: ${recent.length} replies in the last hour (max ${policy.maxRepliesPerHour})`,
      retry,
    );
  }
  if (policy.replyTo === "author") {
    return { send: true, to: [author], cc: [], reason: "reply to the author only", retryAt: null };
  }
  // reply_to = list: answer as a reviewer would, to the author with the list and the
  // thread's recipients copied (reply-all), minus ignored addresses.
  const first = series.cover ?? series.patches[0]?.message;
  const cc: string[] = [];
  for (const a of [policy.address!, ...(first?.to ?? []), ...(first?.cc ?? [])]) {
    const b = bare(a);
    if (!b.includes("@") || b === author || isIgnored(b, policy.ignoredAddresses)) continue;
    if (!cc.includes(b)) cc.push(b);
  }
  return {
    send: true,
    to: [author],
    cc,
    reason: `reply on the list (${policy.address})`,
    retryAt: null,
  };
}
