/**
 * The archive client's transport behaviour against a local HTTP server that
 * misbehaves on purpose: retries with backoff, User-Agent, caps, timeouts.
 * (Its public-inbox URLs are exercised against the real server in
 * archive_pi_test.ts.)
 */
import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { fetchRaw, fetchThread, searchArchive } from "./archive.ts";
import { DEFAULT_LIMITS } from "./types.ts";

interface Seen {
  method: string;
  path: string;
  ua: string | null;
}

async function withServer(
  handler: (req: Request, n: number) => Response | Promise<Response>,
  body: (base: string, seen: Seen[]) => Promise<void>,
) {
  const seen: Seen[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      const u = new URL(req.url);
      seen.push({
        method: req.method,
        path: u.pathname + u.search,
        ua: req.headers.get("user-agent"),
      });
      return handler(req, seen.length);
    },
  );
  try {
    await body(`http://127.0.0.1:${server.addr.port}/all/`, seen);
  } finally {
    ac.abort();
    await server.finished;
  }
}

const mbox =
  "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: a@b\nSubject: s\nMessage-ID: <x@y>\n\nbody\n";

Deno.test("503 twice, then 200: retried with growing delays and our User-Agent", async () => {
  await withServer(
    (_req, n) =>
      n <= 2 ? new Response("busy", { status: 503 }) : new Response(new Uint8Array(gzipSync(mbox))),
    async (base, seen) => {
      const delays: number[] = [];
      const bytes = await fetchThread(
        { inboxUrl: base, backoffMs: 10, onRetry: (_n, _why, d) => delays.push(d) },
        "<a/b c@x>",
      );
      equal(new TextDecoder().decode(bytes), mbox);
      equal(seen.length, 3);
      deepStrictEqual(delays, [10, 20]);
      equal(seen[0].path, "/all/a%2Fb%20c@x/t.mbox.gz");
      ok(seen.every((s) => s.ua?.startsWith("trampolint/")));
    },
  );
});

Deno.test("429 with Retry-After is honoured", async () => {
  await withServer(
    (_req, n) =>
      n === 1
        ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
        : new Response("From mboxrd@z x\n"),
    async (base) => {
      const delays: number[] = [];
      await fetchRaw(
        { inboxUrl: base, backoffMs: 5, onRetry: (_n, _w, d) => delays.push(d) },
        "x@y",
      );
      deepStrictEqual(delays, [1000]);
    },
  );
});

Deno.test("404 is not-found at once (no retries)", async () => {
  await withServer(() => new Response("no", { status: 404 }), async (base, seen) => {
    await rejects(fetchThread({ inboxUrl: base }, "gone@x"), /<gone@x> is not in/);
    equal(seen.length, 1);
  });
});

Deno.test("search is a POST with x=m (GET ignores it); no match is empty", async () => {
  await withServer(
    (req) => req.method === "POST" ? new Response("", { status: 404 }) : new Response("html"),
    async (base, seen) => {
      const out = await searchArchive({ inboxUrl: base }, "s:trampoline f:a@b", true);
      equal(out.length, 0);
      equal(seen[0].method, "POST");
      const q = new URLSearchParams(seen[0].path.split("?")[1]);
      deepStrictEqual([q.get("q"), q.get("x"), q.get("t")], ["s:trampoline f:a@b", "m", "1"]);
    },
  );
});

Deno.test("input cap: declared and streamed bodies over the cap are refused", async () => {
  const limits = { ...DEFAULT_LIMITS, maxInputBytes: 1000 };
  await withServer(
    (_req, n) =>
      n === 1 ? new Response("x".repeat(5000)) : new Response(
        new ReadableStream({
          start(c) {
            for (let i = 0; i < 10; i++) c.enqueue(new Uint8Array(500));
            c.close();
          },
        }),
      ),
    async (base) => {
      await rejects(
        fetchRaw({ inboxUrl: base, limits }, "a@b"),
        /over the 1000 B input cap|exceeds the 1000 B input cap/,
      );
      await rejects(fetchRaw({ inboxUrl: base, limits }, "a@b"), /exceeds the 1000 B input cap/);
    },
  );
});

Deno.test("decompression cap applies to t.mbox.gz", async () => {
  const limits = { ...DEFAULT_LIMITS, maxDecompressedBytes: 1 << 20 };
  await withServer(
    () => new Response(new Uint8Array(gzipSync(new Uint8Array(4 << 20)))),
    async (base) => {
      await rejects(fetchThread({ inboxUrl: base, limits }, "a@b"), /decompression cap/);
    },
  );
});

Deno.test("a server that never answers times out, is retried, then fails clearly", async () => {
  await withServer(
    () => new Promise<Response>((resolve) => setTimeout(() => resolve(new Response("late")), 2000)),
    async (base, seen) => {
      await rejects(
        fetchRaw({ inboxUrl: base, timeoutMs: 100, retries: 1, backoffMs: 10 }, "a@b"),
        /archive unreachable after 2 attempts: TimeoutError/,
      );
      equal(seen.length, 2);
    },
  );
});
