import { deepStrictEqual, equal } from "node:assert/strict";
import { normaliseTitle, parseSubject } from "./subject.ts";

Deno.test("plain [PATCH]", () => {
  const s = parseSubject("[PATCH] bpf: fix a thing");
  equal(s.patch, true);
  equal(s.version, 1);
  equal(s.index, null);
  equal(s.title, "bpf: fix a thing");
  equal(s.tree, null);
});

Deno.test("tree tag, version and n/m", () => {
  const s = parseSubject("[PATCH bpf-next v3 2/4] bpf, arm64: Support up to 12 function arguments");
  deepStrictEqual(
    [s.patch, s.version, s.index, s.total, s.tree, s.rfc, s.reply],
    [true, 3, 2, 4, "bpf-next", false, false],
  );
  equal(s.title, "bpf, arm64: Support up to 12 function arguments");
});

Deno.test("RFC PATCH, RESEND, PATCHv2 and two-digit numbering", () => {
  const a = parseSubject("[RFC PATCH] x");
  equal(a.rfc, true);
  equal(a.patch, true);
  const b = parseSubject("[PATCH RESEND net] y");
  equal(b.resend, true);
  equal(b.tree, "net");
  const c = parseSubject("[PATCHv2 03/10] z");
  deepStrictEqual([c.version, c.index, c.total], [2, 3, 10]);
});

Deno.test("b4 order: [PATCH RFC bpf-next 0/4] is a cover letter", () => {
  const s = parseSubject("[PATCH RFC bpf-next 0/4] bpf, arm64: support up to 12 arguments");
  deepStrictEqual([s.rfc, s.index, s.total, s.tree], [true, 0, 4, "bpf-next"]);
});

Deno.test("patchwork comma tags", () => {
  const s = parseSubject("[RFC,bpf-next,0/4] bpf, arm64: support up to 12 arguments");
  deepStrictEqual([s.patch, s.rfc, s.index, s.total, s.tree], [true, true, 0, 4, "bpf-next"]);
});

Deno.test("replies: Re:, RE:, Aw:, nested", () => {
  const s = parseSubject(
    "Re: RE: [PATCH bpf-next v5 1/6] arm64: ftrace: Add ftrace direct call support",
  );
  equal(s.reply, true);
  equal(s.index, 1);
  equal(s.version, 5);
  equal(s.title, "arm64: ftrace: Add ftrace direct call support");
  equal(parseSubject("Aw: [PATCH] q").reply, true);
  equal(parseSubject("Subject without tags").patch, false);
});

Deno.test("normaliseTitle ignores tags, case and spacing", () => {
  equal(
    normaliseTitle("[PATCH bpf-next v2 0/4] bpf,  arm64: Support up to 12 arguments"),
    normaliseTitle("[RFC PATCH 0/4] bpf, arm64: support up to 12 arguments"),
  );
});
