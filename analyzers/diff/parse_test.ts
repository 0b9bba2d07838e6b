import assert from "node:assert/strict";
import {
  firstUnquotedDiff,
  flattenedReason,
  functionNameFromContext,
  parseDiff,
  parseGitHeaderPaths,
  parseHunkHeader,
} from "./parse.ts";
import { bigPatch } from "./testdata.ts";
import type { FileDiff, ParsedDiff } from "./types.ts";

// Fixtures are written for these tests (made-up code, not kernel source).
// Lines that must keep a trailing space ("-- ", an empty context line " ") are
// built with ${SP} so no editor or formatter can strip them.
const SP = " ";

const MULTI = `From 1234 Mon Sep 17 00:00:00 2001
From: Dev <dev@example.org>
Subject: [PATCH bpf-next] bpf: example change across files

Explain the change here.

Signed-off-by: Dev <dev@example.org>
---
 arch/x86/net/jit_demo.c | 5 +++--
 tools/new_name.c        | 2 +-
 2 files changed, 5 insertions(+), 3 deletions(-)

diff --git a/arch/x86/net/jit_demo.c b/arch/x86/net/jit_demo.c
index 1111111..2222222 100644
--- a/arch/x86/net/jit_demo.c
+++ b/arch/x86/net/jit_demo.c
@@ -10,6 +10,7 @@ static void save_args(const struct btf_func_model *m, u8 **prog,
 	int i;
 	int nr;
${SP}
-	nr = m->nr_args;
+	nr = m->nr_args;
+	nr += extra;
 	for (i = 0; i < nr; i++)
 		emit(prog, i);
@@ -40,3 +41,3 @@ int arch_prepare_bpf_trampoline(struct bpf_tramp_image *im, void *image,
 	a = 1;
-	b = 2;
+	b = 3;
 	c = 4;
diff --git a/tools/old_name.c b/tools/new_name.c
similarity index 90%
rename from tools/old_name.c
rename to tools/new_name.c
index 3333333..4444444 100644
--- a/tools/old_name.c
+++ b/tools/new_name.c
@@ -1,2 +1,2 @@
-int old_value;
+int new_value;
 int keep_value;
diff --git a/tools/added.h b/tools/added.h
new file mode 100644
index 0000000..5555555
--- /dev/null
+++ b/tools/added.h
@@ -0,0 +1,3 @@
+#ifndef ADDED_H
+#define ADDED_H
+#endif
diff --git a/tools/DENYLIST.demo b/tools/DENYLIST.demo
deleted file mode 100644
index 12e9abc..0000000
--- a/tools/DENYLIST.demo
+++ /dev/null
@@ -1 +0,0 @@
-demo_test # fails on this arch
diff --git a/tools/blob.bin b/tools/blob.bin
index 6666666..7777777 100644
Binary files a/tools/blob.bin and b/tools/blob.bin differ
diff --git a/docs/icon.png b/docs/icon.png
new file mode 100644
index 0000000000000000000000000000000000000000..1234567890abcdef1234567890abcdef12345678
GIT binary patch
literal 12
TcmZQzVBq\`z0RRC20RRC2

literal 0
HcmV?d00001

diff --git a/docs/notes.txt b/docs/notes.txt
index 8888888..9999999 100644
--- a/docs/notes.txt
+++ b/docs/notes.txt
@@ -1,2 +1,2 @@
 first line
-second line
\\ No newline at end of file
+second line, edited
\\ No newline at end of file
--${SP}
2.43.0
`;

function byPath(r: ParsedDiff, path: string): FileDiff {
  const f = r.files.find((x) => (x.newPath ?? x.oldPath) === path);
  assert.ok(f, `no file ${path} in ${r.files.map((x) => x.newPath ?? x.oldPath).join(", ")}`);
  return f;
}

