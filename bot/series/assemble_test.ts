import { deepStrictEqual, equal } from "node:assert/strict";
import { assembleSeries } from "./assemble.ts";
import { selectSeries } from "./select.ts";
import { parseMessage } from "../ingest/message.ts";
import type { Message } from "../ingest/types.ts";

interface Spec {
  id: string;
  subject: string;
  from?: string;
  date?: string;
  irt?: string;
  refs?: string[];
  body?: string;
}

function msg(s: Spec): Message {
  const h = [
    `From: ${s.from ?? "Ann Author <ann@example.org>"}`,
    `Subject: ${s.subject}`,
    `Date: ${s.date ?? "Mon, 1 Jan 2024 10:00:00 +0000"}`,
    `Message-ID: <${s.id}>`,
  ];
  if (s.irt) h.push(`In-Reply-To: <${s.irt}>`);
  if (s.refs) h.push(`References: ${s.refs.map((r) => `<${r}>`).join(" ")}`);
  return parseMessage(new TextEncoder().encode(h.join("\n") + "\n\n" + (s.body ?? "text\n")));
}

const diff = (file: string) =>
  `Signed-off-by: Ann Author <ann@example.org>\n---\n ${file} | 1 +\n 1 file changed, 1 insertion(+)\n\n` +
  `diff --git a/${file} b/${file}\nindex 1111111..2222222 100644\n--- a/${file}\n+++ b/${file}\n` +
  `@@ -1,2 +1,3 @@ int f(void)\n a\n+b\n c\n-- \n2.43.0\n`;

function postSeries(
  prefix: string,
  tag: string,
  n: number,
  opts: { skip?: number[]; changeId?: string; t?: number } = {},
) {
  const cover = `${prefix}-0@x`;
  const t = opts.t ?? 0;
  const date = (k: number) => new Date(Date.UTC(2024, 0, 1 + t, 10, k)).toUTCString();
  const out: Message[] = [
    msg({
      id: cover,
      subject: `[${tag} 0/${n}] bpf: the series`,
      date: date(0),
      body: `cover\n\nbase-commit: abcdef1234567\n${
        opts.changeId ? `change-id: ${opts.changeId}\n` : ""
      }`,
    }),
  ];
  for (let i = 1; i <= n; i++) {
    if (opts.skip?.includes(i)) continue;
    out.push(msg({
      id: `${prefix}-${i}@x`,
      subject: `[${tag} ${i}/${n}] bpf: part ${i}`,
      irt: cover,
      refs: [cover],
      date: date(i),
      body: diff(`kernel/bpf/f${i}.c`),
    }));
  }
  return out;
}

Deno.test("cover, ordered patches, replies attached to what they answer", () => {
  const msgs = postSeries("s1", "PATCH bpf-next", 3);
  msgs.push(
    msg({
      id: "r1@x",
      subject: "Re: [PATCH bpf-next 2/3] bpf: part 2",
      irt: "s1-2@x",
      refs: ["s1-0@x", "s1-2@x"],
      date: "Tue, 2 Jan 2024 10:00:00 +0000",
    }),
  );
  msgs.push(
    msg({
      id: "r2@x",
      subject: "Re: [PATCH bpf-next 2/3] bpf: part 2",
      irt: "r1@x",
      refs: ["s1-0@x", "s1-2@x", "r1@x"],
      date: "Tue, 2 Jan 2024 11:00:00 +0000",
    }),
  );
  msgs.push(
    msg({
      id: "r3@x",
      subject: "Re: [PATCH bpf-next 0/3] bpf: the series",
      irt: "s1-0@x",
      date: "Tue, 2 Jan 2024 12:00:00 +0000",
    }),
  );
  const asm = assembleSeries(msgs.reverse());
  equal(asm.series.length, 1);
  const s = asm.series[0];
  equal(s.messageId, "s1-0@x");
  deepStrictEqual(s.patches.map((p) => p.index), [1, 2, 3]);
  deepStrictEqual(s.missing, []);
  equal(s.replies.length, 3);
  deepStrictEqual(s.patches[1].replies.map((r) => r.messageId), ["r1@x", "r2@x"]);
  equal(s.baseCommit, "abcdef1234567");
  equal(s.tree, "bpf-next");
  equal(s.patches[0].diff.files[0].newPath, "kernel/bpf/f1.c");
});

Deno.test("missing patches and a patch posted twice under two ids", () => {
  const msgs = postSeries("s2", "PATCH", 4, { skip: [2, 4] });
  msgs.push(
    msg({
      id: "s2-3-again@x",
      subject: "[PATCH 3/4] bpf: part 3",
      irt: "s2-0@x",
      refs: ["s2-0@x"],
      date: "Mon, 1 Jan 2024 12:00:00 +0000",
      body: diff("a.c"),
    }),
  );
  const s = assembleSeries(msgs).series[0];
  deepStrictEqual(s.missing, [2, 4]);
  deepStrictEqual(s.duplicateIndices, [3]);
  deepStrictEqual(s.patches.find((p) => p.index === 3)!.duplicates, ["s2-3-again@x"]);
});

Deno.test("cross-posted copies of one message-id count once", () => {
  const msgs = postSeries("s3", "PATCH", 2);
  const again = postSeries("s3", "PATCH", 2);
  const s = assembleSeries([...msgs, ...again]).series;
  equal(s.length, 1);
  deepStrictEqual(s[0].duplicateIndices, []);
  equal(s[0].patches.length, 2);
});

