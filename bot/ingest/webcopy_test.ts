/**
 * Web-copy reader tests: the five real seed pages (../shared/seeds), pages
 * that must not be taken for web copies, and cut-off pages.
 */

import assert from "node:assert/strict";
import { readWebCopy, type WebCopy } from "./webcopy.ts";

const SEEDS = {
  patchwork: "000_ff957ac1f7ae0640.txt",
  lore: "001_0536a90668a58391.txt",
  pipermail: "002_3ff7e12e397e5e20.txt",
  mbox: "003_c38c0a08a8abf8a4.txt",
  publicInbox: "004_da945010e0145bd0.txt",
};

function seed(name: string): string {
  return Deno.readTextFileSync(new URL(`../../../shared/seeds/${name}`, import.meta.url));
}

function read(name: string): WebCopy {
  const copy = readWebCopy(seed(name));
  assert.ok(copy, `${name} should be recognised as a web copy`);
  return copy;
}

function iso(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}

Deno.test("patchwork cover page (seed 000): id, subject, sender, date, cover body", () => {
  const c = read(SEEDS.patchwork);
  assert.equal(c.kind, "patchwork");
  assert.equal(c.messageIds[0], "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com");
  // Ids in the cover's links follow the page's own id.
  assert.deepEqual(c.messageIds.slice(1), [
    "20230917150752.69612-1-xukuohai@huaweicloud.com",
    "20240705125336.46820-1-puranjay@kernel.org",
  ]);
  assert.deepEqual(c.truncatedIds, []);
  assert.equal(c.messages.length, 1);
  const m = c.messages[0];
  assert.equal(m.messageId, "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com");
  assert.equal(m.messageIdSynthetic, false);
  assert.equal(m.subject, "[RFC,bpf-next,0/4] bpf, arm64: support up to 12 arguments");
  assert.match(m.from, /Alexis Lothor/);
  // The page shows no address; the cover's own Signed-off-by does.
  assert.equal(m.fromAddress, "alexis.lothore@bootlin.com");
  assert.equal(iso(m.time), "2025-04-11T20:32:00.000Z");
  assert.ok(m.body.startsWith("Hello,\n\nthis series is a revival"));
  assert.ok(m.body.includes("base-commit: 91e7eb701b4bc389e7ddfd80ef6e82d1a6d2d368"));
  assert.ok(m.body.includes("change-id: 20250220-many_args_arm64-8bd3747e6948"));
  assert.ok(m.body.includes("\n 8 files changed, 357 insertions(+), 57 deletions(-)\n"));
  assert.ok(!m.body.includes("Headers show"), "patchwork labels are not part of the mail");
  assert.deepEqual(c.search.subjects, [
    "bpf, arm64: support up to 12 arguments",
    "bpf: add struct largest member size in func model",
    "bpf/selftests: add tests to validate proper arguments alignment on ARM64",
    "bpf/selftests: enable tracing tests for ARM64",
    "bpf, arm64: Support up to 12 function arguments",
  ]);
  assert.deepEqual(c.search.authors, ["Alexis Lothoré", "Xu Kuohai"]);
  assert.deepEqual(c.overview, []);
  assert.ok(c.damage.some((d) => /In-Reply-To/.test(d)));
});

