/**
 * `deno task watch` entry (wired by the CLI): watches the configured lists
 * and answers new series per policy.
 *
 *   deno run -A --unstable-kv bot/watch/main.ts --config trampolint.json
 *        [--review-module PATH] [--lease-seconds N] [--once] [--dry-run]
 *
 * `--review-module` names a module exporting `review(messageId, {series,
 * list}) → Promise<Report>` (default: bot/review/mod.ts). Without an `smtp`
 * section, or with `--dry-run`, replies are printed to stdout instead of
 * sent. Exit codes: 0 stopped cleanly, 2 bad configuration or arguments.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { loadConfig } from "../policy/config.ts";
import { openKvStore } from "../store/kv.ts";
import { sendSmtp } from "../send/smtp.ts";
import { formatReply } from "../send/dry_run.ts";
import { commentOnPullRequest } from "../send/github.ts";
import { watch } from "./loop.ts";
import { watchOnce } from "./poll.ts";
import { workOnce } from "./work.ts";
import type { Commenter, Reviewer, Sender, WatchDeps } from "./types.ts";

const HELP =
  `usage: watch --config FILE [--review-module PATH] [--lease-seconds N] [--once] [--dry-run]

  --config FILE         configuration (bot/policy/README.md); default trampolint.json
  --review-module PATH  module exporting review(messageId, ctx); default bot/review/mod.ts
  --lease-seconds N     a job taken by a worker that dies comes back after N s (default 900)
  --once                one poll and the jobs it made ready, then exit
  --dry-run             print replies instead of sending them
`;

function log(line: string): void {
  console.error(`${new Date().toISOString()} watch: ${line}`);
}

/** Runs the watcher; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs({
      args,
      options: {
        config: { type: "string", default: "trampolint.json" },
        "review-module": { type: "string" },
        "lease-seconds": { type: "string", default: "900" },
        once: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (e) {
    console.error(`watch: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  const lease = Number(opts["lease-seconds"]);
  if (!Number.isFinite(lease) || lease <= 0) {
    console.error(`watch: --lease-seconds must be a positive number, not ${opts["lease-seconds"]}`);
    return 2;
  }
  let config;
  try {
    config = await loadConfig(opts.config!);
  } catch (e) {
    console.error(`watch: ${(e as Error).message}`);
    return 2;
  }
  const modPath = opts["review-module"]
    ? pathToFileURL(resolve(opts["review-module"])).href
    : new URL("../review/mod.ts", import.meta.url).href;
  let review: Reviewer;
  try {
    const mod = await import(modPath);
    if (typeof mod.review !== "function") throw new Error("it exports no review() function");
    review = mod.review;
  } catch (e) {
    console.error(`watch: cannot load the reviewer ${modPath}: ${(e as Error).message}`);
    return 2;
  }
  const smtp = config.smtp;
  const send: Sender = opts["dry-run"] || !smtp
    ? (reply) => {
      console.log(formatReply(reply));
      return Promise.resolve({ messageId: reply.headers["Message-ID"] ?? "" });
    }
    : async (reply) => ({ messageId: (await sendSmtp(smtp, reply)).messageId });
  const gh = config.github;
  let comment: Commenter | undefined;
  if (gh && !opts["dry-run"]) {
    const token = Deno.env.get(gh.tokenEnv);
    if (!token) {
      console.error(`watch: github is configured but ${gh.tokenEnv} is not set`);
      return 2;
    }
    comment = async (reply, ctx) => ({
      url: (await commentOnPullRequest(gh, token, ctx.seriesSubject, reply, ctx.key)).url,
    });
  }
  const store = await openKvStore(config.store);
  const deps: WatchDeps = { store, config, review, send, comment, leaseMs: lease * 1000, log };
  const stop = new AbortController();
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(sig, () => stop.abort());
  }
  log(`watching ${config.lists.filter((l) => l.track).map((l) => l.name).join(", ") || "no list"}`);
  try {
    if (opts.once) {
      await watchOnce(deps);
      while (await workOnce(deps));
    } else {
      await watch(deps, stop.signal);
    }
  } finally {
    store.close();
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