Deno.test("versions link by change-id, newest selected by default, --version picks", () => {
  const v1 = postSeries("a1", "PATCH RFC", 2, { changeId: "20240101-x-123", t: 0 });
  const v2 = postSeries("a2", "PATCH v2", 2, { changeId: "20240101-x-123", t: 5 });
  const asm = assembleSeries([...v2, ...v1]);
  equal(asm.series.length, 2);
  const newest = selectSeries(asm, null, null).series!;
  equal(newest.version, 2);
  equal(newest.previousVersion, "a1-0@x");
  deepStrictEqual(newest.versions.map((v) => v.version), [1, 2]);
  equal(selectSeries(asm, "a1-1@x", 1).series!.messageId, "a1-0@x");
  equal(selectSeries(asm, null, 7).series, null);
});

Deno.test("versions without change-id link by normalised title and author", () => {
  const v1 = postSeries("b1", "PATCH", 1, { t: 0 });
  const v3 = postSeries("b3", "PATCH v3", 1, { t: 9 });
  const other = postSeries("c1", "PATCH", 1, { t: 3 }).map((m) => ({
    ...m,
    from: "Bob <bob@x>",
    fromAddress: "bob@x",
  }));
  const asm = assembleSeries([...v1, ...v3, ...other]);
  const s = asm.series.find((x) => x.messageId === "b3-0@x")!;
  equal(s.previousVersion, "b1-0@x");
  equal(asm.series.find((x) => x.messageId === "c1-0@x")!.previousVersion, null);
});

Deno.test("a single patch without n/m and without cover is a series of one", () => {
  const asm = assembleSeries([
    msg({ id: "solo@x", subject: "[PATCH net] net: fix", body: diff("net/x.c") }),
  ]);
  equal(asm.series.length, 1);
  equal(asm.series[0].messageId, "solo@x");
  equal(asm.series[0].cover, null);
  deepStrictEqual(asm.series[0].missing, []);
});

Deno.test("a lone reply to a patch that is not present belongs to no series", () => {
  const asm = assembleSeries([
    msg({ id: "q@x", subject: "Re: [PATCH bpf-next 03/10] bpf: y", irt: "absent@x" }),
  ]);
  equal(asm.series.length, 0);
  equal(asm.other.length, 1);
});

Deno.test("5000-message thread assembles (bounded work per message)", () => {
  const msgs = postSeries("big", "PATCH", 10);
  let parent = "big-1@x";
  for (let i = 0; i < 5000; i++) {
    const id = `big-r${i}@x`;
    msgs.push(
      msg({
        id,
        subject: "Re: [PATCH 1/10] bpf: part 1",
        irt: parent,
        refs: ["big-0@x", "big-1@x", parent],
      }),
    );
    parent = i % 50 === 0 ? "big-1@x" : id;
  }
  const s = assembleSeries(msgs).series[0];
  equal(s.replies.length, 5000);
  equal(s.patches[0].replies.length, 5000);
});

Deno.test("self-references and reference cycles do not loop", () => {
  const a = msg({ id: "a@x", subject: "[PATCH 1/2] x", irt: "b@x", refs: ["a@x", "b@x"] });
  const b = msg({ id: "b@x", subject: "[PATCH 2/2] y", irt: "a@x", refs: ["b@x", "a@x"] });
  const r = msg({ id: "r@x", subject: "Re: z", irt: "r@x", refs: ["r@x"] });
  const asm = assembleSeries([a, b, r]);
  equal(asm.series.reduce((n, s) => n + s.patches.length, 0), 2);
  equal(asm.other.length, 1);
});

Deno.test("unthreaded patches of one posting group by author, version, size and time", () => {
  const a = msg({
    id: "u1@x",
    subject: "[PATCH v2 1/2] a",
    date: "Mon, 1 Jan 2024 10:00:00 +0000",
    body: diff("a.c"),
  });
  const b = msg({
    id: "u2@x",
    subject: "[PATCH v2 2/2] b",
    date: "Mon, 1 Jan 2024 10:01:00 +0000",
    body: diff("b.c"),
  });
  const later = msg({
    id: "u3@x",
    subject: "[PATCH v2 1/2] a",
    date: "Mon, 8 Jan 2024 10:00:00 +0000",
    body: diff("a.c"),
  });
  const other = msg({
    id: "u4@x",
    subject: "[PATCH v2 2/2] c",
    from: "Bob <bob@x>",
    body: diff("c.c"),
  });
  const asm = assembleSeries([a, b, later, other]);
  const s = asm.series.find((x) => x.messageId === "u1@x")!;
  deepStrictEqual(s.patches.map((p) => p.message.messageId), ["u1@x", "u2@x"]);
  deepStrictEqual(s.missing, []);
  equal(asm.series.length, 3);
});

Deno.test("a reply without ids attaches to the patch its subject names", () => {
  const p = msg({ id: "p@x", subject: "[PATCH v3 1/1] bpf: q", body: diff("q.c") });
  const r = parseMessage(
    new TextEncoder().encode("From: R <r@x>\nSubject: Re: [PATCH v3 1/1] bpf: q\n\nok\n"),
  );
  const asm = assembleSeries([p, r]);
  equal(asm.series[0].patches[0].replies.length, 1);
  equal(asm.other.length, 0);
});