Deno.test("flattened lore thread (seed 001): 9 mails split, no complete id, truncated ids kept", () => {
  const c = read(SEEDS.lore);
  assert.equal(c.kind, "flattened-thread");
  assert.deepEqual(c.messageIds, []);
  assert.deepEqual(c.truncatedIds, [
    "20250527-many_args_arm64-v3-0-3faf7bb8e4a2@bootl...",
    "20250707-btf_skip_structs_on_stack-v3-0-29569e08...",
    "20250613-deny_trampoline_structs_on_stack-v1-0-5...",
    "CAADnVQ+sj9XhscN9PdmTzjVa7Eif21noAUH3y1K6x5bWcL-...",
  ]);
  assert.ok(c.search.subjects.includes("bpf, arm64: remove structs on stack constraint"));
  assert.ok(c.search.subjects.includes("selftests/bpf: enable tracing_struct tests for arm64"));
  assert.deepEqual(c.search.authors, ["Alexis Lothoré", "Will Deacon", "Alexei Starovoitov"]);
  assert.ok(c.damage.some((d) => /newlines were lost/.test(d) && /2 diffs are flattened/.test(d)));
  assert.ok(c.damage.some((d) => /cut off/.test(d) && /no complete message-id/.test(d)));

  // cover, patch 1, Will, Alexis, Will, Alexei, Alexis, patch 2, bot notice.
  assert.equal(c.messages.length, 9);
  const who = c.messages.map((m) => m.from);
  assert.deepEqual(who, [
    "Alexis Lothoré (eBPF Foundation) <alexis.lothore@bootlin.com>",
    "Alexis Lothoré (eBPF Foundation) <alexis.lothore@bootlin.com>",
    "Will Deacon <will@kernel.org>",
    "Alexis Lothoré <alexis.lothore@bootlin.com>",
    "Will Deacon <will@kernel.org>",
    "Alexei Starovoitov <ast@kernel.org>",
    "Alexis Lothoré <alexis.lothore@bootlin.com>",
    "Alexis Lothoré (eBPF Foundation) <alexis.lothore@bootlin.com>",
    "",
  ]);
  // Dates come from the attribution lines that quote each mail; zoneless or unquoted ones stay unknown.
  assert.deepEqual(c.messages.map((m) => iso(m.time)), [
    "2025-07-09T08:36:54.000Z", // the bot's "On Wed, 09 Jul 2025 10:36:54 +0200 you wrote:"
    "2025-07-09T08:36:55.000Z",
    "2025-07-15T13:32:00.000Z", // "3:32 PM CEST"
    "2025-07-15T14:02:25.000Z",
    null, // "7:31 AM" without a zone
    "2025-07-15T15:40:00.000Z",
    null,
    null,
    null,
  ]);
  assert.ok(c.damage.some((d) => d.includes("Tue, Jul 15, 2025 at 7:31 AM")));
  assert.deepEqual(c.messages.map((m) => m.subject), [
    "",
    "[1/2] bpf, arm64: remove structs on stack constraint",
    "Re: [1/2] bpf, arm64: remove structs on stack constraint",
    "Re: [1/2] bpf, arm64: remove structs on stack constraint",
    "Re: [1/2] bpf, arm64: remove structs on stack constraint",
    "Re: [1/2] bpf, arm64: remove structs on stack constraint",
    "Re: [1/2] bpf, arm64: remove structs on stack constraint",
    "[2/2] selftests/bpf: enable tracing_struct tests for arm64",
    "",
  ]);
  assert.ok(c.messages.every((m) => m.messageIdSynthetic));

  const [cover, patch1, will] = c.messages;
  assert.ok(cover.body.startsWith("Hello, this series follows up"));
  assert.ok(cover.body.endsWith("Best regards,"));
  // The flattened diff stays on one line, untouched, for the diff analyzer to report.
  const diffLine = patch1.body.split("\n").find((l) => l.startsWith("diff --git "));
  assert.ok(diffLine?.includes(" index b6c42b5c96688251ea24f5e771fa1effff896541.."));
  assert.ok(
    diffLine?.includes(
      " --- a/arch/arm64/net/bpf_jit_comp.c +++ b/arch/arm64/net/bpf_jit_comp.c @@ -2240,11",
    ),
  );
  // Quote markers are restored by matching the quoted mail; own text stays unquoted.
  const willLines = will.body.split("\n");
  assert.equal(
    willLines[0],
    "On Wed, Jul 09, 2025 at 10:36:55AM +0200, Alexis Lothoré (eBPF Foundation) wrote:",
  );
  assert.ok(willLines[1].startsWith("> While introducing support for 9+ arguments"));
  assert.ok(willLines.includes("Will"));
  assert.ok(willLines.some((l) => l.startsWith("This is a question born more out of ignorance")));
  const alexei = c.messages[5];
  assert.ok(alexei.body.includes("\n>>>> While introducing support"));
  assert.ok(alexei.body.includes("\nI frankly don't see the point"));
  assert.ok(!alexei.rawBody.split("\n").some((l) => l.startsWith(">")), "rawBody is the page text");
  const bot = c.messages[8];
  assert.ok(bot.body.startsWith("Hello:\nThis series was applied to bpf/bpf-next.git"));
  assert.ok(bot.body.includes("\n> Hello, this series follows up"));
  assert.ok(
    !bot.body.includes("linux-kselftest-mirror@lists.linaro.org"),
    "page footer is not mail text",
  );
});

