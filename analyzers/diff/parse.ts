/**
 * Parse the body of one patch mail into {@link ParsedDiff} (ARCHITECTURE.md:
 * analyzers/diff → FileDiff[]), and say precisely why a body cannot be trusted
 * as a diff when a mailer or an archive damaged it.
 *
 * The parser is a single forward pass over the lines. It never throws: every
 * problem becomes the first {@link Mangled} entry, and parsing resynchronises
 * at the next `@@` / `diff --git` so the files after a damaged hunk are still
 * listed. When `mangled` is not null, hunks may be partial; consumers must not
 * apply them.
 *
 * @module
 */

import type { FileChange, FileDiff, Hunk, Mangled, ParsedDiff } from "./types.ts";

/** The numbers and the trailing text of an `@@ -a,b +c,d @@ context` line. */
export interface HunkHeader {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  functionContext: string;
}

// Counts default to 1 when omitted (`@@ -12 +12 @@`), as in GNU diff and git.
const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;

/**
 * Parse a hunk header line. Returns null when the line is not a well-formed
 * two-way hunk header (combined `@@@` headers never appear in mailed patches).
 */
export function parseHunkHeader(line: string): HunkHeader | null {
  const m = HUNK_HEADER.exec(line);
  if (m === null) return null;
  let ctx = m[5];
  // git writes exactly one space between the closing `@@` and the context.
  if (ctx.startsWith(" ")) ctx = ctx.slice(1);
  return {
    oldStart: Number(m[1]),
    oldLines: m[2] === undefined ? 1 : Number(m[2]),
    newStart: Number(m[3]),
    newLines: m[4] === undefined ? 1 : Number(m[4]),
    functionContext: ctx,
  };
}

// Words that can precede `(` in a hunk context without it being a function.
const NOT_A_NAME = new Set([
  "if",
  "else",
  "while",
  "for",
  "do",
  "switch",
  "case",
  "return",
  "sizeof",
  "typeof",
  "__typeof__",
  "goto",
  "default",
  "alignof",
  "_Alignof",
  "_Generic",
  "__attribute__",
  "asm",
  "__asm__",
  "defined",
  "offsetof",
  "int",
  "char",
  "void",
  "long",
  "short",
  "unsigned",
  "signed",
  "float",
  "double",
  "bool",
  "struct",
  "union",
  "enum",
  "typedef",
  "const",
  "volatile",
  "static",
  "inline",
  "extern",
]);

// Words that, before the name, show the context is a statement, not a definition.
const STATEMENT_WORD = /(?:^|[\s*])(?:return|else|case|goto|do|if|while|for)(?=[\s*]|$)/;

// Kernel macros that define a function whose name is their first argument
// (BPF helpers, syscalls, BPF programs in selftests).
const DEFINER_MACRO =
  /^(?:BPF_CALL_\d|SYSCALL_DEFINE\d|COMPAT_SYSCALL_DEFINE\d|BPF_PROG2?|BPF_[KU](?:RET)?PROBE|BPF_KSYSCALL|BPF_STRUCT_OPS(?:_SLEEPABLE)?)$/;

/**
 * The C function name in a hunk's function context, or null when the context
 * is not a function definition or declaration (a struct, a statement, a macro
 * invocation). `static int calc_arg_aux(const struct btf_func_model *m,` →
 * `calc_arg_aux`; `struct bpf_prog_aux {` → null; `} while (0)` → null.
 * For function-defining macros (`BPF_CALL_2(name, ...)`, `SYSCALL_DEFINE3(name,
 * ...)`, `int BPF_PROG(name, ...)`) the defined name is returned.
 */
export function functionNameFromContext(context: string): string | null {
  // Attributes carry their own parentheses; they are not the parameter list.
  const s =
    (context.includes("__attribute__")
      ? context.replace(/__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)/g, " ")
      : context).trimEnd();
  // Kernel definitions start in column 0; an indented line is a statement.
  if (s === "" || /^\s/.test(s)) return null;
  const paren = s.indexOf("(");
  if (paren < 0) return null;
  const head = s.slice(0, paren).trimEnd();
  // Scan back over the identifier (a regex anchored at $ retries at every
  // position, which shows up when a patch has thousands of hunks).
  let b = head.length;
  while (b > 0 && isIdentChar(head.charCodeAt(b - 1))) b--;
  const name = head.slice(b);
  if (name === "" || (name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57)) return null;
  const prefix = head.slice(0, b);
  // Anything but type words and pointer stars before the name ('=', '}', '#',
  // another '(') means an initializer, a statement or a preprocessor line.
  if (!isTypePrefix(prefix)) return null;
  if (prefix !== "" && STATEMENT_WORD.test(prefix)) return null;
  if (DEFINER_MACRO.test(name)) {
    const arg = /^\(\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(s.slice(paren));
    return arg === null ? null : arg[1];
  }
  if (NOT_A_NAME.has(name)) return null;
  // ALL_CAPS(...) is a macro invocation (EXPORT_SYMBOL, DEFINE_MUTEX...).
  if (/^[A-Z0-9_]+$/.test(name)) return null;
  // A bare `name(args);` in column 0 is a macro call (module_init(x);); a real
  // declaration has a return type before the name.
  if (prefix.trim() === "" && /\)\s*;/.test(s)) return null;
  return name;
}

