/**
 * The series summary `review` prints until the analysis stages exist:
 * a plain data shape (what `--json` prints) and its text rendering.
 *
 * @module
 */

import type { LoadResult } from "../ingest/load.ts";
import type { Assembly, Series } from "../series/types.ts";
import type { Selection } from "../series/select.ts";
import type { Message } from "../ingest/types.ts";
import { parseSubject } from "../series/subject.ts";
import { parseDiff } from "../../analyzers/diff/parse.ts";
import type { Mangled } from "../../analyzers/diff/types.ts";

/** One patch as summarised. */
export interface PatchSummary {
  messageId: string;
  subject: string;
  index: number;
  total: number;
  author: string;
  files: { path: string; change: string; added: number; removed: number }[];
  added: number;
  removed: number;
  /** null when the diff verified; the reason (with line) when it did not. */
  mangled: string | null;
  /** True when the mail carries no diff at all. */
  noDiff: boolean;
  trailers: { key: string; value: string }[];
  duplicates: string[];
  replies: number;
}

/** Fields copied unchanged from the `Series`. */
type SeriesFields = Pick<
  Series,
  | "subject"
  | "title"
  | "version"
  | "rfc"
  | "resend"
  | "tree"
  | "messageId"
  | "author"
  | "date"
  | "baseCommit"
  | "changeId"
  | "total"
  | "missing"
  | "duplicateIndices"
  | "previousVersion"
  | "versions"
>;

/** The machine-readable summary (documented in README, "Machine-readable output"). */
export interface ReviewSummary {
  input: {
    origin: string;
    format: string;
    focus: string | null;
    messages: number;
    notes: string[];
    webCopy: {
      kind: string;
      evidence: string;
      messageIds: string[];
      truncatedIds: string[];
      damage: string[];
      overview: number;
    } | null;
  };
  selection: string;
  series:
    | (SeriesFields & {
      hasCover: boolean;
      patches: PatchSummary[];
      /** Replies to the cover letter and patches, all depths. */
      replies: number;
    })
    | null;
  otherSeries: { messageId: string; subject: string; version: number }[];
  /**
   * Diffs carried by mails outside every series (a patch whose subject a
   * page copy lost, a diff posted in a reply): intact or mangled, with why.
   */
  looseDiffs: { messageId: string; subject: string; files: string[]; mangled: string | null }[];
  /** Messages that belong to no series here (discussion, replies to mails not in the input). */
  otherMessages: {
    messageId: string;
    subject: string;
    from: string;
    date: string;
    inReplyTo: string | null;
    answers: string | null;
  }[];
}

function mangledText(m: Mangled): string {
  return `${m.reason} (line ${m.line}: ${JSON.stringify(m.text.slice(0, 80))})`;
}

function looseDiffs(asm: Assembly) {
  const out: ReviewSummary["looseDiffs"] = [];
  for (const m of asm.other) {
    const d = parseDiff(m.rawBody);
    if (d.empty) continue;
    out.push({
      messageId: m.messageIdSynthetic ? "(none)" : m.messageId,
      subject: m.subject,
      files: d.files.map((f) => f.newPath ?? f.oldPath ?? "?"),
      mangled: d.mangled ? mangledText(d.mangled) : null,
    });
  }
  return out;
}

function summarisePatches(s: Series): PatchSummary[] {
  return s.patches.map((p) => ({
    messageId: p.message.messageId,
    subject: p.message.subject,
    index: p.index,
    total: p.total,
    author: p.message.from,
    files: p.diff.files.map((f) => ({
      path: f.newPath ?? f.oldPath ?? "?",
      change: f.change,
      added: f.added,
      removed: f.removed,
    })),
    added: p.diff.files.reduce((n, f) => n + f.added, 0),
    removed: p.diff.files.reduce((n, f) => n + f.removed, 0),
    mangled: p.diff.mangled ? mangledText(p.diff.mangled) : null,
    noDiff: p.diff.empty,
    trailers: p.meta.trailers,
    duplicates: p.duplicates,
    replies: p.replies.length,
  }));
}

/** What a reply's subject says it answers ("patch 3/10 v1"), for replies whose parent is absent. */
function answers(m: Message): string | null {
  const s = parseSubject(m.subject);
  if (!s.reply || !s.patch) return null;
  const n = s.index !== null ? ` ${s.index}/${s.total}` : "";
  return `${s.index === 0 ? "cover letter" : "patch"}${
    s.index === 0 ? "" : n
  } v${s.version} of "${s.title}"`;
}

/** Builds the summary from the stages' outputs. */
export function summarise(load: LoadResult, asm: Assembly, sel: Selection): ReviewSummary {
  const s = sel.series;
  const wc = load.webCopy;
  return {
    input: {
      origin: load.origin,
      format: load.format,
      focus: load.focus,
      messages: load.messages.length,
      notes: load.notes,
      webCopy: wc
        ? {
          kind: wc.kind,
          evidence: wc.evidence,
          messageIds: wc.messageIds,
          truncatedIds: wc.truncatedIds,
          damage: wc.damage,
          overview: wc.overview.length,
        }
        : null,
    },
    selection: sel.reason,
    series: s
      ? {
        subject: s.subject,
        title: s.title,
        version: s.version,
        rfc: s.rfc,
        resend: s.resend,
        tree: s.tree,
        messageId: s.messageId,
        author: s.author,
        date: s.date,
        baseCommit: s.baseCommit,
        changeId: s.changeId,
        total: s.total,
        hasCover: s.cover !== null,
        patches: summarisePatches(s),
        missing: s.missing,
        duplicateIndices: s.duplicateIndices,
        replies: s.replies.length,
        previousVersion: s.previousVersion,
        versions: s.versions,
      }
      : null,
    otherSeries: asm.series.filter((o) => o !== s).map((o) => ({
      messageId: o.messageId,
      subject: o.subject,
      version: o.version,
    })),
    looseDiffs: looseDiffs(asm),
    otherMessages: asm.other.map((m) => ({
      messageId: m.messageIdSynthetic ? "(none)" : m.messageId,
      subject: m.subject,
      from: m.from,
      date: m.date,
      inReplyTo: m.inReplyTo,
      answers: answers(m),
    })),
  };
}