Deno.test("pipermail page (seed 002): de-obfuscated sender, ctime date, no ids", () => {
  const c = read(SEEDS.pipermail);
  assert.equal(c.kind, "pipermail");
  assert.deepEqual(c.messageIds, []);
  assert.equal(c.messages.length, 1);
  const m = c.messages[0];
  // The page drops "Re:"; the body opens by quoting Shubham, so it is a reply.
  assert.equal(m.subject, "Re: [PATCH v2] arm: eBPF JIT compiler");
  assert.ok(c.damage.some((d) => d.includes("without 'Re:'")));
  assert.equal(m.from, "Daniel Borkmann <daniel@iogearbox.net>");
  assert.equal(m.fromAddress, "daniel@iogearbox.net");
  assert.equal(iso(m.time), "2017-06-14T20:31:26.000Z");
  assert.ok(m.body.startsWith("On 06/13/2017 08:56 AM, Shubham Bansal wrote:\n> Hi Daniel"));
  assert.ok(m.body.endsWith("> solutions above."), "the list footer is cut off");
  assert.ok(c.search.subjects.includes("arm: eBPF JIT compiler"));
  assert.deepEqual(c.search.authors, ["Daniel Borkmann", "Shubham Bansal"]);
  assert.match(c.evidence, /linux-arm-kernel/);
  assert.ok(c.damage.some((d) => /Message-ID/.test(d)));
});

Deno.test("flattened raw mail (seed 003): headers recovered from one line, References ids", () => {
  const c = read(SEEDS.mbox);
  assert.equal(c.kind, "flattened-mbox");
  assert.deepEqual(c.messageIds, [
    "20260402012727.3916819-1-yonghong.song@linux.dev",
    "20260402012742.3917613-1-yonghong.song@linux.dev",
  ]);
  assert.equal(c.messages.length, 1);
  const m = c.messages[0];
  assert.equal(
    m.subject,
    "Re: [PATCH bpf-next 03/10] bpf: Support stack arguments for bpf functions",
  );
  assert.equal(m.from, "Yonghong Song");
  assert.equal(iso(m.time), "2026-04-03T04:05:41.000Z");
  assert.equal(m.messageIdSynthetic, true);
  assert.equal(m.inReplyTo, "20260402012742.3917613-1-yonghong.song@linux.dev");
  assert.deepEqual(m.to, ["Amery Hung"]);
  assert.equal(m.cc.length, 7);
  assert.equal(m.flowed, true);
  const names = m.headers.map((h) => h.name);
  assert.ok(names.includes("ARC-Seal") && names.includes("X-Migadu-Flow"));
  assert.ok(
    !names.includes("Message-ID") && !names.includes("In-Reply-To"),
    "empty fields are not headers",
  );
  assert.equal(m.headers.at(-1)?.value, "FLOW_OUT");
  // The body starts right after the last header field; the quoted patch stays flattened.
  assert.ok(m.body.startsWith("On 4/2/26 4:38 PM, Amery Hung wrote: > On Wed, Apr 1, 2026"));
  assert.ok(m.body.includes(">> diff --git a/include/linux/bpf.h b/include/linux/bpf.h >> index"));
  assert.ok(m.body.endsWith("callee->regs[i] = caller->regs[i]; [...]"));
  assert.ok(c.damage.some((d) => d.startsWith("Message-ID header is empty")));
  assert.ok(c.damage.some((d) => d.startsWith("In-Reply-To header is empty")));
  assert.ok(c.damage.some((d) => /newlines were lost/.test(d)));
  assert.deepEqual(c.search.subjects, ["bpf: Support stack arguments for bpf functions"]);
  assert.deepEqual(c.search.authors, ["Yonghong Song", "Amery Hung"]);

  // A flattened mbox of several mails is split at the "From mboxrd@z …" envelopes.
  const two = seed(SEEDS.mbox) + " " + seed(SEEDS.mbox).replace("03/10]", "04/10]");
  const both = readWebCopy(two);
  assert.equal(both?.kind, "flattened-mbox");
  assert.deepEqual(both?.messages.map((x) => x.subject.slice(0, 26)), [
    "Re: [PATCH bpf-next 03/10]",
    "Re: [PATCH bpf-next 04/10]",
  ]);
});

