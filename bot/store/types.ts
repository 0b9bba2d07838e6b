/**
 * What the bot stores (ARCHITECTURE.md: bot/store, Deno KV) and the
 * read/write interface the watcher, the reviewer and the dashboard use.
 *
 * @module
 */

import type { ReplyText, Report } from "../report/types.ts";

/** One series version the bot has seen. */
export interface SeriesRecord {
  /** Cover letter (or first patch) message-id: the series key. */
  messageId: string;
  subject: string;
  version: number;
  author: string;
  date: string;
  /** The list (public-inbox name, e.g. "bpf") it came from. */
  list: string;
  total: number;
  /** Message-ids of the patches, in order. */
  patches: string[];
  /** Same series at other versions (message-ids), oldest first. */
  versions: { version: number; messageId: string }[];
  /** When the bot first saw it (ISO). */
  seenAt: string;
  state: "waiting" | "queued" | "reviewing" | "reviewed" | "failed";
}

/** A finished review. */
export interface ReviewRecord {
  messageId: string;
  /** ISO time the review finished. */
  at: string;
  report: Report;
  /** Exit status of the review: 0 nothing found, 1 findings. */
  status: 0 | 1;
}

/** A reply the bot decided to send (or not), recorded before any sending. */
export interface ReplyRecord {
  /** Series message-id + target ("email:<in-reply-to>" | "github:<repo>#<pr>"). */
  key: string;
  messageId: string;
  target: string;
  text: ReplyText;
  /** "recorded" before sending; "sent" after; "skipped" by policy (with the reason). */
  state: "recorded" | "sent" | "skipped" | "failed";
  reason: string | null;
  recordedAt: string;
  sentAt: string | null;
  /** The Message-ID of the reply mail (so a resend can be recognised). */
  replyMessageId: string | null;
}

/** A queued job. */
export interface Job {
  id: string;
  kind: "review" | "reply";
  messageId: string;
  attempts: number;
  enqueuedAt: string;
}

/** Filters of the series list. */
export interface SeriesQuery {
  list?: string;
  arch?: string;
  status?: string;
  /** Substring of the subject or a message-id. */
  q?: string;
  limit?: number;
}

/** The store's interface (Deno KV implementation in bot/store/kv.ts). */
export interface Store {
  putSeries(s: SeriesRecord): Promise<void>;
  getSeries(messageId: string): Promise<SeriesRecord | null>;
  /** Newest first. */
  listSeries(q?: SeriesQuery): Promise<SeriesRecord[]>;
  putReview(r: ReviewRecord): Promise<void>;
  /** The latest review of a series. */
  getReview(messageId: string): Promise<ReviewRecord | null>;
  /**
   * Records a reply atomically unless one with the same key exists; returns
   * the stored record and whether this call created it.
   */
  recordReply(r: ReplyRecord): Promise<{ record: ReplyRecord; created: boolean }>;
  markReply(
    key: string,
    state: ReplyRecord["state"],
    fields?: Partial<ReplyRecord>,
  ): Promise<void>;
  listReplies(messageId: string): Promise<ReplyRecord[]>;
  enqueue(job: Omit<Job, "id" | "attempts" | "enqueuedAt">): Promise<Job>;
  /** Takes the oldest job (leased; returns it again after `leaseMs` unless `done` is called). */
  nextJob(leaseMs: number): Promise<Job | null>;
  done(jobId: string): Promise<void>;
  close(): void;
}
