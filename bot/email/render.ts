/**
 * The reply mails for a review (issue 6, "The reply"): plain text, threaded
 * under the cover letter for series-level findings and under the patch that
 * did it for patch-level ones, only the relevant hunks quoted, findings with
 * their evidence, a reproduce line, a dashboard link and a short footer.
 *
 * Conventions taken from bots maintainers accept on the kernel lists (the
 * kernel test robot, the BPF CI review mails): greet the author, state what
 * was checked and against what base, quote hunks with `> ` and `[ ... ]`,
 * give a way to reproduce, keep the footer short. Unlike the BPF CI mails the
 * bot never writes a `pw-bot:` line: patchwork state is the maintainers' call.
 *
 * @module
 */

import type { ArchName } from "../../jit/arch/types.ts";
import type { Finding, ReplyText, Report } from "../report/types.ts";
import type { Message } from "../ingest/types.ts";
import type { Series } from "../series/types.ts";
import { groupFindings, type ReplyGroup } from "./attribute.ts";
import { quoteFileHunks } from "./quote.ts";
import { labelled, WRAP_WIDTH, wrapText } from "./wrap.ts";

/** The reproduce command and the dashboard link stay on one line each, to be copied whole. */
export function isVerbatim(line: string): boolean {
  return /^(Reproduce|Details): \S+( \S+)*$/.test(line) && !/ {2}/.test(line);
}

/** How the replies are addressed and signed. */
export interface RenderOptions {
  /** `Name <address>` the mail is from. */
  from: string;
  /** Recipients (policy: the author, or the list plus the author). */
  to: string[];
  cc: string[];
  /** Dashboard base URL without a trailing slash; the series page is `<base>/series/<msgid>`. */
  dashboardBase: string;
  /** Where people ask for the bot to stay away (an address or URL), named in the footer. */
  contact: string;
  /** No mail when the review found nothing (default true). */
  quietOnSuccess?: boolean;
  /** Domain of the generated Message-IDs (default: the domain of `from`). */
  messageIdDomain?: string;
}

/** The name the bot signs with. */
export const BOT_NAME = "trampolint";

/** True when a report holds something its author should hear about. */
export function hasFindings(report: Report): boolean {
  const a = report.analysis;
  return report.failures.introduced.length > 0 || a.applyErrors.length > 0 ||
    a.generic.unmodeled.length > 0 ||
    Object.values(a.arches).some((x) => (x?.unmodeled.length ?? 0) > 0);
}

/** The dashboard URL of a series (stable path `/series/<msgid>`). */
export function dashboardUrl(base: string, messageId: string): string {
  return `${base.replace(/\/+$/, "")}/series/${encodeURIComponent(messageId)}`;
}

/** `Re: <subject>`, without stacking a second `Re:`. */
export function replySubject(subject: string): string {
  return /^re:/i.test(subject.trim()) ? subject.trim() : `Re: ${subject.trim()}`;
}

/** A stable Message-ID for the reply to `target` about `seriesId`, so a resend is recognisable. */
export function replyMessageId(seriesId: string, target: string, domain: string): string {
  // FNV-1a over the two ids, twice with different seeds: 64 bits, enough to keep bots' ids apart.
  const fnv = (s: string, seed: number) => {
    let h = seed >>> 0;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
    return h.toString(16).padStart(8, "0");
  };
  const key = `${seriesId}\n${target}`;
  return `trampolint.${fnv(key, 2166136261)}${fnv(key, 0x9e3779b9)}@${domain}`;
}

/**
 * The reply mails for `report` over `series`: one per message findings point
 * at, cover letter first. Empty when nothing was found and the options keep
 * the bot quiet on success (the default).
 */
export function renderReply(report: Report, series: Series, opts: RenderOptions): ReplyText[] {
  if (opts.to.length === 0) throw new Error("renderReply: no recipient (To) given");
  const groups = groupFindings(report, series);
  if (groups.length === 0) {
    if (opts.quietOnSuccess ?? true) return [];
    groups.push({ patch: 0, introduced: [], knobs: [], unmodeled: [], applyErrors: [], hunks: [] });
  }
  // The series overview travels with the cover-letter reply; without one, with the first mail.
  const overviewIn = groups[0].patch;
  return groups.map((g) => renderOne(report, series, g, g.patch === overviewIn, opts));
}

function targetMessage(series: Series, patch: number): Message {
  if (patch === 0) return series.cover ?? series.patches[0].message;
  const p = series.patches.find((x) => x.index === patch);
  if (!p) throw new Error(`renderReply: the series has no patch ${patch}`);
  return p.message;
}

function renderOne(
  report: Report,
  series: Series,
  g: ReplyGroup,
  overview: boolean,
  opts: RenderOptions,
): ReplyText {
  const target = targetMessage(series, g.patch);
  const domain = opts.messageIdDomain ?? (opts.from.match(/@([^>\s]+)/)?.[1] ?? "localhost");
  const headers: Record<string, string> = {
    From: opts.from,
    To: opts.to.join(", "),
    ...(opts.cc.length ? { Cc: opts.cc.join(", ") } : {}),
    Subject: replySubject(target.subject),
    "Message-ID": `<${replyMessageId(series.messageId, target.messageId, domain)}>`,
    "In-Reply-To": `<${target.messageId}>`,
    References: [...target.references, target.messageId].map((id) => `<${id}>`).join(" "),
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Transfer-Encoding": "8bit",
    "X-Trampolint-Series": `<${series.messageId}>`,
  };
  const body = [
    ...greeting(series),
    ...intro(report, g),
    ...quoted(series, g),
    ...groupText(report, g),
    ...(overview ? overviewText(report) : []),
    ...tail(report, opts),
  ].join("\n");
  return { headers, body: wrapText(body.replace(/\n{3,}/g, "\n\n"), WRAP_WIDTH, isVerbatim) };
}