Deno.test("public-inbox page (seed 004): headers, folded Cc, thread overview", () => {
  const c = read(SEEDS.publicInbox);
  assert.equal(c.kind, "public-inbox-html");
  assert.equal(c.messageIds[0], "Yp4s7eNGvb2CNtPp@FVFF77S0Q05N.cambridge.arm.com");
  assert.equal(c.messageIds[1], "40fda0b0-0efc-ea1b-96d5-e51a4d1593dd@huawei.com");
  assert.ok(c.messageIds.includes("YmGF/OpIhAF8YeVq@lakrids"), "percent-decoded link id");
  assert.equal(new Set(c.messageIds).size, c.messageIds.length);
  assert.equal(c.messages.length, 1);
  const m = c.messages[0];
  assert.equal(m.messageId, "Yp4s7eNGvb2CNtPp@FVFF77S0Q05N.cambridge.arm.com");
  assert.equal(m.inReplyTo, "40fda0b0-0efc-ea1b-96d5-e51a4d1593dd@huawei.com");
  assert.equal(m.from, "Mark Rutland <mark.rutland@arm.com>");
  assert.deepEqual(m.to, ["Xu Kuohai <xukuohai@huawei.com>"]);
  assert.ok(m.cc.length >= 40, `cc has ${m.cc.length}`);
  assert.ok(m.cc.includes("Will Deacon <will@kernel.org>") && m.cc.includes("liwei391@huawei.com"));
  assert.equal(
    m.subject,
    "Re: [PATCH bpf-next v5 1/6] arm64: ftrace: Add ftrace direct call support",
  );
  assert.equal(m.date, "Mon, 6 Jun 2022 17:35:57 +0100", "'[thread overview]' link text removed");
  assert.ok(
    m.body.startsWith("On Thu, May 26, 2022 at 10:48:05PM +0800, Xu Kuohai wrote:\n> On 5/26/2022"),
  );
  assert.ok(m.body.endsWith("http://lists.infradead.org/mailman/listinfo/linux-arm-kernel"));
  assert.ok(!m.body.includes("Thread overview"));

  assert.equal(c.overview.length, 30);
  assert.deepEqual(c.overview[0], {
    date: "2022-05-18 13:16",
    subject: "[PATCH bpf-next v5 0/6] bpf trampoline for arm64",
    author: "Xu Kuohai",
    depth: 0,
    current: false,
  });
  const current = c.overview.filter((e) => e.current);
  assert.equal(current.length, 1);
  assert.equal(current[0].author, "Mark Rutland");
  assert.equal(current[0].date, "2022-06-06 16:35");
  assert.deepEqual(
    c.overview.map((e) => e.depth),
    [0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 1, 2, 3, 4, 5, 1, 2, 2, 3, 4, 5, 1, 2, 3, 2, 1],
  );
  assert.equal(c.overview[2].date, "2022-05-23 01:39", "space-padded hour");
  assert.equal(c.overview[2].author, "KP Singh");
  // A subject equal to the previous line's is not printed; a `"` stands for a shared tail.
  assert.equal(c.overview[2].subject, c.overview[1].subject);
  assert.equal(
    c.overview[25].subject,
    "[PATCH bpf-next v5 5/6] bpf, arm64: bpf trampoline for arm64",
  );
  assert.equal(c.overview[25].author, "Xu Kuohai");
  assert.equal(c.overview[9].author, "Florent Revest");
  assert.ok(c.search.subjects.includes("bpf trampoline for arm64"));
  assert.ok(c.damage.some((d) => /other 29 mails/.test(d)));
});