/** 1-based line number of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split("\n").findIndex((l) => l.includes(needle)) + 1;
}

Deno.test("multi-file patch: paths, change kinds, blobs, counts", () => {
  const r = parseDiff(MULTI);
  assert.equal(r.mangled, null);
  assert.equal(r.empty, false);
  assert.deepEqual(
    r.files.map((f) => [f.oldPath, f.newPath, f.change, f.binary]),
    [
      ["arch/x86/net/jit_demo.c", "arch/x86/net/jit_demo.c", "modify", false],
      ["tools/old_name.c", "tools/new_name.c", "rename", false],
      [null, "tools/added.h", "add", false],
      ["tools/DENYLIST.demo", null, "delete", false],
      ["tools/blob.bin", "tools/blob.bin", "modify", true],
      [null, "docs/icon.png", "add", true],
      ["docs/notes.txt", "docs/notes.txt", "modify", false],
    ],
  );
  const jit = byPath(r, "arch/x86/net/jit_demo.c");
  assert.equal(jit.oldBlob, "1111111");
  assert.equal(jit.newBlob, "2222222");
  assert.equal(jit.mode, "100644");
  assert.equal(jit.added, 3);
  assert.equal(jit.removed, 2);
  assert.equal(jit.hunks.length, 2);

  const ren = byPath(r, "tools/new_name.c");
  assert.equal(ren.similarity, 90);
  assert.equal(ren.added, 1);
  assert.equal(ren.removed, 1);

  const del = byPath(r, "tools/DENYLIST.demo");
  assert.equal(del.oldBlob, "12e9abc");
  assert.equal(del.newBlob, "0000000");
  assert.equal(del.mode, "100644");
  assert.equal(del.removed, 1);
  assert.deepEqual(
    [del.hunks[0].oldStart, del.hunks[0].oldLines, del.hunks[0].newStart, del.hunks[0].newLines],
    [1, 1, 0, 0],
  );

  const add = byPath(r, "tools/added.h");
  assert.equal(add.mode, "100644");
  assert.equal(add.added, 3);
  assert.equal(add.hunks[0].oldLines, 0);

  const png = byPath(r, "docs/icon.png");
  assert.equal(png.hunks.length, 0);
  assert.equal(png.newBlob, "1234567890abcdef1234567890abcdef12345678");
});

Deno.test("hunk fields: starts, counts, context, function name, line numbers", () => {
  const r = parseDiff(MULTI);
  const [h1, h2] = byPath(r, "arch/x86/net/jit_demo.c").hunks;
  assert.deepEqual([h1.oldStart, h1.oldLines, h1.newStart, h1.newLines], [10, 6, 10, 7]);
  assert.equal(
    h1.functionContext,
    "static void save_args(const struct btf_func_model *m, u8 **prog,",
  );
  assert.equal(h1.functionName, "save_args");
  assert.equal(h1.at, lineOf(MULTI, "@@ -10,6"));
  assert.deepEqual(h1.lines.map((l) => l.kind).join(""), "   -++  ");
  assert.equal(h1.lines[2].text, "");
  assert.equal(h1.lines[4].text, "\tnr = m->nr_args;");
  assert.equal(h2.functionName, "arch_prepare_bpf_trampoline");
  assert.deepEqual([h2.oldStart, h2.newStart], [40, 41]);
  const plainHunk = byPath(r, "tools/new_name.c").hunks[0];
  assert.equal(plainHunk.functionContext, "");
  assert.equal(plainHunk.functionName, null);
});

Deno.test("no-newline markers, mid-hunk and after the last line", () => {
  const h = byPath(parseDiff(MULTI), "docs/notes.txt").hunks[0];
  assert.deepEqual(h.lines.map((l) => l.kind).join(""), " -\\+\\");
  assert.equal(h.lines[2].text, " No newline at end of file");
});

Deno.test("CRLF input parses exactly like LF input", () => {
  const lf = parseDiff(MULTI);
  const crlf = parseDiff(MULTI.replaceAll("\n", "\r\n"));
  assert.deepEqual(crlf, lf);
});

Deno.test("empty context line whose space the mailer stripped is accepted", () => {
  const stripped = MULTI.replace(` \tint nr;\n${SP}\n`, " \tint nr;\n\n");
  assert.notEqual(stripped, MULTI);
  const r = parseDiff(stripped);
  assert.equal(r.mangled, null);
  const h1 = byPath(r, "arch/x86/net/jit_demo.c").hunks[0];
  assert.equal(h1.lines[2].kind, " ");
  assert.equal(h1.lines[2].text, "");
});

Deno.test("plain --- / +++ diff without a diff --git line", () => {
  const text = `Some reply text with a diff:

--- a/lib/plain.c\t2024-01-01 00:00:00.000000000 +0000
+++ b/lib/plain.c\t2024-01-02 00:00:00.000000000 +0000
@@ -5 +5 @@ int plain_func(void)
-\treturn 0;
+\treturn 1;
--- a/lib/other.c
+++ b/lib/other.c
@@ -1,2 +1,3 @@
 int a;
+int b;
 int c;
`;
  const r = parseDiff(text);
  assert.equal(r.mangled, null);
  assert.deepEqual(r.files.map((f) => [f.oldPath, f.newPath, f.change]), [
    ["lib/plain.c", "lib/plain.c", "modify"],
    ["lib/other.c", "lib/other.c", "modify"],
  ]);
  const h = r.files[0].hunks[0];
  assert.deepEqual([h.oldStart, h.oldLines, h.newStart, h.newLines], [5, 1, 5, 1]);
  assert.equal(h.functionName, "plain_func");
  assert.equal(r.files[1].added, 1);
});

Deno.test("quoted and space-containing paths", () => {
  const text = `diff --git "a/docs/with space.txt" "b/docs/caf\\303\\251.txt"
similarity index 100%
rename from "docs/with space.txt"
rename to "docs/caf\\303\\251.txt"
diff --git a/my file.c b/my file.c
index 1234567..89abcde 100644
--- a/my file.c\t
+++ b/my file.c\t
@@ -1 +1 @@
-x
+y
`;
  const r = parseDiff(text);
  assert.equal(r.mangled, null);
  assert.deepEqual(r.files.map((f) => [f.oldPath, f.newPath, f.change, f.similarity]), [
    ["docs/with space.txt", "docs/café.txt", "rename", 100],
    ["my file.c", "my file.c", "modify", null],
  ]);
  assert.deepEqual(parseGitHeaderPaths("a/x y/z.c b/x y/z.c"), {
    oldPath: "x y/z.c",
    newPath: "x y/z.c",
  });
  assert.deepEqual(parseGitHeaderPaths("a/old.c b/new.c"), { oldPath: "old.c", newPath: "new.c" });
});

Deno.test("mode-only change and copy are files without hunks and not mangled", () => {
  const text = `diff --git a/scripts/run.sh b/scripts/run.sh
old mode 100644
new mode 100755
diff --git a/a.c b/b.c
similarity index 95%
copy from a.c
copy to b.c
index 1234567..89abcde 100644
--- a/a.c
+++ b/b.c
@@ -1 +1 @@
-one
+two
`;
  const r = parseDiff(text);
  assert.equal(r.mangled, null);
  assert.deepEqual(r.files.map((f) => [f.oldPath, f.newPath, f.change, f.mode]), [
    ["scripts/run.sh", "scripts/run.sh", "modify", "100755"],
    ["a.c", "b.c", "copy", "100644"],
  ]);
});

Deno.test("trailers after the diff (b4 base-commit, signature) are not mangling", () => {
  const text = `diff --git a/x.c b/x.c
index 1234567..89abcde 100644
--- a/x.c
+++ b/x.c
@@ -1,2 +1,2 @@ int main(void)
-one
+two
 three

---
base-commit: 0123456789abcdef0123456789abcdef01234567
change-id: 20250101-demo-123456

Best regards,
--${SP}
Dev <dev@example.org>
`;
  const r = parseDiff(text);
  assert.equal(r.mangled, null);
  assert.equal(r.files.length, 1);
  assert.equal(r.files[0].hunks[0].functionName, "main");
});

Deno.test("seed 001: the real flattened archive copy is reported as flattened", async () => {
  const seed = await Deno.readTextFile(
    new URL("../../../shared/seeds/001_0536a90668a58391.txt", import.meta.url),
  );
  const r = parseDiff(seed);
  assert.ok(r.mangled, "seed 001 must be reported as mangled");
  assert.match(r.mangled.reason, /flattened/);
  assert.match(r.mangled.reason, /hunk header/);
  assert.equal(r.mangled.line, lineOf(seed, "diff --git"));
  assert.ok(r.mangled.text.startsWith("diff --git a/arch/arm64/net/bpf_jit_comp.c"));
  assert.ok(r.mangled.text.length <= 200);
  assert.equal(r.empty, false);
  // Both flattened headers are still listed, with what their pieces say.
  assert.deepEqual(r.files.map((f) => [f.oldPath, f.newPath, f.change, f.hunks.length]), [
    ["arch/arm64/net/bpf_jit_comp.c", "arch/arm64/net/bpf_jit_comp.c", "modify", 0],
    ["tools/testing/selftests/bpf/DENYLIST.aarch64", null, "delete", 0],
  ]);
});

Deno.test("seed 003: a flattened reply quoting a patch (>> diff --git) is not a patch", async () => {
  const seed = await Deno.readTextFile(
    new URL("../../../shared/seeds/003_c38c0a08a8abf8a4.txt", import.meta.url),
  );
  assert.ok(seed.includes(">> diff --git a/include/linux/bpf.h"));
  assert.deepEqual(parseDiff(seed), { files: [], mangled: null, empty: true });
  assert.equal(firstUnquotedDiff("x >> diff --git a/a b/a > y diff --git a/b b/b"), 28);
});

Deno.test("flattened diff header after other text on the same line", () => {
  const text = `Signed-off-by: Dev <dev@example.org> --- x.c | 2 +- ` +
    `diff --git a/x.c b/x.c index 1234567..89abcde 100644 --- a/x.c +++ b/x.c ` +
    `@@ -1 +1 @@ -a +b\n`;
  const r = parseDiff(text);
  assert.ok(r.mangled);
  assert.match(r.mangled.reason, /^lines flattened: text before the diff header, diff header/);
  assert.equal(r.mangled.line, 1);
  assert.equal(r.files[0].newPath, "x.c");
  assert.equal(flattenedReason("diff --git a/x.c b/x.c"), null);
  assert.equal(flattenedReason("I used git diff --git-dir here"), null);
});

Deno.test("flattened index line inside an otherwise normal header", () => {
  const text = `diff --git a/x.c b/x.c
index 1234567..89abcde 100644 --- a/x.c +++ b/x.c @@ -1 +1 @@ -a +b
`;
  const r = parseDiff(text);
  assert.ok(r.mangled);
  assert.match(r.mangled.reason, /lines flattened: index, ---\/\+\+\+ file names and hunk header/);
  assert.equal(r.mangled.line, 2);
});

const WRAPPED = `diff --git a/kernel/demo.c b/kernel/demo.c
index 1234567..89abcde 100644
--- a/kernel/demo.c
+++ b/kernel/demo.c
@@ -20,4 +20,4 @@ static int demo_func(int a)
 \tint x = a;
-\tpr_info("a rather long message that the mail client decided to wrap at
this point in the line\\n");
+\tpr_info("short\\n");
 \treturn x;
 }
`;

Deno.test("wrapped line inside a hunk", () => {
  const r = parseDiff(WRAPPED);
  assert.ok(r.mangled);
  assert.equal(
    r.mangled.reason,
    "hunk 1 of kernel/demo.c: line wrapped (line without a diff prefix inside the hunk, " +
      "expected 2 more old / 3 more new lines)",
  );
  assert.equal(r.mangled.line, 8);
  assert.equal(r.mangled.text, 'this point in the line\\n");');
  // The file and its (partial) hunk are kept so later stages see what it touched.
  assert.equal(r.files[0].hunks[0].functionName, "demo_func");
});

Deno.test("wrong counts: header promises more lines than the body has", () => {
  const text = `diff --git a/a.c b/a.c
index 1234567..89abcde 100644
--- a/a.c
+++ b/a.c
@@ -1,5 +1,5 @@
 a
-b
+c
 d
diff --git a/b.c b/b.c
index 1234567..89abcde 100644
--- a/b.c
+++ b/b.c
@@ -1 +1 @@
-x
+y
`;
  const r = parseDiff(text);
  assert.ok(r.mangled);
  assert.equal(
    r.mangled.reason,
    "hunk 1 of a.c: header says -1,5 +1,5 but the body has 3 old / 3 new lines",
  );
  assert.equal(r.mangled.line, 5);
  assert.equal(r.mangled.text, "@@ -1,5 +1,5 @@");
  // Parsing resumed at the next file.
  assert.equal(r.files.length, 2);
  assert.equal(r.files[1].added, 1);
});

Deno.test("wrong counts: body longer than the header says", () => {
  const text = `diff --git a/a.c b/a.c
index 1234567..89abcde 100644
--- a/a.c
+++ b/a.c
@@ -1,2 +1,2 @@ void f(void)
 a
-b
+c
 d
 e
`;
  const r = parseDiff(text);
  assert.ok(r.mangled);
  assert.equal(
    r.mangled.reason,
    "hunk 1 of a.c: header says -1,2 +1,2 but the body has 4 old / 4 new lines",
  );
  assert.equal(r.mangled.line, 5);
});

Deno.test("truncated diff: body cut off at the end of the text", () => {
  const full = byPath(parseDiff(MULTI), "arch/x86/net/jit_demo.c");
  assert.equal(full.hunks.length, 2);
  const cut = MULTI.slice(0, MULTI.indexOf("+\tnr += extra;"));
  const r = parseDiff(cut);
  assert.ok(r.mangled);
  assert.equal(
    r.mangled.reason,
    "hunk 1 of arch/x86/net/jit_demo.c: header says -10,6 +10,7 but the body has 4 old / 4 new lines",
  );
  assert.equal(r.mangled.line, lineOf(MULTI, "@@ -10,6"));
  assert.equal(r.files.length, 1);
});

Deno.test("truncated diff followed by the signature", () => {
  const text = `diff --git a/a.c b/a.c
index 1234567..89abcde 100644
--- a/a.c
+++ b/a.c
@@ -10,7 +10,8 @@
 a
-b
+c
--${SP}
2.43.0
`;
  const r = parseDiff(text);
  assert.ok(r.mangled);
  assert.match(r.mangled.reason, /header says -10,7 \+10,8 but the body has 2 old \/ 2 new lines/);
});

Deno.test("whitespace damage: context lines start with a tab, no space", () => {
  const text = `diff --git a/a.c b/a.c
index 1234567..89abcde 100644
--- a/a.c
+++ b/a.c
@@ -1,3 +1,3 @@ void f(void)
\tint x;
-\tx = 1;
+\tx = 2;
\treturn;
`;
  const r = parseDiff(text);
  assert.ok(r.mangled);
  assert.match(r.mangled.reason, /^hunk 1 of a\.c: whitespace damage: .*starts with a tab/);
  assert.equal(r.mangled.line, 6);
  assert.equal(r.mangled.text, "\tint x;");
});

Deno.test("whitespace damage: leading space lost on a column-0 line, tabs follow", () => {
  const text = `diff --git a/a.c b/a.c
index 1234567..89abcde 100644
--- a/a.c
+++ b/a.c
@@ -1,4 +1,4 @@
}
-\tx = 1;
+\tx = 2;
\treturn;
\t}
`;
  const r = parseDiff(text);
  assert.ok(r.mangled);
  assert.match(r.mangled.reason, /whitespace damage: context lines lost their leading space/);
  assert.equal(r.mangled.line, 6);
});

Deno.test("whitespace damage: non-breaking spaces", () => {
  const prefix = `diff --git a/a.c b/a.c
index 1234567..89abcde 100644
--- a/a.c
+++ b/a.c
@@ -1,2 +1,2 @@
`;
  const asPrefix = parseDiff(prefix + "\u00a0\tint x;\n-\tx = 1;\n+\tx = 2;\n");
  assert.ok(asPrefix.mangled);
  assert.match(asPrefix.mangled.reason, /whitespace damage: non-breaking space \(U\+00A0\)/);
  assert.equal(asPrefix.mangled.line, 6);

  const inIndent = parseDiff(prefix + " \tint x;\n-\tx = 1;\n+\u00a0\u00a0\u00a0\u00a0x = 2;\n");
  assert.ok(inIndent.mangled);
  assert.match(inIndent.mangled.reason, /whitespace damage: non-breaking space/);
  assert.equal(inIndent.mangled.line, 8);
});

Deno.test("hunk header that does not parse", () => {
  for (const bad of ["@@ -12 +12,3", "@@"]) {
    const text = `diff --git a/a.c b/a.c
index 1234567..89abcde 100644
--- a/a.c
+++ b/a.c
${bad}
 a
+b
`;
    const r = parseDiff(text);
    assert.ok(r.mangled, bad);
    assert.equal(
      r.mangled.reason,
      `hunk 1 of a.c: hunk header does not parse (expected "@@ -a,b +c,d @@")`,
    );
    assert.equal(r.mangled.line, 5);
    assert.equal(r.mangled.text, bad);
  }
  assert.deepEqual(parseHunkHeader("@@ -12 +12,3 @@"), {
    oldStart: 12,
    oldLines: 1,
    newStart: 12,
    newLines: 3,
    functionContext: "",
  });
});

Deno.test("diff header with nothing after it, and ---/+++ without a hunk", () => {
  const bare = parseDiff("diff --git a/a.c b/a.c\nThanks for looking.\n");
  assert.ok(bare.mangled);
  assert.match(bare.mangled.reason, /^a\.c: diff header with nothing after it/);
  assert.equal(bare.mangled.line, 2);

  const noHunk = parseDiff(
    "diff --git a/a.c b/a.c\nindex 1234567..89abcde 100644\n--- a/a.c\n+++ b/a.c\n",
  );
  assert.ok(noHunk.mangled);
  assert.match(noHunk.mangled.reason, /^a\.c: ---\/\+\+\+ header without any hunk/);
  assert.equal(noHunk.mangled.line, 4);
});

Deno.test("quoted patch in a reply and a cover letter are empty, not mangled", () => {
  const reply = `On Mon, Dev wrote:
> diff --git a/a.c b/a.c
> index 1234567..89abcde 100644
> --- a/a.c
> +++ b/a.c
> @@ -1,3 +1,3 @@ int f(void)
>  a
> -b
> +c
>  d

Why change b?
`;
  const r = parseDiff(reply);
  assert.deepEqual(r, { files: [], mangled: null, empty: true });

  const quotedFlat = parseDiff(
    "> diff --git a/a.c b/a.c index 1234567..89abcde 100644 --- a/a.c +++ b/a.c @@ -1 +1 @@\n",
  );
  assert.deepEqual(quotedFlat, { files: [], mangled: null, empty: true });

  const cover = `This series does things.

Dev (2):
  bpf: one
  bpf: two

 a.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

base-commit: 0123456789abcdef0123456789abcdef01234567
--${SP}
2.43.0
`;
  assert.deepEqual(parseDiff(cover), { files: [], mangled: null, empty: true });
  assert.deepEqual(parseDiff(""), { files: [], mangled: null, empty: true });
});

Deno.test("functionNameFromContext", () => {
  const cases: [string, string | null][] = [
    ["static int calc_arg_aux(const struct btf_func_model *m,", "calc_arg_aux"],
    [
      "int arch_prepare_bpf_trampoline(struct bpf_tramp_image *im, void *image,",
      "arch_prepare_bpf_trampoline",
    ],
    ["struct bpf_prog_aux {", null],
    ["static void save_args(const struct btf_func_model *m, u8 **prog,", "save_args"],
    ["} while (0)", null],
    ["static const struct bpf_func_proto *bpf_demo_proto(int id)", "bpf_demo_proto"],
    ["static int __init demo_init(void)", "demo_init"],
    ["int demo_decl(int a);", "demo_decl"],
    ["demo_ret_on_prev_line(struct demo *d)", "demo_ret_on_prev_line"],
    ["static int x = compute(", null],
    ["#define DEMO(x) ((x) + 1)", null],
    ["EXPORT_SYMBOL_GPL(demo);", null],
    ["module_init(demo_init);", null],
    ["\tif (demo) {", null],
    ["typedef int (*demo_fn)(int);", null],
    ["BPF_CALL_2(bpf_demo_helper, u64, a, u64, b)", "bpf_demo_helper"],
    ["SYSCALL_DEFINE3(bpf, int, cmd, union bpf_attr __user *, uattr, unsigned int, size)", "bpf"],
    ["int BPF_PROG(test_demo, int a, int b)", "test_demo"],
    ["static __attribute__((unused)) int demo_attr(void)", "demo_attr"],
    ["", null],
  ];
  for (const [ctx, want] of cases) assert.equal(functionNameFromContext(ctx), want, ctx);
});

/** Deterministic PRNG (mulberry32) so a fuzz failure can be reproduced. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Invariants every result must satisfy, whatever the input. */
function checkInvariants(text: string, r: ParsedDiff): void {
  const nLines = Math.max(1, text.replace(/\r\n/g, "\n").split("\n").length);
  assert.equal(r.empty, r.files.length === 0 && r.mangled === null);
  if (r.mangled !== null) {
    assert.ok(r.mangled.line >= 1 && r.mangled.line <= nLines, `line ${r.mangled.line}`);
    assert.ok(r.mangled.text.length <= 200);
    assert.ok(r.mangled.reason.length > 0);
    assert.ok(!r.mangled.reason.startsWith("diff parser failed"), r.mangled.reason);
    return;
  }
  // A clean result must have verified every hunk's counts.
  for (const f of r.files) {
    for (const h of f.hunks) {
      const old = h.lines.filter((l) => l.kind === " " || l.kind === "-").length;
      const nw = h.lines.filter((l) => l.kind === " " || l.kind === "+").length;
      assert.equal(old, h.oldLines);
      assert.equal(nw, h.newLines);
    }
  }
}

