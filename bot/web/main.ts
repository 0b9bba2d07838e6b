/**
 * `deno task serve [--port N] [--host H] [--store PATH] [--btf PATH]`: the
 * read-only dashboard on 127.0.0.1 (PORT env also sets the port). An empty
 * store is seeded with the fixture reviews (seed.ts).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { seedFromSeries } from "./seed_series.ts";
import { openKvStore } from "../store/kv.ts";
import type { Store } from "../store/types.ts";
import { createApp } from "./app.tsx";
import { corpusView, DEFAULT_BTF } from "./corpus.ts";
import { reviewSeeder, seedIfEmpty } from "./seed.ts";

/** Default KV file: the same as the watcher's (bot/policy config key `store`). */
export const DEFAULT_STORE = "trampolint.kv";

const USAGE =
  `usage: deno task serve [--port N] [--host H] [--store PATH] [--btf PATH] [--seed MODE]

Serves the read-only dashboard (default http://127.0.0.1:8080; PORT sets the port too).
  --store PATH   Deno KV file (default ${DEFAULT_STORE}; ":memory:" for a throwaway store)
  --btf PATH     vmlinux BTF for real functions (default ${DEFAULT_BTF}; "none" to skip)
  --seed MODE    how an empty store is seeded: "series" (default: real reviews of
                 fixtures/series, in the background), "fixtures" (fixtures/threads with
                 hand-written sample reports), "review" (fixtures/threads through the
                 review pipeline), "none"`;

/** How an empty store is seeded. */
export type SeedMode = "series" | "fixtures" | "review" | "none";

/** Parsed serve options. */
export interface ServeOptions {
  port: number;
  host: string;
  store: string;
  btf: string | null;
  seed: SeedMode;
}

function seedMode(m: string): SeedMode {
  if (m === "series" || m === "fixtures" || m === "review" || m === "none") return m;
  throw new Error(`bad --seed '${m}': give series, fixtures, review or none`);
}

/** Parses the arguments; throws an Error with a specific message on bad input. */
export function serveOptions(args: string[], env: { PORT?: string } = {}): ServeOptions {
  const { values: v } = parseArgs({
    args,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      store: { type: "string" },
      btf: { type: "string" },
      seed: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (v.help) throw new Error(USAGE);
  const portText = v.port ?? env.PORT ?? "8080";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new Error(`bad port '${portText}': give a number from 0 to 65535`);
  }
  return {
    port,
    host: v.host ?? "127.0.0.1",
    store: v.store ?? DEFAULT_STORE,
    btf: v.btf === "none" ? null : v.btf ?? DEFAULT_BTF,
    seed: seedMode(v.seed ?? "series"),
  };
}

/** A running dashboard. */
export interface Running {
  url: string;
  store: Store;
  /** The background seed (series mode), settled when it is done. */
  seeding: Promise<unknown>;
  shutdown(): Promise<void>;
}

/** Opens the store, seeds it when empty and starts serving. */
export async function serve(
  o: ServeOptions,
  log: (l: string) => void = console.error,
): Promise<Running> {
  if (o.store !== ":memory:") {
    const dir = o.store.replace(/[^/]*$/, "");
    if (dir) await Deno.mkdir(dir, { recursive: true });
  }
  const store = await openKvStore(o.store);
  let seeding: Promise<unknown> = Promise.resolve();
  if (o.seed === "series") {
    // in the background: the pages serve at once and show each review as it lands
    seeding = seedFromSeries(store, log).catch((e) => log(`seed: ${(e as Error).message}`));
  } else if (o.seed !== "none") {
    await seedIfEmpty(store, log, o.seed === "review" ? reviewSeeder(o.btf, log) : undefined);
  }
  const { app } = createApp({ store, btfPath: o.btf });
  // Warm the corpus statistics (real BTF: ~1–3 s) so the first visitor does not wait.
  corpusView(o.btf).catch((e) => log(`corpus: ${(e as Error).message}`));
  let url = "";
  const server = Deno.serve({
    port: o.port,
    hostname: o.host,
    onListen: ({ hostname, port }) => {
      url = `http://${hostname}:${port}`;
      log(`trampolint dashboard on ${url} (store ${o.store}, read-only)`);
    },
  }, app.fetch);
  return {
    get url() {
      return url || `http://${o.host}:${server.addr.port}`;
    },
    store,
    seeding,
    async shutdown() {
      await server.shutdown();
      store.close();
    },
  };
}

/** CLI entry: returns the exit code (2 for bad options). */
export async function main(args: string[]): Promise<number> {
  let o: ServeOptions;
  try {
    o = serveOptions(args, { PORT: Deno.env.get("PORT") });
  } catch (e) {
    console.error((e as Error).message);
    return (e as Error).message === USAGE ? 0 : 2;
  }
  let running: Running;
  try {
    running = await serve(o);
  } catch (e) {
    console.error(`serve: ${(e as Error).message}`);
    return 2;
  }
  // Close the KV file cleanly on Ctrl-C / stop.
  return await new Promise<number>((resolve) => {
    const stop = () => running.shutdown().then(() => resolve(0), () => resolve(1));
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
}

if (import.meta.main) {
  const code = await main(Deno.args);
  Deno.exit(code);
}
