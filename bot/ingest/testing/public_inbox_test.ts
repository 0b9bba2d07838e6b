import assert from "node:assert/strict";
import { FIXTURE_THREADS, startPublicInbox } from "./public_inbox.ts";

const COVER_ID = "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com";
const COVER_SUBJECT = "[PATCH RFC bpf-next 0/4] bpf, arm64: support up to 12 arguments";

async function gunzipText(res: Response): Promise<string> {
  assert.ok(res.body, "response has a body");
  const stream = res.body.pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

function countMessages(mbox: string): number {
  return mbox.match(/^From mboxrd@z /gm)?.length ?? 0;
}

Deno.test("fixture threads are listed", () => {
  assert.equal(FIXTURE_THREADS.length, 6);
  for (const p of FIXTURE_THREADS) {
    assert.ok(p.startsWith("/") && p.endsWith(".mbox"), p);
  }
});

Deno.test("public-inbox-httpd serves the fixture threads like lore", async (t) => {
  const t0 = performance.now();
  const server = await startPublicInbox({
    inboxes: [{ name: "bpf", address: "bpf@vger.kernel.org", mboxes: FIXTURE_THREADS }],
  });
  const startMs = performance.now() - t0;
  console.log(
    `public-inbox start (init + import ${FIXTURE_THREADS.length} mboxes + index + httpd): ` +
      `${startMs.toFixed(0)} ms`,
  );
  const bpf = server.inboxUrl("bpf");
  try {
    assert.match(server.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(bpf, `${server.origin}/bpf/`);

    await t.step("raw message", async () => {
      const res = await fetch(`${bpf}${COVER_ID}/raw`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.ok(text.startsWith("From mboxrd@z Thu Jan  1 00:00:00 1970\n"), text.slice(0, 80));
      assert.ok(text.includes(`Subject: ${COVER_SUBJECT}\n`), "subject in raw message");
    });

    await t.step("thread mbox.gz", async () => {
      const res = await fetch(`${bpf}${COVER_ID}/t.mbox.gz`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /gzip/);
      const mbox = await gunzipText(res);
      assert.ok(countMessages(mbox) >= 5, `thread has ${countMessages(mbox)} messages`);
      assert.ok(mbox.includes(COVER_SUBJECT));
    });

    await t.step("search with x=m (POST) returns a gzip mbox", async () => {
      const res = await fetch(`${bpf}?q=s:trampoline&x=m`, { method: "POST" });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /gzip/);
      const mbox = await gunzipText(res);
      assert.ok(countMessages(mbox) >= 1, "at least one match");
      assert.match(mbox, /^Subject: .*trampoline/im);
    });

    await t.step("atom feed", async () => {
      const res = await fetch(`${bpf}new.atom`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /<feed/);
    });

    await t.step("unknown message is 404", async () => {
      const res = await fetch(`${bpf}nonexistent@x/raw`);
      assert.equal(res.status, 404);
      await res.body?.cancel();
    });
  } finally {
    await server.stop();
  }
  await assert.rejects(Deno.stat(server.dir), Deno.errors.NotFound);
});