/** Only identifier characters, whitespace and pointer stars (a return type). */
function isTypePrefix(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (!isIdentChar(c) && c !== 32 && c !== 9 && c !== 42) return false;
  }
  return true;
}

/** [A-Za-z0-9_] */
function isIdentChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * Decode a git C-style quoted path (`"a/with space"`, `"a/caf\303\251"`),
 * starting at `s[0] === '"'`. Returns the decoded text and the rest of `s`
 * after the closing quote, or null when the quote never closes.
 */
export function unquoteCPath(s: string): { path: string; rest: string } | null {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  const simple: Record<string, number> = {
    a: 7,
    b: 8,
    t: 9,
    n: 10,
    v: 11,
    f: 12,
    r: 13,
    '"': 34,
    "\\": 92,
  };
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      return { path: new TextDecoder().decode(new Uint8Array(bytes)), rest: s.slice(i + 1) };
    }
    if (c !== "\\") {
      for (const b of enc.encode(c)) bytes.push(b);
      continue;
    }
    const e = s[i + 1];
    if (e !== undefined && e >= "0" && e <= "7") {
      const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4))![0];
      bytes.push(parseInt(oct, 8) & 0xff);
      i += oct.length;
    } else if (e !== undefined && e in simple) {
      bytes.push(simple[e]);
      i++;
    } else {
      bytes.push(92);
    }
  }
  return null;
}

/** Strip git's `a/` / `b/` prefix; `/dev/null` means "no file" (null). */
function stripPrefix(path: string): string | null {
  if (path === "/dev/null") return null;
  return path.startsWith("a/") || path.startsWith("b/") ? path.slice(2) : path;
}

/**
 * Read the path of a `--- x` / `+++ x` line's remainder: quoted, or up to a
 * tab (git appends a tab to names with spaces; plain diff appends a timestamp).
 */
function readHeaderPath(rest: string): string | null {
  if (rest.startsWith('"')) {
    const q = unquoteCPath(rest);
    if (q !== null) return stripPrefix(q.path);
  }
  const tab = rest.indexOf("\t");
  return stripPrefix((tab < 0 ? rest : rest.slice(0, tab)).trimEnd());
}

/**
 * Split the part of a `diff --git` line after `diff --git ` into the two paths.
 * Unquoted names may contain spaces, so like git we prefer the split where
 * both sides name the same file; renames are fixed later by `rename from/to`.
 */
export function parseGitHeaderPaths(
  rest: string,
): { oldPath: string | null; newPath: string | null } {
  if (rest.startsWith('"')) {
    const a = unquoteCPath(rest);
    if (a !== null) {
      const b = a.rest.trimStart();
      const bq = b.startsWith('"') ? unquoteCPath(b) : null;
      return { oldPath: stripPrefix(a.path), newPath: stripPrefix(bq ? bq.path : b) };
    }
  }
  const q = rest.indexOf(' "');
  if (q > 0) {
    const bq = unquoteCPath(rest.slice(q + 1));
    if (bq !== null) {
      return { oldPath: stripPrefix(rest.slice(0, q)), newPath: stripPrefix(bq.path) };
    }
  }
  let firstB = -1;
  for (let i = rest.indexOf(" "); i >= 0; i = rest.indexOf(" ", i + 1)) {
    const a = stripPrefix(rest.slice(0, i));
    const b = stripPrefix(rest.slice(i + 1));
    if (a === b) return { oldPath: a, newPath: b };
    if (firstB < 0 && rest.startsWith("b/", i + 1)) firstB = i;
  }
  const cut = firstB >= 0 ? firstB : rest.indexOf(" ");
  if (cut < 0) return { oldPath: stripPrefix(rest), newPath: stripPrefix(rest) };
  return { oldPath: stripPrefix(rest.slice(0, cut)), newPath: stripPrefix(rest.slice(cut + 1)) };
}

