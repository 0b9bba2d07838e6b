/**
 * `review` against a real public-inbox-httpd on 127.0.0.1 serving a v2 inbox
 * built from our fixture threads: fetched exactly as from lore. The embedded
 * archive is switched off (--no-embedded) so everything comes over HTTP.
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { FIXTURE_THREADS, startPublicInbox } from "../ingest/testing/public_inbox.ts";
import { review, reviewJson, SEEDS } from "./testing.ts";

// deno-lint-ignore no-explicit-any
type J = any;

Deno.test("review through a real public-inbox archive", async (t) => {
  const server = await startPublicInbox({
    inboxes: [{ name: "bpf", address: "bpf@vger.kernel.org", mboxes: FIXTURE_THREADS }],
  });
  const inbox = server.inboxUrl("bpf");
  const online = (input: string, ...more: string[]): Promise<J> =>
    reviewJson([input, "--archive", inbox, "--no-embedded", "-q", ...more]);
  try {
    await t.step("a message-id fetches its thread (t.mbox.gz)", async () => {
      const j = await online("<20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com>");
      equal(j.input.format, "archive");
      match(j.input.origin, /127\.0\.0\.1/);
      equal(j.series.messageId, "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com");
      deepStrictEqual(j.series.patches.map((p: J) => p.index), [1, 2, 3, 4]);
      deepStrictEqual(j.series.missing, []);
      equal(j.series.patches.every((p: J) => p.mangled === null), true);
      equal(j.series.replies, 3);
      equal(
        j.series.patches[1].author,
        "Alexis Lothoré (eBPF Foundation) <alexis.lothore@bootlin.com>",
      );
    });

    await t.step("v2 links back to v1 in another thread by archive search", async () => {
      const v2 = await online("20250422-many_args_arm64-v2-0-5c7e1d9b2a64@bootlin.com");
      equal(v2.series.version, 2);
      equal(v2.series.rfc, false);
      equal(v2.series.previousVersion, "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com");
      ok(v2.input.notes.some((n: string) => /searched .* for other versions/.test(n)));
      const v1 = await online(
        "20250422-many_args_arm64-v2-0-5c7e1d9b2a64@bootlin.com",
        "--version",
        "1",
      );
      equal(v1.series.version, 1);
    });

    await t.step("a lore-style URL is understood", async () => {
      const j = await online(`${inbox}20220518131638.3401509-1-xukuohai@huawei.com/T/#t`);
      equal(j.series.title, "bpf trampoline for arm64");
      equal(j.series.version, 5);
      equal(j.series.patches.length, 6);
    });

    await t.step("an unknown message-id is a clear error, exit 2", async () => {
      const r = await review([
        "nothing-here-123@example.org",
        "--archive",
        inbox,
        "--no-embedded",
        "-q",
      ]);
      equal(r.code, 2);
      match(r.stderr, /message-id <nothing-here-123@example.org> is not in http:\/\/127\.0\.0\.1/);
    });

    await t.step("seed 000 (patchwork) leads to its thread in the archive", async () => {
      const j = await online(SEEDS + "000_ff957ac1f7ae0640.txt");
      equal(j.input.format, "web-copy");
      equal(j.input.webCopy.kind, "patchwork");
      equal(j.series.messageId, "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com");
      equal(j.series.patches.length, 4);
      ok(
        j.input.notes.some((n: string) =>
          /fetched the thread of <20250411-many_args_arm64-v1-0/.test(n)
        ),
      );
    });

    await t.step(
      "seed 001 (ids cut off) is found by a subject search; its diffs are intact there",
      async () => {
        const j = await online(SEEDS + "001_0536a90668a58391.txt");
        ok(
          j.input.notes.some((n: string) =>
            /found "bpf, arm64: remove structs on stack constraint" by searching/.test(n)
          ),
        );
        equal(j.series.changeId, "20250708-arm64_relax_jit_comp-e8889647d8d2");
        equal(j.series.baseCommit, "8da1e37fc84868b50ba6a7cdf082aa3b0d11e006");
        deepStrictEqual(j.series.patches.map((p: J) => [p.added, p.removed, p.mangled]), [[
          0,
          5,
          null,
        ], [0, 1, null]]);
        equal(j.series.patches[1].files[0].change, "delete");
      },
    );

    await t.step(
      "seed 002 (pipermail, no ids) is found by subject: the arm32 JIT thread",
      async () => {
        const j = await online(SEEDS + "002_3ff7e12e397e5e20.txt");
        equal(j.series.title, "arm: eBPF JIT compiler");
        equal(j.series.version, 2);
        match(j.series.author, /Shubham Bansal/);
        ok(j.series.replies >= 3);
      },
    );

    await t.step("seed 003 (flattened mail) fetches the thread its References name", async () => {
      const j = await online(SEEDS + "003_c38c0a08a8abf8a4.txt");
      equal(j.input.focus, "20260402012727.3916819-1-yonghong.song@linux.dev");
      equal(j.series.total, 10);
      deepStrictEqual(j.series.missing, []);
      equal(j.series.patches[2].messageId, "20260402012742.3917613-1-yonghong.song@linux.dev");
      ok(j.series.patches[2].replies >= 2);
    });

    await t.step("seed 004 (public-inbox page) fetches the thread of its Message-ID", async () => {
      const j = await online(SEEDS + "004_da945010e0145bd0.txt");
      equal(j.input.focus, "Yp4s7eNGvb2CNtPp@FVFF77S0Q05N.cambridge.arm.com");
      equal(j.series.title, "bpf trampoline for arm64");
      equal(j.series.patches.length, 6);
      ok(j.series.patches[0].replies >= 6);
    });
  } finally {
    await server.stop();
  }
});

Deno.test("an unreachable archive is retried, then a clear error", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const r = await review([
    "x-1@example.org",
    "--archive",
    `http://127.0.0.1:${port}/all/`,
    "--no-embedded",
    "--retries",
    "1",
  ]);
  equal(r.code, 2);
  match(r.stderr, /retry 1 in \d+ ms/);
  match(r.stderr, /archive unreachable after 2 attempts/);
});
