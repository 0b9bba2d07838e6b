/**
 * `review` on each real seed (../shared/seeds), page only: no archive, no
 * embedded fixtures. What the page itself yields must be specific and right:
 * the kind of copy, the series and messages recognised, the message-ids
 * found, which diffs are intact and which mangled, and why.
 * (seeds_archive_test.ts covers following the page into an archive.)
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { reviewJson, SEEDS } from "./testing.ts";

// deno-lint-ignore no-explicit-any
type J = any;
const pageOnly = (name: string): Promise<J> =>
  reviewJson([SEEDS + name, "--offline", "--no-embedded", "-q"]);

Deno.test("seed 000 (patchwork page): the RFC v1 cover letter, its id, patches not on the page", async () => {
  const j = await pageOnly("000_ff957ac1f7ae0640.txt");
  equal(j.input.webCopy.kind, "patchwork");
  equal(j.input.webCopy.messageIds[0], "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com");
  equal(j.series.messageId, "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com");
  equal(j.series.title, "bpf, arm64: support up to 12 arguments");
  deepStrictEqual([j.series.version, j.series.rfc, j.series.tree, j.series.total], [
    1,
    true,
    "bpf-next",
    4,
  ]);
  equal(j.series.baseCommit, "91e7eb701b4bc389e7ddfd80ef6e82d1a6d2d368");
  equal(j.series.changeId, "20250220-many_args_arm64-8bd3747e6948");
  equal(j.series.hasCover, true);
  deepStrictEqual(j.series.missing, [1, 2, 3, 4]);
  match(j.series.author, /Alexis Lothoré/);
  ok(
    j.input.notes.some((n: string) => /not following 2 id\(s\)/.test(n)),
    "ids in links are not followed",
  );
});

Deno.test("seed 001 (flattened lore thread): two patches, both diffs mangled (flattened), ids cut off", async () => {
  const j = await pageOnly("001_0536a90668a58391.txt");
  equal(j.input.webCopy.kind, "flattened-thread");
  deepStrictEqual(j.input.webCopy.messageIds, []);
  equal(j.input.webCopy.truncatedIds.length, 4);
  ok(j.input.webCopy.truncatedIds.every((t: string) => t.endsWith("...")));
  equal(j.input.messages, 9);
  equal(j.series.total, 2);
  deepStrictEqual(j.series.patches.map((p: J) => p.subject), [
    "[1/2] bpf, arm64: remove structs on stack constraint",
    "[2/2] selftests/bpf: enable tracing_struct tests for arm64",
  ]);
  deepStrictEqual(j.series.patches.map((p: J) => p.files.map((f: J) => f.path)), [
    ["arch/arm64/net/bpf_jit_comp.c"],
    ["tools/testing/selftests/bpf/DENYLIST.aarch64"],
  ]);
  for (const p of j.series.patches) {
    match(p.mangled, /^lines flattened: diff header.*lost its newlines/);
  }
  equal(j.series.patches[1].files[0].change, "delete");
  equal(j.series.replies, 5, "Will, Alexis, Will, Alexei, Alexis answer patch 1/2");
  equal(j.series.patches[0].replies, 5);
});

Deno.test("seed 002 (pipermail page): one reply to the arm32 JIT patch, no ids, no diff", async () => {
  const j = await pageOnly("002_3ff7e12e397e5e20.txt");
  equal(j.input.webCopy.kind, "pipermail");
  deepStrictEqual(j.input.webCopy.messageIds, []);
  equal(j.series, null);
  equal(j.otherMessages.length, 1);
  const m = j.otherMessages[0];
  equal(m.subject, "Re: [PATCH v2] arm: eBPF JIT compiler");
  equal(m.from, "Daniel Borkmann <daniel@iogearbox.net>");
  equal(m.answers, 'patch v2 of "arm: eBPF JIT compiler"');
  deepStrictEqual(j.looseDiffs, []);
});

Deno.test("seed 003 (flattened raw mail): a reply to patch 03/10, thread ids from References", async () => {
  const j = await pageOnly("003_c38c0a08a8abf8a4.txt");
  equal(j.input.webCopy.kind, "flattened-mbox");
  deepStrictEqual(j.input.webCopy.messageIds, [
    "20260402012727.3916819-1-yonghong.song@linux.dev",
    "20260402012742.3917613-1-yonghong.song@linux.dev",
  ]);
  ok(j.input.webCopy.damage.some((d: string) => /Message-ID header is empty/.test(d)));
  equal(j.series, null);
  equal(
    j.otherMessages[0].subject,
    "Re: [PATCH bpf-next 03/10] bpf: Support stack arguments for bpf functions",
  );
  equal(j.otherMessages[0].inReplyTo, "20260402012742.3917613-1-yonghong.song@linux.dev");
  equal(
    j.otherMessages[0].answers,
    'patch 3/10 v1 of "bpf: Support stack arguments for bpf functions"',
  );
  deepStrictEqual(j.looseDiffs, [], "the quoted diff (>>) is not a patch");
});

Deno.test("seed 004 (public-inbox page): Mark Rutland's reply, its ids, a 30-line thread overview", async () => {
  const j = await pageOnly("004_da945010e0145bd0.txt");
  equal(j.input.webCopy.kind, "public-inbox-html");
  deepStrictEqual(j.input.webCopy.messageIds.slice(0, 2), [
    "Yp4s7eNGvb2CNtPp@FVFF77S0Q05N.cambridge.arm.com",
    "40fda0b0-0efc-ea1b-96d5-e51a4d1593dd@huawei.com",
  ]);
  equal(j.input.webCopy.overview, 30);
  equal(j.series, null);
  equal(j.otherMessages[0].messageId, "Yp4s7eNGvb2CNtPp@FVFF77S0Q05N.cambridge.arm.com");
  equal(j.otherMessages[0].from, "Mark Rutland <mark.rutland@arm.com>");
  equal(
    j.otherMessages[0].answers,
    'patch 1/6 v5 of "arm64: ftrace: Add ftrace direct call support"',
  );
});