Deno.test("not web copies: real mail, mbox, prose, empty", () => {
  const mail = [
    "From: Xu Kuohai <xukuohai@huawei.com>",
    "To: bpf@vger.kernel.org",
    "Subject: [PATCH bpf-next v5 5/6] bpf, arm64: bpf trampoline for arm64",
    "Date: Wed, 18 May 2022 09:16:37 -0400",
    "Message-ID: <20220518131638.3401509-6-xukuohai@huawei.com>",
    "",
    "On Wed, May 18, 2022 at 09:16:33AM -0400, Xu Kuohai wrote:",
    "> Add bpf trampoline support for arm64.",
    "",
    "Signed-off-by: Xu Kuohai <xukuohai@huawei.com>",
    "---",
    " arch/arm64/net/bpf_jit_comp.c | 2 +-",
    " 1 file changed, 1 insertion(+), 1 deletion(-)",
    "",
    "diff --git a/arch/arm64/net/bpf_jit_comp.c b/arch/arm64/net/bpf_jit_comp.c",
    "index 1111111..2222222 100644",
    "--- a/arch/arm64/net/bpf_jit_comp.c",
    "+++ b/arch/arm64/net/bpf_jit_comp.c",
    "@@ -1,1 +1,1 @@",
    "-a",
    "+b",
    "",
  ].join("\n");
  assert.equal(readWebCopy(mail), null);
  assert.equal(readWebCopy(mail.replace(/\n/g, "\r\n")), null);
  const mbox = "From mboxrd@z Thu Jan  1 00:00:00 1970\n" + mail +
    "\nFrom mboxrd@z Thu Jan  1 00:00:00 1970\n" +
    mail.replace("Subject: [PATCH", "Subject: Re: [PATCH") +
    "\nHello:\n\nThis series was applied to bpf/bpf-next.git (master) by Alexei Starovoitov <ast@kernel.org>:\n";
  assert.equal(readWebCopy(mbox), null);
  const prose =
    "The BPF trampoline saves the arguments of the traced function on its stack. ".repeat(12) +
    "\n\nOn arm64 the first eight go in registers; the rest are on the caller's stack.\n";
  assert.equal(readWebCopy(prose), null);
  assert.equal(readWebCopy(""), null);
  assert.equal(readWebCopy("  \n\t\n"), null);
});

Deno.test("cut-off pages never throw", () => {
  for (const name of Object.values(SEEDS)) {
    const text = seed(name);
    for (let k = 1; k <= 10; k++) {
      const cut = Math.floor((text.length * k) / 11);
      for (const piece of [text.slice(0, cut), text.slice(cut), text.slice(0, cut) + "..."]) {
        const copy = readWebCopy(piece);
        if (copy) {
          assert.ok(Array.isArray(copy.messages) && Array.isArray(copy.messageIds));
          for (const id of copy.messageIds) assert.match(id, /^[^\s<>@]+@[^\s<>@]+$/);
        }
      }
    }
  }
});

