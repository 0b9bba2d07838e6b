/**
 * The bot's configuration file and per-list policy (issue 6, "Policy").
 * Format: JSON, documented in bot/policy/README.md.
 *
 * @module
 */

/** Who a reply goes to: nobody (dashboard only, the default), the author alone, or the list. */
export type ReplyTo = "none" | "author" | "list";

/** What the bot does on one list. */
export interface ListPolicy {
  /** public-inbox name of the list, e.g. "bpf". */
  name: string;
  /** The list's posting address, e.g. "bpf@vger.kernel.org" (needed for reply_to = list). */
  address: string | null;
  /** Archive base URL of the list (public-inbox), e.g. "https://lore.kernel.org/bpf/". */
  archive: string;
  track: boolean;
  replyTo: ReplyTo;
  quietOnSuccess: boolean;
  /** No reply before the series is this old (lets humans answer first). */
  embargoMinutes: number;
  /** Series, patch or thread-root message-ids the bot never answers. */
  mute: string[];
  /** Addresses (or `*@domain`) whose series the bot never answers and never copies. */
  ignoredAddresses: string[];
  maxRepliesPerHour: number;
}

/** SMTP submission settings (credentials come from the environment, never the file). */
export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the start (port 465); otherwise STARTTLS when offered. */
  secure: boolean;
  /** Environment variable names holding the user and password, when auth is needed. */
  userEnv: string | null;
  passwordEnv: string | null;
}

/** GitHub settings: comment on the BPF CI pull request of the series. */
export interface GithubConfig {
  /** "owner/name", e.g. "kernel-patches/bpf". */
  repo: string;
  /** REST API base (default https://api.github.com). */
  apiUrl: string;
  /** Environment variable holding the token. */
  tokenEnv: string;
}

/** The whole configuration file. */
export interface BotConfig {
  /** `Name <address>` replies are sent from. */
  from: string;
  /** Where people ask the bot to stay away; named in every reply's footer. */
  contact: string;
  /** Dashboard base URL (the series page is `<base>/series/<msgid>`). */
  dashboardBase: string;
  /** Deno KV file (default "trampolint.kv"). */
  store: string;
  /** Poll interval of the watcher in seconds. */
  pollSeconds: number;
  /** A series still missing patches is reviewed anyway after this many minutes. */
  completeTimeoutMinutes: number;
  smtp: SmtpConfig | null;
  github: GithubConfig | null;
  lists: ListPolicy[];
}

/** What `decide` says about one reply. */
export interface Decision {
  send: boolean;
  to: string[];
  cc: string[];
  /** Why (always set: "reply_to = none (dashboard only)", "sending to the author", ...). */
  reason: string;
  /** When a later attempt may succeed (embargo, rate limit), else null. */
  retryAt: string | null;
}

/** What the bot already did, as `decide` needs it. */
export interface ReplyHistory {
  /** Replies recorded for this series. */
  seriesReplies: { state: string }[];
  /** ISO times of replies sent on this list recently (the last hour is enough). */
  sentTimes: string[];
  now: Date;
}