Deno.test("fuzz: truncated, mutated and random input never throws", () => {
  const rand = rng(42);
  const pieces = ["\n", " ", "\t", "+", "-", "@@ ", "\\", "\u00a0", "diff --git ", "\r\n", ">"];
  for (let k = 0; k < 1000; k++) {
    let text = MULTI + WRAPPED;
    const op = k % 5;
    if (op === 0) text = text.slice(0, Math.floor(rand() * text.length));
    else if (op === 1) {
      for (let m = 0; m < 5; m++) {
        const at = Math.floor(rand() * text.length);
        text = text.slice(0, at) + pieces[Math.floor(rand() * pieces.length)] +
          text.slice(at + Math.floor(rand() * 3));
      }
    } else if (op === 2) {
      const lines = text.split("\n");
      lines.splice(Math.floor(rand() * lines.length), 1 + Math.floor(rand() * 3));
      text = lines.join(rand() < 0.2 ? " " : "\n");
    } else if (op === 3) {
      // Flatten a few adjacent lines, as a lossy archive does.
      const lines = text.split("\n");
      const at = Math.floor(rand() * lines.length);
      lines.splice(at, 4, lines.slice(at, at + 4).join(" "));
      text = lines.join("\n");
    } else {
      text = Array.from({ length: 200 }, () => pieces[Math.floor(rand() * pieces.length)]).join(
        "",
      );
    }
    checkInvariants(text, parseDiff(text));
  }
});

Deno.test("a 5 MB patch of many files parses whole (speed: parse_bench.ts)", () => {
  const text = bigPatch();
  const r = parseDiff(text);
  assert.equal(r.mangled, null);
  assert.equal(r.files.length, text.split("diff --git ").length - 1);
  assert.equal(r.files.every((f) => f.added === 2 && f.removed === 1), true);
});