/** "Hi <name>," with the display name as written (no guessing which part is the given name). */
function greeting(series: Series): string[] {
  const name = series.author.replace(/<[^>]*>/, "").replace(/\([^)]*\)/g, "").replace(/"/g, "")
    .replace(/\s+/g, " ").trim();
  return [name && !name.includes("@") ? `Hi ${name},` : "Hello,", ""];
}

function intro(report: Report, g: ReplyGroup): string[] {
  const what = g.patch === 0 ? "this series" : "this patch";
  const arches = Object.keys(report.arches).join(", ") || "no architecture";
  return [
    `${BOT_NAME} checked how ${what} changes the argument handling of BPF trampolines (${arches}). ${report.analysis.baseNote}.`
      .replace(/\.\.$/, "."),
    "",
  ];
}

function quoted(series: Series, g: ReplyGroup): string[] {
  const out: string[] = [];
  const byFile = new Map<string, typeof g.hunks>();
  for (const h of g.hunks.slice(0, 4)) byFile.set(h.file, [...(byFile.get(h.file) ?? []), h]);
  for (const [file, refs] of byFile) {
    const p = series.patches.find((x) => x.index === refs[0].patch);
    const f = p?.diff.files.find((x) => (x.newPath ?? x.oldPath) === file || x.oldPath === file);
    if (!f) continue;
    out.push(...quoteFileHunks(f, refs.map((r) => r.hunk)), "");
  }
  if (g.hunks.length > 4) out.push(`(${g.hunks.length - 4} more hunks not quoted.)`, "");
  return out;
}

function groupText(report: Report, g: ReplyGroup): string[] {
  const out: string[] = [];
  for (const e of g.applyErrors) out.push(`Patch ${e.patch} did not apply: ${e.message}.`, "");
  for (const k of g.knobs) {
    out.push(
      `${k.arch === "generic" ? "Generic" : k.arch}: ${k.name} changes from ${show(k.before)} to ${
        show(k.after)
      } in ${k.function}() (${k.file}).`,
    );
  }
  if (g.knobs.length) out.push("");
  for (const u of g.unmodeled) {
    out.push(
      `Not modelled: ${u.summary} (${u.file}). The model does not know what this hunk does, so its effect is not checked.`,
      "",
    );
  }
  if (g.introduced.length) {
    out.push(
      g.introduced.length === 1
        ? "This prototype passed before the series and fails after it:"
        : `These ${g.introduced.length} prototypes passed before the series and fail after it:`,
      "",
    );
    for (const f of g.introduced) out.push(...findingText(report, f), "");
  }
  return out;
}

function show(v: string | number | boolean | null): string {
  return v === null ? "(absent)" : String(v);
}

/** A finding with its evidence: prototype, argument, expected vs observed, the rule. */
export function findingText(report: Report, f: Finding): string[] {
  const eras = report.arches[f.arch];
  const head = `${f.arch}, ${f.attach}, ${eras ? `${eras.before} -> ${eras.after}` : f.era}:`;
  const arg = f.arg === null ? "(frame)" : `${f.arg + 1}${f.type ? `, ${f.type}` : ""}`;
  const more = f.alsoAffected > 0
    ? ` (${f.alsoAffected} more prototype${f.alsoAffected === 1 ? "" : "s"} fail the same way)`
    : "";
  return [
    `  ${head}`,
    ...labelled("prototype", `${f.protoC} [${f.source}]`, 9, "    "),
    ...labelled("argument", arg, 9, "    "),
    ...labelled("expected", f.expected, 9, "    "),
    ...labelled("observed", f.observed, 9, "    "),
    ...labelled("rule", `${f.rule}${more}`, 9, "    "),
  ];
}

function overviewText(report: Report): string[] {
  const out: string[] = ["Per architecture:", ""];
  for (
    const [arch, v] of Object.entries(report.arches) as [
      ArchName,
      NonNullable<Report["arches"][ArchName]>,
    ][]
  ) {
    out.push(`  ${arch.padEnd(11)} ${v.status}${v.note ? ` (${v.note})` : ""}`);
  }
  out.push("");
  for (const lc of report.layoutChanges) {
    const c = lc.counts;
    out.push(
      `Layout: ${lc.arch}: ${lc.cause}: ${c.real} real functions, ${c.stress} stress shapes, ${c.selftest} selftests, ${c.series} from the series.`,
    );
  }
  if (report.layoutChanges.length) out.push("");
  const { fixed, preexisting } = report.failures;
  if (fixed.length || preexisting.length) {
    out.push(
      `Also: ${fixed.length} failing prototype(s) fixed by the series, ${preexisting.length} failing before and after it (see the dashboard).`,
      "",
    );
  }
  if (report.modelOnly.length) {
    out.push(`Model only (no emulator): ${report.modelOnly.join(", ")}.`, "");
  }
  for (const d of report.compilerDisagreements) {
    out.push(`Compilers disagree on ${d.arch} for ${d.proto}: ${d.detail}.`);
  }
  if (report.compilerDisagreements.length) out.push("");
  const sp = report.sincePrevious;
  if (sp) {
    out.push(
      `Since v${sp.version}: ${sp.fixed} finding(s) fixed, ${sp.stillPresent} still present.`,
      "",
    );
  }
  return out;
}

function tail(report: Report, opts: RenderOptions): string[] {
  return [
    `Reproduce: deno task review ${report.messageId}`,
    `Details: ${dashboardUrl(opts.dashboardBase, report.messageId)}`,
    "",
    "-- ",
    `${BOT_NAME}: BPF trampoline argument checks from a model and an emulator, not from a kernel run. To stop these mails, write to ${opts.contact}.`,
  ];
}