// Header pieces that each start a line in a real git diff. Two of them on one
// line (or a diff header after other text) means the newlines were lost.
const HEADER_MARKERS: { part: string; re: RegExp }[] = [
  { part: "diff header", re: /(?:^|\s)diff --git \S/g },
  { part: "file-mode line", re: /(?:^|\s)(?:old|new|deleted file|new file) mode [0-7]{6}/g },
  { part: "rename/copy lines", re: /(?:^|\s)(?:rename|copy) (?:from|to) \S/g },
  { part: "similarity index", re: /(?:^|\s)(?:dis)?similarity index \d+%/g },
  { part: "index", re: /(?:^|\s)index [0-9a-f]{7,}\.\.[0-9a-f]{7,}/g },
  { part: "---/+++ file names", re: /(?:^|\s)(?:---|\+\+\+) (?:"?[ab]\/|\/dev\/null)/g },
  { part: "hunk header", re: /(?:^|\s)@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/g },
];

// Something that can only be a second header piece when it is not at the start.
const FLATTEN_HINT =
  /.\s(?:diff --git |index [0-9a-f]|--- |\+\+\+ |@@ -|(?:old|new|deleted file|new file) mode |(?:rename|copy) (?:from|to) |(?:dis)?similarity index )/;

/** A header piece found inside one line: its name and where it starts. */
interface MarkerHit {
  part: string;
  at: number;
}

/** All header pieces in `line`, in text order. */
function findMarkers(line: string): MarkerHit[] {
  const hits: MarkerHit[] = [];
  for (const { part, re } of HEADER_MARKERS) {
    re.lastIndex = 0;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      // Skip the whitespace the pattern consumed before the marker.
      hits.push({ part, at: m.index + (m[0].length - m[0].trimStart().length) });
    }
  }
  return hits.sort((x, y) => x.at - y.at);
}

/**
 * The "lines flattened" reason when `line` holds header pieces that git puts on
 * separate lines (or a `diff --git` that does not start the line), else null.
 */
export function flattenedReason(line: string): string | null {
  // Cheap rejection first: this runs on every header line of every patch.
  if (!FLATTEN_HINT.test(line)) return null;
  const hits = findMarkers(line);
  const midDiff = hits.some((h) => h.part === "diff header" && h.at > 0);
  if (hits.length < 2 && !midDiff) return null;
  return describeFlattened(midDiff && hits[0].at > 0, hits);
}

/** "lines flattened: a, b and c on one line (...)" from the pieces found. */
function describeFlattened(textBefore: boolean, hits: MarkerHit[]): string {
  const parts: string[] = textBefore ? ["text before the diff header"] : [];
  for (const h of hits) if (!parts.includes(h.part)) parts.push(h.part);
  const list = parts.length === 1
    ? parts[0]
    : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
  return `lines flattened: ${list} on one line (the archive copy lost its newlines)`;
}

/**
 * Index of the first `diff --git ` in `line` that is not inside quoted reply
 * text (`> `, `>> ` just before it, as in a flattened reply), or -1.
 */
export function firstUnquotedDiff(line: string): number {
  for (let at = line.indexOf("diff --git "); at >= 0; at = line.indexOf("diff --git ", at + 1)) {
    if (!/(?:^|\s)>[>\s]*$/.test(line.slice(Math.max(0, at - 16), at))) return at;
  }
  return -1;
}

/** Per-file bookkeeping while its header and hunks are being read. */
interface OpenFile {
  diff: FileDiff;
  /** Opened by `diff --git` (extended headers allowed) rather than by `---`/`+++`. */
  git: boolean;
  /** Index of the line that opened the file. */
  start: number;
  /** Extended header lines (index, mode, rename, binary...) seen. */
  headers: number;
  sawMinus: boolean;
  sawPlus: boolean;
  /** An `@@` line was seen, even one that did not parse. */
  sawHunk: boolean;
}

const SP = 32, PLUS = 43, MINUS = 45, BSLASH = 92, TAB = 9, NBSP = 0xa0, AT = 64, LOWER_D = 100;

/** Parse one mail body; see the module documentation. Never throws. */
export function parseDiff(text: string): ParsedDiff {
  try {
    return new DiffParser(text).run();
  } catch (e) {
    // A parser bug must not take the pipeline down; report it as a problem.
    return {
      files: [],
      mangled: { reason: `diff parser failed: ${String(e)}`, line: 1, text: "" },
      empty: false,
    };
  }
}

/** The single-pass state machine behind {@link parseDiff}. */
class DiffParser {
  // Lines are kept as offsets into one string: splitting a large body into a
  // string array costs more (allocation, GC) than the whole parse otherwise.
  private readonly text: string;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly n: number;
  private i = 0;
  private readonly files: FileDiff[] = [];
  private mangled: Mangled | null = null;
  private file: OpenFile | null = null;

  constructor(text: string) {
    const t = text.includes("\r") ? text.replace(/\r\n/g, "\n") : text;
    this.text = t;
    // Count first so the offset arrays are allocated once, outside the GC'd heap.
    let count = 0;
    for (let e = t.indexOf("\n"); e >= 0; e = t.indexOf("\n", e + 1)) count++;
    this.starts = new Int32Array(count + 1);
    this.ends = new Int32Array(count + 1);
    let n = 0;
    // A final newline does not make an extra (empty context) line.
    for (let s = 0; s < t.length; n++) {
      let e = t.indexOf("\n", s);
      if (e < 0) e = t.length;
      this.starts[n] = s;
      this.ends[n] = e;
      s = e + 1;
    }
    this.n = n;
  }

  /** Line `j` (0-based) without its newline; "" past the end. */
  private line(j: number): string {
    return j >= 0 && j < this.n ? this.text.slice(this.starts[j], this.ends[j]) : "";
  }

  /** First character code of line `j`, -1 for an empty line or past the end. */
  private first(j: number): number {
    if (j >= this.n) return -1;
    const s = this.starts[j];
    return s < this.ends[j] ? this.text.charCodeAt(s) : -1;
  }

  /** Whether line `j` starts with `prefix`, without slicing the line out. */
  private lineStartsWith(j: number, prefix: string): boolean {
    return j < this.n && this.ends[j] - this.starts[j] >= prefix.length &&
      this.text.startsWith(prefix, this.starts[j]);
  }

  run(): ParsedDiff {
    while (this.i < this.n) {
      if (this.file !== null && this.fileLine()) continue;
      if (this.file !== null) this.closeFile();
      this.proseLine();
    }
    if (this.file !== null) this.closeFile();
    return {
      files: this.files,
      mangled: this.mangled,
      empty: this.files.length === 0 && this.mangled === null,
    };
  }

  /** Record the first problem only; later ones are usually its consequences. */
  private problem(reason: string, index: number): void {
    if (this.mangled !== null) return;
    const idx = Math.min(Math.max(index, 0), Math.max(this.n - 1, 0));
    this.mangled = { reason, line: idx + 1, text: this.line(idx).slice(0, 200) };
  }

  private fileName(f: OpenFile): string {
    return f.diff.newPath ?? f.diff.oldPath ?? "(unnamed file)";
  }

  /** Outside any file: look for the start of a diff; everything else is prose. */
  private proseLine(): void {
    const line = this.line(this.i);
    if (line.startsWith("diff --git ")) {
      const flat = flattenedReason(line);
      if (flat !== null) this.flattenedFile(line, 0, flat);
      else this.openFile(true, parseGitHeaderPaths(line.slice(11)));
      this.i++;
      return;
    }
    if (line.startsWith("--- ") && this.line(this.i + 1).startsWith("+++ ")) {
      this.openFile(false, { oldPath: null, newPath: null });
      return; // the ---/+++ lines are read as header lines of the new file
    }
    // Quoted replies ("> diff --git") quote someone else's patch: not ours.
    if (line.startsWith(">")) {
      this.i++;
      return;
    }
    if (line.startsWith("--- ")) {
      // A plain diff's ---/+++/@@ run together on one line.
      const flat = flattenedReason(line);
      if (flat !== null) this.flattenedFile(line, 0, flat);
    } else if (line.includes("diff --git ")) {
      const at = firstUnquotedDiff(line);
      const hits = at > 0 ? findMarkers(line.slice(at)) : [];
      // "...changed diff --git a/x b/x" with the rest on the next line is still a
      // lost newline, but only if a header line really follows.
      if (
        hits.length >= 2 ||
        (hits.length === 1 &&
          /^(?:index |new file mode|deleted file mode|old mode|similarity index|--- )/.test(
            this.line(this.i + 1),
          ))
      ) {
        this.flattenedFile(line, at, describeFlattened(true, hits));
      }
    }
    this.i++;
  }

  private openFile(git: boolean, paths: { oldPath: string | null; newPath: string | null }): void {
    this.file = {
      diff: {
        oldPath: paths.oldPath,
        newPath: paths.newPath,
        change: "modify",
        binary: false,
        oldBlob: null,
        newBlob: null,
        mode: null,
        similarity: null,
        hunks: [],
        added: 0,
        removed: 0,
      },
      git,
      start: this.i,
      headers: 0,
      sawMinus: false,
      sawPlus: false,
      sawHunk: false,
    };
  }

  /**
   * A header whose newlines were lost: report it, and keep what the header
   * pieces still say (paths, change kind, blobs) so the file is not dropped.
   * The hunk bodies cannot be recovered, so the file gets no hunks.
   */
  private flattenedFile(line: string, from: number, reason: string): void {
    this.problem(reason, this.i);
    const seg = line.slice(from);
    const hits = findMarkers(seg);
    const cuts = hits.map((h) => h.at);
    const pieces: string[] = [];
    for (let k = 0; k < cuts.length; k++) {
      // "--- a/x +++ b/x" is one marker hit per side, so each piece is one header line.
      pieces.push(seg.slice(cuts[k], k + 1 < cuts.length ? cuts[k + 1] : seg.length).trimEnd());
    }
    const head = pieces[0] ?? seg;
    const paths = head.startsWith("diff --git ")
      ? parseGitHeaderPaths(head.slice(11))
      : { oldPath: null, newPath: null };
    this.openFile(true, paths);
    const f = this.file!;
    for (const p of head.startsWith("diff --git ") ? pieces.slice(1) : pieces) {
      if (p.startsWith("@@")) break;
      this.headerLine(f, p);
    }
    this.files.push(f.diff);
    this.file = null;
  }

  /**
   * Inside a file: consume one or more lines that belong to it and return
   * true, or return false when the current line ends the file.
   */
  private fileLine(): boolean {
    const f = this.file!;
    const line = this.line(this.i);
    if (line.startsWith("@@")) {
      this.hunk(f);
      return true;
    }
    if (line.startsWith("diff --git ")) return false;
    if (f.diff.hunks.length === 0 && !f.sawHunk) return this.headerRegionLine(f, line);
    const c = line.charCodeAt(0);
    if (c === BSLASH) {
      // "\ No newline at end of file" after a hunk whose counts were already met.
      const h = f.diff.hunks[f.diff.hunks.length - 1];
      if (h !== undefined) h.lines.push({ kind: "\\", text: line.slice(1) });
      this.i++;
      return true;
    }
    if (line === "") {
      this.i++;
      return true;
    }
    if (this.isPlainFileStart(this.i)) return false;
    if (c === SP || c === PLUS || (c === MINUS && !/^--(?:-| ?$)/.test(line))) {
      // The body goes on after the header's counts were met: the header lies.
      const h = f.diff.hunks[f.diff.hunks.length - 1];
      if (h !== undefined) this.countsProblem(f, h, h.at - 1);
      this.i = this.skipBody(this.i);
      return true;
    }
    return false;
  }

  /** Before the first hunk: extended header lines and `---`/`+++`. */
  private headerRegionLine(f: OpenFile, line: string): boolean {
    if (line.startsWith("--- ") || line.startsWith("+++ ")) {
      const flat = flattenedReason(line);
      if (flat !== null) return this.flattenedHeaderLine(f, flat);
      if (line.startsWith("--- ") && !this.line(this.i + 1).startsWith("+++ ")) {
        this.problem(`${this.fileName(f)}: "---" line without a following "+++" line`, this.i + 1);
      }
      this.headerLine(f, line);
      this.i++;
      return true;
    }
    if (!f.git) return false;
    if (f.sawMinus || f.sawPlus) return false; // only @@ may follow +++
    const flat = flattenedReason(line);
    if (flat !== null) return this.flattenedHeaderLine(f, flat);
    if (!this.headerLine(f, line)) return false;
    if (line === "GIT binary patch") this.i = this.skipBinary(this.i + 1);
    else this.i++;
    return true;
  }

  /**
   * A header line of an open file that carries the following header lines too:
   * report it and end the file (its hunks cannot be recovered). Returns true:
   * the line is consumed.
   */
  private flattenedHeaderLine(f: OpenFile, reason: string): boolean {
    this.problem(reason, this.i);
    f.headers++;
    f.sawHunk = true; // already reported; do not also complain about a missing hunk
    this.i++;
    this.closeFile();
    return true;
  }

  /**
   * Apply one header line to the file; false when it is not a header line.
   * Shared by the line-by-line path and by flattened-header recovery.
   */
  private headerLine(f: OpenFile, line: string): boolean {
    const d = f.diff;
    let m: RegExpExecArray | null;
    if (line.startsWith("--- ")) {
      f.sawMinus = true;
      const p = readHeaderPath(line.slice(4));
      if (p === null) setChange(d, "add");
      if (d.change !== "rename" && d.change !== "copy") d.oldPath = p;
      return true;
    }
    if (line.startsWith("+++ ")) {
      f.sawPlus = true;
      const p = readHeaderPath(line.slice(4));
      if (p === null) setChange(d, "delete");
      if (d.change !== "rename" && d.change !== "copy") d.newPath = p;
      return true;
    }
    if ((m = /^index ([0-9a-fA-F]+)\.\.([0-9a-fA-F]+)(?: ([0-7]{6}))?\s*$/.exec(line))) {
      d.oldBlob = m[1];
      d.newBlob = m[2];
      if (m[3] !== undefined) d.mode = m[3];
    } else if ((m = /^new file mode ([0-7]{6})/.exec(line))) {
      setChange(d, "add");
      d.oldPath = null;
      d.mode ??= m[1];
    } else if ((m = /^deleted file mode ([0-7]{6})/.exec(line))) {
      setChange(d, "delete");
      d.newPath = null;
      d.mode ??= m[1];
    } else if ((m = /^new mode ([0-7]{6})/.exec(line))) {
      d.mode ??= m[1];
    } else if (line.startsWith("old mode ")) {
      // The new mode is what matters downstream.
    } else if ((m = /^(rename|copy) (from|to) (.*)$/.exec(line))) {
      setChange(d, m[1] as FileChange);
      const p = m[3].startsWith('"') ? (unquoteCPath(m[3])?.path ?? m[3]) : m[3];
      if (m[2] === "from") d.oldPath = p;
      else d.newPath = p;
    } else if ((m = /^similarity index (\d+)%/.exec(line))) {
      d.similarity = Number(m[1]);
    } else if (line.startsWith("dissimilarity index ")) {
      // A rewrite; nothing in FileDiff records it.
    } else if (/^Binary files .* differ$/.test(line) || line === "GIT binary patch") {
      d.binary = true;
    } else {
      return false;
    }
    f.headers++;
    return true;
  }

  /** Skip `literal N` / `delta N` blocks of base85 data after "GIT binary patch". */
  private skipBinary(j: number): number {
    const n = this.n;
    while (
      j < n &&
      /^(?:literal|delta) \d+$|^[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]*$|^$/.test(this.line(j))
    ) {
      if (this.line(j) === "" && !/^(?:literal|delta) /.test(this.line(j + 1))) {
        return j + 1;
      }
      j++;
    }
    return j;
  }

  /** End the open file, checking that its header was followed by what it promised. */
  private closeFile(): void {
    const f = this.file!;
    this.file = null;
    this.files.push(f.diff);
    const name = this.fileName(f);
    if (f.git && f.headers === 0 && !f.sawMinus && !f.sawHunk) {
      this.problem(
        `${name}: diff header with nothing after it (no index, mode, rename or ---/+++ lines)`,
        this.i < this.n ? this.i : f.start,
      );
    } else if ((f.sawMinus || f.sawPlus) && !f.sawHunk && !f.diff.binary) {
      this.problem(
        `${name}: ---/+++ header without any hunk (expected an "@@ -a,b +c,d @@" line)`,
        this.i < this.n ? this.i : this.i - 1,
      );
    }
  }

  /** `-- ` + version: the format-patch signature, which ends the diff. */
  private isSignature(j: number): boolean {
    const len = j < this.n ? this.ends[j] - this.starts[j] : 0;
    if ((len !== 2 && len !== 3) || !this.lineStartsWith(j, len === 2 ? "--" : "-- ")) {
      return false;
    }
    return j + 1 >= this.n || /^\d+\.\d+/.test(this.line(j + 1));
  }

  /** `--- x`, `+++ y`, `@@`: the next file of a plain (non-git) diff. */
  private isPlainFileStart(j: number): boolean {
    return this.lineStartsWith(j, "--- ") && this.lineStartsWith(j + 1, "+++ ") &&
      this.lineStartsWith(j + 2, "@@");
  }

  /**
   * A line that cannot be part of a hunk body even when counts are not met.
   * Runs on every body line, so it looks at the first character before
   * comparing anything longer.
   */
  private isBoundary(j: number): boolean {
    const c = this.first(j);
    if (c === AT) return this.lineStartsWith(j, "@@");
    if (c === LOWER_D) return this.lineStartsWith(j, "diff --git ");
    if (c === MINUS) return this.isSignature(j) || this.isPlainFileStart(j);
    return false;
  }

  /** Parse the hunk whose `@@` line is the current line, verifying its counts. */
  private hunk(f: OpenFile): void {
    const at = this.i;
    const line = this.line(at);
    const num = f.diff.hunks.length + 1;
    const name = this.fileName(f);
    f.sawHunk = true;
    const hdr = parseHunkHeader(line);
    if (hdr === null) {
      this.problem(
        `hunk ${num} of ${name}: hunk header does not parse (expected "@@ -a,b +c,d @@")`,
        at,
      );
      this.i = this.skipBody(at + 1);
      return;
    }
    const flat = flattenedReason(line);
    if (flat !== null) this.problem(`hunk ${num} of ${name}: ${flat}`, at);
    if (f.git && !f.sawPlus) {
      this.problem(`hunk ${num} of ${name}: hunk header without the ---/+++ lines before it`, at);
    }
    const h: Hunk = {
      oldStart: hdr.oldStart,
      oldLines: hdr.oldLines,
      newStart: hdr.newStart,
      newLines: hdr.newLines,
      functionContext: hdr.functionContext,
      functionName: functionNameFromContext(hdr.functionContext),
      lines: [],
      at: at + 1,
    };
    f.diff.hunks.push(h);
    this.i = this.body(f, h, num, at);
  }

  /**
   * Read hunk body lines until the header's counts are met. Returns the index
   * of the first line after the hunk (or where parsing resumes after a problem).
   */
  private body(f: OpenFile, h: Hunk, num: number, at: number): number {
    const { text, starts, ends, n } = this;
    const out = h.lines;
    let oldLeft = h.oldLines, newLeft = h.newLines;
    let blanks = 0; // consecutive empty lines taken as stripped context lines
    let j = at + 1;
    while (oldLeft > 0 || newLeft > 0) {
      if (j >= n || this.isBoundary(j)) {
        this.countsProblem(f, h, at);
        return j;
      }
      const s = starts[j], e = ends[j];
      const c = s < e ? text.charCodeAt(s) : -1;
      if (c === SP) {
        oldLeft--;
        newLeft--;
        out.push({ kind: " ", text: text.slice(s + 1, e) });
      } else if (c === -1) {
        // Mailers strip the trailing space of an empty context line; git apply
        // accepts that, so do we.
        oldLeft--;
        newLeft--;
        out.push({ kind: " ", text: "" });
      } else if (c === MINUS) {
        oldLeft--;
        f.diff.removed++;
        out.push({ kind: "-", text: text.slice(s + 1, e) });
      } else if (c === PLUS) {
        newLeft--;
        f.diff.added++;
        out.push({ kind: "+", text: text.slice(s + 1, e) });
      } else if (c === BSLASH) {
        out.push({ kind: "\\", text: text.slice(s + 1, e) });
      } else {
        return this.badLine(f, h, num, at, j, oldLeft, newLeft, blanks);
      }
      if (oldLeft < 0 || newLeft < 0) {
        this.countsProblem(f, h, at);
        return this.skipBody(j + 1);
      }
      blanks = c === -1 ? blanks + 1 : 0;
      if (c !== BSLASH && c !== -1 && this.mangled === null && hasNbspIndent(text, s + 1, e)) {
        this.problem(
          `hunk ${num} of ${
            this.fileName(f)
          }: whitespace damage: non-breaking space (U+00A0) where a space should be`,
          j,
        );
      }
      j++;
    }
    while (j < n && this.first(j) === BSLASH) {
      out.push({ kind: "\\", text: text.slice(starts[j] + 1, ends[j]) });
      j++;
    }
    return j;
  }

  /**
   * A line with no diff prefix before the counts were met: tell whitespace
   * damage, a wrapped line and a short (truncated / miscounted) hunk apart.
   */
  private badLine(
    f: OpenFile,
    h: Hunk,
    num: number,
    at: number,
    j: number,
    oldLeft: number,
    newLeft: number,
    blanks: number,
  ): number {
    const line = this.line(j);
    const where = `hunk ${num} of ${this.fileName(f)}`;
    const c = line.charCodeAt(0);
    if (c === TAB) {
      this.problem(
        `${where}: whitespace damage: a context line starts with a tab instead of the ' ' prefix (the leading space was stripped or turned into a tab)`,
        j,
      );
    } else if (c === NBSP) {
      this.problem(
        `${where}: whitespace damage: non-breaking space (U+00A0) where the ' ' prefix of a context line should be`,
        j,
      );
    } else if (blanks > 0) {
      // Blank lines then prose: the hunk really ended before the blanks.
      this.countsProblem(f, h, at);
    } else {
      const kind = this.lookAhead(j, oldLeft + newLeft);
      if (kind === "tabs") {
        this.problem(
          `${where}: whitespace damage: context lines lost their leading space (lines starting with a tab and no diff prefix inside the hunk)`,
          j,
        );
      } else if (kind === "wrapped") {
        this.problem(
          `${where}: line wrapped (line without a diff prefix inside the hunk, expected ${oldLeft} more old / ${newLeft} more new lines)`,
          j,
        );
      } else {
        this.countsProblem(f, h, at);
      }
    }
    return this.skipBody(j);
  }

  /**
   * After an unprefixed line inside a hunk: if more unprefixed lines start with
   * a tab, context lines lost their space; if prefixed hunk lines resume
   * shortly, the line was a wrapped continuation; otherwise the hunk is short.
   * Bounded by what the hunk still expects, so the scan stays linear overall.
   */
  private lookAhead(j: number, expected: number): "tabs" | "wrapped" | "short" {
    const n = this.n;
    const end = Math.min(n, j + 1 + Math.max(expected, 8));
    let resumed = false;
    for (let k = j + 1; k < end; k++) {
      if (this.isBoundary(k)) break;
      const c = this.first(k);
      if (c === TAB) return "tabs";
      if ((c === SP || c === PLUS || c === MINUS) && k - j <= 8) resumed = true;
    }
    return resumed ? "wrapped" : "short";
  }

  /** Report "header says ... but the body has ..." with the body measured to its real end. */
  private countsProblem(f: OpenFile, h: Hunk, at: number): void {
    if (this.mangled !== null) return;
    const m = this.measureBody(at + 1);
    this.problem(
      `hunk ${f.diff.hunks.indexOf(h) + 1} of ${
        this.fileName(f)
      }: header says -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} but the body has ${m.old} old / ${m.new} new lines`,
      at,
    );
  }

  /**
   * Count the old/new lines of a hunk body from `j` to its real end (a
   * boundary or an unprefixed line); empty lines count as context only when
   * more body follows them.
   */
  private measureBody(j: number): { old: number; new: number } {
    let old = 0, nw = 0, blanks = 0;
    for (; j < this.n; j++) {
      const c = this.first(j);
      if (c === -1) {
        blanks++;
        continue;
      }
      if (this.isBoundary(j)) break;
      if (c !== SP && c !== PLUS && c !== MINUS && c !== BSLASH) break;
      old += blanks;
      nw += blanks;
      blanks = 0;
      if (c === SP) {
        old++;
        nw++;
      } else if (c === MINUS) old++;
      else if (c === PLUS) nw++;
    }
    return { old, new: nw };
  }

  /**
   * Skip the rest of a damaged hunk body: hunk-like lines, and unprefixed lines
   * that more hunk-like lines follow (wrapped continuations), up to the next
   * `@@`, `diff --git`, plain-diff file or signature. Prose ends the skip.
   */
  private skipBody(j: number): number {
    while (j < this.n && !this.isBoundary(j)) {
      const c = this.first(j);
      if (c !== -1 && !isHunkish(c) && !isHunkish(this.first(j + 1))) return j;
      j++;
    }
    return j;
  }
}

/** A first character that starts a hunk body line, damaged or not (tab / U+00A0 prefix). */
function isHunkish(c: number): boolean {
  return c === SP || c === PLUS || c === MINUS || c === BSLASH || c === TAB || c === NBSP;
}

/** Set the change kind; add/delete win over rename/copy's weaker modify default. */
function setChange(d: FileDiff, change: FileChange): void {
  if (d.change === "modify" || change === "add" || change === "delete") d.change = change;
}

/** True when the indentation in `text[from, end)` (a line after its prefix) contains U+00A0. */
function hasNbspIndent(text: string, from: number, end: number): boolean {
  for (let k = from; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === NBSP) return true;
    if (c !== SP && c !== TAB) return false;
  }
  return false;
}
