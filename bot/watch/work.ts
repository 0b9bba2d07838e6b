/**
 * The worker: takes one job, reviews the series (unless a review is already
 * stored), decides per policy, records each reply atomically, sends it and
 * marks it sent (issue 6: "A reply is recorded atomically before it is sent
 * and is never sent twice").
 *
 * Crash safety: a job is only `done` after its replies are sent; a worker
 * killed at any point leaves the job leased, and it comes back after the
 * lease. A retried job finds the stored review and the recorded replies, so
 * it sends only what is recorded and not yet sent. The one window a crash can
 * still duplicate a mail is between the SMTP server's 250 and `markReply`;
 * the reply's Message-ID is stable (bot/email/render.ts), so archives and
 * readers see the same message twice, not two different ones.
 *
 * @module
 */

import { renderReply, replySubject } from "../email/render.ts";
import { decide } from "../policy/decide.ts";
import type { ListPolicy } from "../policy/types.ts";
import type { ReplyRecord, SeriesRecord } from "../store/types.ts";
import type { ReplyText, Report } from "../report/types.ts";
import type { Series } from "../series/types.ts";

import { fetchSeries } from "./poll.ts";
import type { WatchDeps } from "./types.ts";

/** What one job ended in. */
export interface WorkResult {
  jobId: string;
  messageId: string;
  outcome: "sent" | "skipped" | "failed";
  /** Replies sent by this run. */
  sent: string[];
  reason: string;
}

/** Jobs that fail this often are dropped (the series is marked failed). */
const MAX_ATTEMPTS = 5;

/** Takes and handles one job; null when the queue has none ready. */
export async function workOnce(deps: WatchDeps): Promise<WorkResult | null> {
  const job = await deps.store.nextJob(deps.leaseMs);
  if (!job) return null;
  const rec = await deps.store.getSeries(job.messageId);
  const fail = async (reason: string): Promise<WorkResult> => {
    deps.log?.(`<${job.messageId}>: attempt ${job.attempts} failed: ${reason}`);
    if (job.attempts >= MAX_ATTEMPTS || !rec) {
      if (rec) await deps.store.putSeries({ ...rec, state: "failed" });
      await deps.store.done(job.id);
    }
    return { jobId: job.id, messageId: job.messageId, outcome: "failed", sent: [], reason };
  };
  if (!rec) return await fail("no series record");
  const list = deps.config.lists.find((l) => l.name === rec.list);
  if (!list) return await fail(`list ${rec.list} is not in the configuration`);
  try {
    const result = await handle(deps, job.id, rec, list);
    await deps.store.done(job.id);
    return result;
  } catch (e) {
    return await fail((e as Error).message);
  }
}

async function handle(
  deps: WatchDeps,
  jobId: string,
  rec: SeriesRecord,
  list: ListPolicy,
): Promise<WorkResult> {
  const now = () => deps.now?.() ?? new Date();
  const series = await fetchSeries(list, rec.messageId);
  if (!series) throw new Error(`series <${rec.messageId}> is no longer in ${list.archive}`);
  let review = await deps.store.getReview(rec.messageId);
  if (!review) {
    await deps.store.putSeries({ ...rec, state: "reviewing" });
    // version-aware: the review of vN-1, when the bot made one
    const prev = series.previousVersion ? await deps.store.getReview(series.previousVersion) : null;
    const report = await deps.review(rec.messageId, {
      series,
      list,
      previous: prev?.report ?? null,
    });
    const status = report.failures.introduced.length ? 1 : 0;
    review = { messageId: rec.messageId, at: now().toISOString(), report, status };
    await deps.store.putReview(review);
    await deps.store.putSeries({ ...rec, state: "reviewed" });
  }
  return { jobId, ...await answerSeries(deps, series, review.report, list) };
}

/** What answering a reviewed series did. */
export interface AnswerResult {
  messageId: string;
  outcome: "sent" | "skipped";
  /** Reply keys sent by this call. */
  sent: string[];
  reason: string;
}

/**
 * Answers a reviewed series per policy: sends what an earlier, interrupted
 * run recorded; else decides, records every reply atomically, then sends
 * and marks each one. Used by the worker and by `review --send`.
 */