/** Renders the summary for a terminal (plain text, ≤ 100 columns where possible). */
export function formatSummary(r: ReviewSummary): string {
  const out: string[] = [];
  out.push(`input: ${r.input.origin} (${r.input.format}, ${r.input.messages} message(s))`);
  for (const n of r.input.notes) out.push(`  - ${n}`);
  const s = r.series;
  if (!s) {
    out.push("", `no patch series: ${r.selection}`);
  } else {
    out.push("");
    out.push(`series:   ${s.subject}`);
    const flags = [s.rfc ? "RFC" : "", s.resend ? "RESEND" : "", s.tree ?? ""].filter((x) => x);
    out.push(`version:  v${s.version}${flags.length ? " (" + flags.join(", ") + ")" : ""}`);
    out.push(`author:   ${s.author}`);
    out.push(`date:     ${s.date}`);
    out.push(
      `msgid:    <${s.messageId}>${
        s.hasCover ? " (cover letter)" : " (first patch; no cover letter)"
      }`,
    );
    out.push(`base:     ${s.baseCommit ?? "(no base-commit)"}`);
    if (s.changeId) out.push(`change-id: ${s.changeId}`);
    out.push(`selected: ${r.selection}`);
    out.push("");
    out.push(`patches (${s.patches.length} of ${s.total}):`);
    for (const p of s.patches) {
      const state = p.mangled ? "MANGLED" : p.noDiff ? "no diff" : `+${p.added}/-${p.removed}`;
      out.push(`  [${p.index}/${p.total}] ${p.subject.replace(/^\[[^\]]*\]\s*/, "")}  (${state})`);
      out.push(`         <${p.messageId}>`);
      for (const f of p.files) {
        out.push(
          `         ${f.path} +${f.added}/-${f.removed}${
            f.change !== "modify" ? " (" + f.change + ")" : ""
          }`,
        );
      }
      if (p.mangled) out.push(`         mangled: ${p.mangled}`);
      if (p.duplicates.length) {
        out.push(`         also posted as: ${p.duplicates.map((d) => `<${d}>`).join(", ")}`);
      }
      if (p.replies) out.push(`         replies: ${p.replies}`);
    }
    if (s.missing.length) {
      out.push(`missing:  ${s.missing.map((i) => `${i}/${s.total}`).join(", ")}`);
    }
    if (s.duplicateIndices.length) {
      out.push(`posted twice: ${s.duplicateIndices.map((i) => `${i}/${s.total}`).join(", ")}`);
    }
    out.push(`replies:  ${s.replies}`);
    const mangled = s.patches.filter((p) => p.mangled).length;
    out.push(`diffs:    ${s.patches.length - mangled} intact, ${mangled} mangled`);
    if (s.versions.length > 1) {
      out.push(`versions: ${s.versions.map((v) => `v${v.version} <${v.messageId}>`).join(" -> ")}`);
    }
    out.push(`previous: ${s.previousVersion ? `<${s.previousVersion}>` : "(none in this input)"}`);
  }
  if (r.otherSeries.length) {
    out.push("", "other series in this input:");
    for (const o of r.otherSeries) out.push(`  v${o.version} ${o.subject} <${o.messageId}>`);
  }
  if (r.otherMessages.length) {
    out.push("", `messages outside any series here (${r.otherMessages.length}):`);
    for (const m of r.otherMessages.slice(0, 20)) {
      out.push(
        `  ${m.subject || "(no subject)"} — ${m.from || "(unknown sender)"}, ${
          m.date || "(no date)"
        }`,
      );
      if (m.answers) out.push(`    answers ${m.answers} (not in this input)`);
    }
    if (r.otherMessages.length > 20) out.push(`  … and ${r.otherMessages.length - 20} more`);
  }
  if (r.looseDiffs.length) {
    out.push("", `diffs outside the series (${r.looseDiffs.length}):`);
    for (const d of r.looseDiffs) {
      out.push(`  ${d.subject || "(no subject)"}: ${d.files.join(", ") || "(no file recovered)"}`);
      out.push(`    ${d.mangled ? "MANGLED: " + d.mangled : "intact"}`);
    }
  }
  if (r.input.webCopy) {
    const w = r.input.webCopy;
    out.push("", `web copy: ${w.kind} — ${w.evidence}`);
    if (w.messageIds.length) {
      out.push(`  message-ids named: ${w.messageIds.map((i) => `<${i}>`).join(", ")}`);
    }
    if (w.truncatedIds.length) out.push(`  cut-off ids (unusable): ${w.truncatedIds.join(", ")}`);
    for (const d of w.damage) out.push(`  damage: ${d}`);
    if (w.overview) out.push(`  thread overview on the page: ${w.overview} message(s)`);
  }
  return out.join("\n") + "\n";
}
