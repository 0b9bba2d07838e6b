/**
 * A comment on the BPF CI pull request of a series (issue 6, "Sending"),
 * via octokit. BPF CI (kernel-patches/bpf) opens one pull request per series,
 * titled with the series title; the PR is found among the open ones by that
 * title, compared the way versions of a series are linked (normaliseTitle).
 * A hidden marker in the comment makes sending idempotent: a comment already
 * carrying the reply's key is not posted again.
 *
 * @module
 */

import { Octokit } from "octokit";
import type { GithubConfig } from "../policy/types.ts";
import type { ReplyText } from "../report/types.ts";
import { normaliseTitle } from "../series/subject.ts";

/** The pull request a series maps to. */
export interface PullRef {
  number: number;
  title: string;
  url: string;
}

/** What posting did. */
export interface CommentResult {
  pull: PullRef;
  commentId: number;
  url: string;
  /** False when a comment with the same key was already there. */
  created: boolean;
}

function client(cfg: GithubConfig, token: string): Octokit {
  return new Octokit({
    auth: token,
    baseUrl: cfg.apiUrl.replace(/\/+$/, ""),
    userAgent: "trampolint/0.1",
    // Retries and throttling would hide a bad answer in tests and double-post on timeouts.
    retry: { enabled: false },
    throttle: { enabled: false },
  });
}

function ownerRepo(cfg: GithubConfig): { owner: string; repo: string } {
  const [owner, repo] = cfg.repo.split("/");
  return { owner, repo };
}

function explain(cfg: GithubConfig, what: string, e: unknown): Error {
  const status = (e as { status?: number }).status;
  const msg = (e as Error).message;
  return new Error(
    `GitHub ${cfg.repo}: ${what} failed${status ? ` (HTTP ${status})` : ""}: ${msg}`,
  );
}

/** The open pull request whose title is the series title, or null. */
export async function findPullRequest(
  cfg: GithubConfig,
  token: string,
  seriesSubject: string,
): Promise<PullRef | null> {
  const want = normaliseTitle(seriesSubject);
  const gh = client(cfg, token);
  try {
    for await (
      const res of gh.paginate.iterator(gh.rest.pulls.list, {
        ...ownerRepo(cfg),
        state: "open",
        per_page: 100,
      })
    ) {
      const hit = res.data.find((p) => normaliseTitle(p.title) === want);
      if (hit) return { number: hit.number, title: hit.title, url: hit.html_url };
    }
  } catch (e) {
    throw explain(cfg, "listing open pull requests", e);
  }
  return null;
}

/** The comment text: the reply in a code block (its `> ` quotes are not Markdown), and the marker. */
export function commentBody(reply: ReplyText, key: string): string {
  const fence = reply.body.includes("```") ? "~~~~" : "```";
  return [
    `<!-- trampolint:${key} -->`,
    `**${reply.headers.Subject ?? "trampolint"}**`,
    "",
    `${fence}text`,
    reply.body,
    fence,
  ].join("\n");
}

/**
 * Posts `reply` on the series' pull request unless a comment with `key` is
 * there; throws a clear error when no open pull request has the series title.
 */
export async function commentOnPullRequest(
  cfg: GithubConfig,
  token: string,
  seriesSubject: string,
  reply: ReplyText,
  key: string,
): Promise<CommentResult> {
  if (!token) throw new Error(`GitHub ${cfg.repo}: no token (set ${cfg.tokenEnv})`);
  const pull = await findPullRequest(cfg, token, seriesSubject);
  if (!pull) {
    throw new Error(
      `GitHub ${cfg.repo}: no open pull request titled "${normaliseTitle(seriesSubject)}"`,
    );
  }
  const gh = client(cfg, token);
  const marker = `<!-- trampolint:${key} -->`;
  try {
    for await (
      const res of gh.paginate.iterator(gh.rest.issues.listComments, {
        ...ownerRepo(cfg),
        issue_number: pull.number,
        per_page: 100,
      })
    ) {
      const old = res.data.find((c) => c.body?.startsWith(marker));
      if (old) return { pull, commentId: old.id, url: old.html_url, created: false };
    }
  } catch (e) {
    throw explain(cfg, `reading comments of #${pull.number}`, e);
  }
  try {
    const res = await gh.rest.issues.createComment({
      ...ownerRepo(cfg),
      issue_number: pull.number,
      body: commentBody(reply, key),
    });
    return { pull, commentId: res.data.id, url: res.data.html_url, created: true };
  } catch (e) {
    throw explain(cfg, `commenting on #${pull.number}`, e);
  }
}