Deno.test("patchwork patch page with a diff and a comment", () => {
  const page = [
    "[bpf-next,v2,1/2] bpf, arm64: remove structs on stack constraint",
    "diff mbox series",
    "Message ID\t20250709-arm64_relax_jit_comp-v1-1-2f8c6d1e7b35@bootlin.com",
    "State\tAccepted",
    "Headers\tshow",
    "Series\tbpf, arm64: remove structs on stack constraint | expand",
    "Commit Message",
    "Alexis Lothoré (eBPF Foundation) July 9, 2025, 8:36 a.m. UTC",
    "Now that the constraint is handled by pahole, remove it.",
    "",
    "Signed-off-by: Alexis Lothoré (eBPF Foundation) <alexis.lothore@bootlin.com>",
    "Patch",
    "diff --git a/arch/arm64/net/bpf_jit_comp.c b/arch/arm64/net/bpf_jit_comp.c",
    "index b6c42b5..89b1b8c 100644",
    "Comments",
    "Will Deacon July 15, 2025, 1:32 p.m. UTC | #1",
    "This is a question born more out of ignorance.",
    "Will Deacon Sept. 1, 2025, noon UTC | #2",
    "Ping.",
  ].join("\n");
  const c = readWebCopy(page);
  assert.ok(c);
  assert.equal(c.kind, "patchwork");
  assert.deepEqual(c.messageIds, ["20250709-arm64_relax_jit_comp-v1-1-2f8c6d1e7b35@bootlin.com"]);
  assert.equal(c.messages.length, 3);
  const [patch, first, second] = c.messages;
  assert.equal(patch.subject, "[bpf-next,v2,1/2] bpf, arm64: remove structs on stack constraint");
  assert.equal(iso(patch.time), "2025-07-09T08:36:00.000Z");
  assert.ok(
    patch.body.includes("Signed-off-by:") && patch.body.includes("\ndiff --git a/arch/arm64"),
  );
  assert.ok(!patch.body.includes("Ping."));
  assert.equal(
    first.subject,
    "Re: [bpf-next,v2,1/2] bpf, arm64: remove structs on stack constraint",
  );
  assert.equal(first.from, "Will Deacon");
  assert.equal(iso(first.time), "2025-07-15T13:32:00.000Z");
  assert.equal(first.body, "This is a question born more out of ignorance.");
  assert.equal(iso(second.time), "2025-09-01T12:00:00.000Z");
});

Deno.test("public-inbox overview: ghost parents give ids; unknown zone in pipermail is reported", () => {
  const page = [
    "From: Jane Doe <jane@example.org>",
    "To: bpf@vger.kernel.org",
    "Subject: Re: [PATCH] bpf: x",
    "Date: Mon, 6 Jun 2022 17:35:57 +0100\t[thread overview]",
    "Message-ID: <a@example.org> (raw)",
    "",
    "Looks good.",
    "",
    "Thread overview: 3+ messages / expand[flat|nested]  mbox.gz  Atom feed  top",
    "     [not found] <root@example.org>",
    "2022-06-06 10:00 ` [PATCH] bpf: x John Roe",
    "2022-06-06 16:35   ` Jane Doe [this message]",
    "",
  ].join("\n");
  const c = readWebCopy(page);
  assert.ok(c);
  assert.equal(c.kind, "public-inbox-html");
  assert.deepEqual(c.messageIds, ["a@example.org", "root@example.org"]);
  assert.deepEqual(c.overview.map((e) => [e.depth, e.subject, e.author, e.current]), [
    [1, "[PATCH] bpf: x", "John Roe", false],
    [2, "[PATCH] bpf: x", "Jane Doe", true],
  ]);

  const pipermail =
    "Re: [PATCH] x\nJane Doe\njane at example.org\nWed Jun 14 13:31:26 XYZ 2017\nOk.\n";
  const p = readWebCopy(pipermail);
  assert.ok(p);
  assert.equal(p.kind, "pipermail");
  assert.equal(p.messages[0].time, null);
  assert.ok(p.damage.some((d) => /time zone/.test(d)));
});
