/**
 * The always-on loop: poll, then work through the ready jobs, then sleep
 * until the next poll; stops between steps when `signal` aborts.
 *
 * @module
 */

import { watchOnce } from "./poll.ts";
import { workOnce } from "./work.ts";
import type { WatchDeps } from "./types.ts";

/** Runs until `signal` aborts. */
export async function watch(deps: WatchDeps, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const started = Date.now();
    try {
      for (const r of await watchOnce(deps)) {
        for (const e of r.errors) deps.log?.(`${r.list}: ${e}`);
      }
    } catch (e) {
      deps.log?.(`poll failed: ${(e as Error).message}`);
    }
    while (!signal.aborted) {
      const r = await workOnce(deps);
      if (!r) break;
      deps.log?.(`<${r.messageId}>: ${r.outcome} (${r.reason})`);
    }
    const wait = deps.config.pollSeconds * 1000 - (Date.now() - started);
    if (wait > 0) await sleep(wait, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
