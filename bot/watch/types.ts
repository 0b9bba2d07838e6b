/**
 * What the watcher needs (ARCHITECTURE.md: bot/watch): the store, the
 * configuration, the reviewer (the integrator's bot/review, injected), a
 * sender, a clock and a log.
 *
 * @module
 */

import type { KvStore } from "../store/kv.ts";
import type { BotConfig, ListPolicy } from "../policy/types.ts";
import type { ReplyText, Report } from "../report/types.ts";
import type { Series } from "../series/types.ts";

/** Reviews one series (bot/review's entry point). */
export type Reviewer = (
  messageId: string,
  ctx: { series: Series; list: ListPolicy; previous?: Report | null },
) => Promise<Report>;

/** Sends one rendered reply; returns the Message-ID it went out with. */
export type Sender = (reply: ReplyText) => Promise<{ messageId: string }>;

/** Posts a reply where CI shows it (the series' BPF CI pull request); idempotent by `key`. */
export type Commenter = (
  reply: ReplyText,
  ctx: { seriesSubject: string; key: string },
) => Promise<{ url: string }>;

/** The watcher's dependencies. */
export interface WatchDeps {
  store: KvStore;
  config: BotConfig;
  review: Reviewer;
  send: Sender;
  /** When set, every decided reply is also posted as one comment (GitHub). */
  comment?: Commenter;
  /** How long a taken job stays leased (a crashed worker's job returns after it). */
  leaseMs: number;
  now?: () => Date;
  log?: (line: string) => void;
}

/** What one poll did, for logs and tests. */
export interface PollResult {
  list: string;
  /** Atom entries not seen before. */
  fresh: number;
  /** True when a catch-up search ran (the whole feed page was new). */
  searched: boolean;
  /** Series (message-ids) queued for review in this poll. */
  queued: string[];
  /** Series still waiting for patches. */
  waiting: string[];
  errors: string[];
}