export async function answerSeries(
  deps: Omit<WatchDeps, "review" | "leaseMs">,
  series: Series,
  report: Report,
  list: ListPolicy,
): Promise<AnswerResult> {
  const now = () => deps.now?.() ?? new Date();
  const rec = { messageId: series.messageId, subject: series.subject };
  const base = { messageId: rec.messageId };
  // Replies recorded by an earlier, interrupted run are sent as recorded.
  const existing = await deps.store.listReplies(rec.messageId);
  if (existing.length) {
    const sent = await sendRecorded(deps, existing, list.name, rec.subject);
    return { ...base, outcome: "sent", sent, reason: "replies recorded earlier" };
  }
  const sentTimes = await deps.store.getState<string[]>(`sent:${list.name}`) ?? [];
  const decision = decide(list, report, series, {
    seriesReplies: existing,
    sentTimes,
    now: now(),
  });
  if (!decision.send) {
    if (decision.retryAt) await holdUntil(deps, rec.messageId, decision.retryAt);
    deps.log?.(`<${rec.messageId}>: no reply: ${decision.reason}`);
    return { ...base, outcome: "skipped", sent: [], reason: decision.reason };
  }
  const replies = renderReply(report, series, {
    from: deps.config.from,
    to: decision.to,
    cc: decision.cc,
    dashboardBase: deps.config.dashboardBase,
    contact: deps.config.contact,
    quietOnSuccess: list.quietOnSuccess,
  });
  const records: ReplyRecord[] = [];
  for (const text of replies) {
    const { record } = await deps.store.recordReply(replyRecord(rec.messageId, text, now()));
    records.push(record);
  }
  if (deps.comment && replies.length) {
    // One comment carrying every mail of the reply, in the order they are sent.
    const text = {
      headers: { ...replies[0].headers, Subject: replySubject(rec.subject) },
      body: replies.map((r) => r.body).join("\n\n" + "=".repeat(72) + "\n\n"),
    };
    const key = `${rec.messageId}|github`;
    const { record } = await deps.store.recordReply({
      ...replyRecord(rec.messageId, text, now()),
      key,
      target: "github",
      replyMessageId: null,
    });
    records.push(record);
  }
  const sent = await sendRecorded(deps, records, list.name, rec.subject);
  return { ...base, outcome: sent.length ? "sent" : "skipped", sent, reason: decision.reason };
}

function replyRecord(messageId: string, text: ReplyText, at: Date): ReplyRecord {
  const target = `email:${text.headers["In-Reply-To"].replace(/^<|>$/g, "")}`;
  return {
    key: `${messageId}|${target}`,
    messageId,
    target,
    text,
    state: "recorded",
    reason: null,
    recordedAt: at.toISOString(),
    sentAt: null,
    replyMessageId: text.headers["Message-ID"]?.replace(/^<|>$/g, "") ?? null,
  };
}

/** Sends every reply still in state "recorded": mails by SMTP, the "github" one as a comment. */
async function sendRecorded(
  deps: Omit<WatchDeps, "review" | "leaseMs">,
  records: ReplyRecord[],
  list: string,
  seriesSubject: string,
) {
  const sent: string[] = [];
  for (const r of records) {
    if (r.state !== "recorded") continue;
    const at = () => (deps.now?.() ?? new Date()).toISOString();
    if (r.target === "github") {
      if (!deps.comment) continue; // GitHub turned off since it was recorded
      const res = await deps.comment(r.text, { seriesSubject, key: r.key });
      await deps.store.markReply(r.key, "sent", { sentAt: at(), replyMessageId: res.url });
      sent.push(r.key);
      deps.log?.(`<${r.messageId}>: commented ${res.url}`);
      continue;
    }
    const res = await deps.send(r.text);
    const sentAt = at();
    await deps.store.markReply(r.key, "sent", { sentAt, replyMessageId: res.messageId });
    const times = await deps.store.getState<string[]>(`sent:${list}`) ?? [];
    await deps.store.setState(`sent:${list}`, [sentAt, ...times].slice(0, 500));
    sent.push(r.key);
    deps.log?.(`<${r.messageId}>: sent reply ${res.messageId} (${r.target})`);
  }
  return sent;
}

async function holdUntil(
  deps: Omit<WatchDeps, "review" | "leaseMs">,
  messageId: string,
  at: string,
): Promise<void> {
  const due = await deps.store.getState<Record<string, string>>("retry") ?? {};
  due[messageId] = at;
  await deps.store.setState("retry", due);
}
