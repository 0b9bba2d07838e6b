/**
 * The report as the CLI prints it: per arch the models compared and the
 * knobs changed, then what a maintainer acts on (introduced failures with
 * evidence, apply errors, unmodeled hunks), then layout changes and the rest.
 *
 * @module
 */

import { analysisText } from "../../analyzers/render.ts";
import type { Finding, Report } from "./types.ts";

function finding(f: Finding): string[] {
  const arg = f.arg === null ? "" : `arg ${f.arg}${f.type ? ` (${f.type})` : ""}: `;
  return [
    `    [${f.arch} ${f.era} ${(f.attaches ?? [f.attach]).join(",")}] ${f.rule}: ${f.protoC}${
      f.alsoAffected > 0 ? `  (+${f.alsoAffected} more prototypes)` : ""
    }`,
    `      ${arg}expected ${f.expected}`,
    `      ${" ".repeat(arg.length)}observed ${f.observed}`,
  ];
}

/** The whole report. */
export function formatReport(r: Report): string {
  const out: string[] = [];
  out.push(`review of ${r.subject} (v${r.version}, ${r.messageId})`);
  out.push(analysisText(r.analysis));
  out.push(
    `corpus: ${r.corpus.real} real, ${r.corpus.stress} stress, ${r.corpus.selftest} selftest, ${r.corpus.series} from the series`,
  );
  out.push("models:");
  for (const [arch, a] of Object.entries(r.arches)) {
    if (!a) continue;
    out.push(
      `  ${arch.padEnd(11)} ${a.before} → ${a.after}: ${a.status}${a.note ? ` — ${a.note}` : ""}`,
    );
  }
  const sections: [string, Finding[]][] = [
    ["failures introduced", r.failures.introduced],
    ["failures fixed", r.failures.fixed],
    ["failures pre-existing", r.failures.preexisting],
  ];
  for (const [title, fs] of sections) {
    if (fs.length === 0) continue;
    out.push(`${title}:`);
    for (const f of fs) out.push(...finding(f));
  }
  if (r.layoutChanges.length > 0) {
    out.push("layout changes:");
    for (const g of r.layoutChanges) {
      const c = g.counts;
      out.push(
        `  ${g.arch}: ${g.cause}: ${c.real} real, ${c.stress} stress, ${c.selftest} selftest, ${c.series} series`,
      );
      for (const e of g.examples) out.push(`    e.g. ${e}`);
    }
  }
  if (r.compilerDisagreements.length > 0) {
    out.push("GCC and clang disagree (the caller's placement, not a trampoline failure):");
    for (const d of r.compilerDisagreements) out.push(`  ${d.arch}: ${d.detail}`);
  }
  if (r.modelOnly.length > 0) out.push(`model only (no emulation): ${r.modelOnly.join(", ")}`);
  if (r.sincePrevious) {
    const p = r.sincePrevious;
    out.push(
      `since v${p.version}: ${p.fixed} finding(s) fixed, ${p.stillPresent} still present`,
    );
  }
  if (r.failures.introduced.length === 0 && r.analysis.applyErrors.length === 0) {
    out.push("nothing found that needs attention");
  }
  return out.join("\n");
}
