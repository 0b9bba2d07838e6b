/**
 * trampolint command line: `review`, and the entry points later stages fill
 * (`watch`, `serve`, `corpus`). Exit codes: 0 success, 2 bad input or an
 * error the user can act on, 1 an internal fault (a bug: please report it).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runReview } from "./review.ts";
import { IngestError } from "../ingest/types.ts";
import { corpusCommand, CorpusError } from "./corpus.ts";
import { REVIEW_ARCHES, reviewTramp } from "../review/review.ts";
import type { ArchName } from "../../jit/arch/types.ts";
import { renderReply } from "../email/render.ts";
import { analysisJson } from "../../analyzers/render.ts";
import { formatReplies } from "../send/dry_run.ts";
import { ConfigError, loadConfig } from "../policy/config.ts";
import { openKvStore } from "../store/kv.ts";
import { sendSmtp } from "../send/smtp.ts";
import { answerSeries } from "../watch/work.ts";

/** JSON.stringify replacer: Uint8Array as hex, bigint as decimal string, Map as object. */
function jsonSafe(_k: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  return v;
}

const HELP = `trampolint — BPF trampoline/JIT argument-handling review bot

usage: deno task review <msgid | file | dir | url> [options]
       deno task corpus [--btf PATH] [--arch A] [--check] [--json]   (see corpus --help)
       deno task emulate --arch A --era E [--attach T] [--proto NAME] [--json]   (see emulate --help)
       deno task watch --config FILE [--once] [--dry-run]   (see watch --help)
       deno task serve [--port N] [--store PATH]              (see serve --help)

review reads a patch series, analyses its diffs against the JIT models, regenerates
the trampolines of every prototype in the corpus before and after the series,
emulates them, and prints the report (and the reply it would send):
  <msgid>   looked up in the embedded archive (fixtures/threads), then in the
            network archive (default https://lore.kernel.org/all/)
  <file>    an mbox (mboxo or mboxrd), a .mbox.gz / t.mbox.gz, one raw mail, or a
            web copy of a thread (patchwork, pipermail, public-inbox page, flattened text)
  <dir>     a directory of .eml files
  <url>     a public-inbox/lore message URL, or any URL serving an mbox

options:
  --json                 print summary, analysis and report as one JSON object (see README)
  --stage S              ingest (summary only) | analyze (+ model changes) | full (default)
  --kernel-tree PATH     kernel tree for pre-images (git: base-commit if present, else HEAD;
                         env TRAMPOLINT_KERNEL_TREE); default: Debian's linux-source-6.1
  --github               also try GitHub (contents API at base-commit; env GITHUB_TOKEN)
  --no-linux-source      never fall back to linux-source-6.1 (hunk-only mode instead)
  --arch A[,A...]        only these arches (default: all with a model)
  --era [A=]E            base era instead of the one the pre-image matches (repeatable)
  --btf PATH             kernel BTF for the real corpus (default /sys/kernel/btf/vmlinux)
  --no-real              no real-kernel corpus (stress + selftests + the series only)
  --dashboard URL        dashboard base URL named in the reply (default http://127.0.0.1:8080,
                         or the config file's)
  --send                 answer on the thread per the config's list policy (SMTP; recorded in
                         the store first, never sent twice); without it the reply is only printed
  --config FILE          bot configuration (bot/policy/README.md; default trampolint.json)
  --list NAME            the configured list the series came from (default: the first tracked)
  --version N            pick version N of the series (default: the newest)
  --archive URL          public-inbox inbox URL (env TRAMPOLINT_ARCHIVE)
  --local-archive DIR    extra directory of .mbox threads searched first (repeatable)
  --offline              never use the network
  --no-embedded          do not search the embedded archive (fixtures/threads)
  --timeout SECONDS      per-request timeout (default 30)
  --retries N            retries on network errors, 429 and 5xx (default 3)
  --max-input-mb N       input size cap (default 64)
  --max-messages N       messages per input cap (default 20000)
  -q, --quiet            no progress lines on stderr
  -h, --help             this text
`;

/** Runs the CLI and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === "-h" || command === "--help" || command === "help") {
    console.log(HELP);
    return command ? 0 : 2;
  }
  try {
    if (command === "review") return await reviewCommand(rest);
    if (command === "corpus") return await corpusCommand(rest);
    if (command === "emulate") return await (await import("./emulate.ts")).emulateMain(rest);
    if (command === "watch") return await (await import("../watch/main.ts")).main(rest);
    if (command === "serve") return await (await import("../web/main.ts")).main(rest);
    console.error(`trampolint: unknown command '${command}'\n\n${HELP}`);
    return 2;
  } catch (e) {
    if (
      e instanceof IngestError || e instanceof UsageError || e instanceof CorpusError ||
      e instanceof ConfigError
    ) {
      console.error(`trampolint: ${e.message}`);
      return 2;
    }
    console.error("trampolint: internal error (please report):", e);
    return 1;
  }
}

/** The kernel eras of an arch's trampoline model, or null when this build has none. */
async function erasOf(arch: ArchName): Promise<readonly string[] | null> {
  try {
    return (await reviewTramp(arch)).eras;
  } catch {
    return null;
  }
}

/** A mistake in the command line. */
export class UsageError extends Error {}

async function reviewCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        stage: { type: "string" },
        "kernel-tree": { type: "string" },
        github: { type: "boolean" },
        "no-linux-source": { type: "boolean" },
        arch: { type: "string", multiple: true },
        era: { type: "string", multiple: true },
        btf: { type: "string" },
        "no-real": { type: "boolean" },
        dashboard: { type: "string" },
        send: { type: "boolean" },
        config: { type: "string" },
        list: { type: "string" },
        version: { type: "string" },
        archive: { type: "string" },
        "local-archive": { type: "string", multiple: true },
        offline: { type: "boolean" },
        "no-embedded": { type: "boolean" },
        timeout: { type: "string" },
        retries: { type: "string" },
        "max-input-mb": { type: "string" },
        "max-messages": { type: "string" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : e} (see --help)`);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      "review takes exactly one message-id, file, directory or URL (see --help)",
    );
  }
  const num = (name: string, raw: string | undefined, def: number) => {
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) {
      throw new UsageError(`--${name} wants a non-negative number, got '${raw}'`);
    }
    return n;
  };
  // a bad configuration is said before any work
  const config = v.send || v.config ? await loadConfig(v.config ?? "trampolint.json") : null;
  const stage = v.stage ?? "full";
  if (stage !== "ingest" && stage !== "analyze" && stage !== "full") {
    throw new UsageError(`--stage wants ingest, analyze or full, got '${stage}'`);
  }
  const arches = (v.arch ?? []).flatMap((a) => a.split(",")).filter(Boolean) as ArchName[];
  for (const a of arches) {
    if (!(REVIEW_ARCHES as readonly string[]).includes(a)) {
      throw new UsageError(`unknown arch '${a}' (known: ${REVIEW_ARCHES.join(", ")})`);
    }
  }
  const eras: Partial<Record<ArchName, string>> = {};
  for (const e of v.era ?? []) {
    const m = e.match(/^([a-z0-9_]+)=(.+)$/);
    if (m) {
      if (!(REVIEW_ARCHES as readonly string[]).includes(m[1])) {
        throw new UsageError(`--era ${e}: unknown arch '${m[1]}'`);
      }
      eras[m[1] as ArchName] = m[2];
    } else if (arches.length === 1) eras[arches[0]] = e;
    else throw new UsageError(`--era ${e}: say which arch (--era x86_64=${e}) or give one --arch`);
  }
  // an era asked for by name must exist (a silent fallback would review something else)
  for (const [arch, era] of Object.entries(eras)) {
    const known = await erasOf(arch as ArchName);
    if (known && !known.includes(era)) {
      throw new UsageError(`--era ${arch}=${era}: unknown era (known: ${known.join(", ")})`);
    }
  }
  const result = await runReview({
    stage,
    kernelTree: v["kernel-tree"] ?? undefined,
    github: !!v.github,
    linuxSource: !v["no-linux-source"],
    arches: arches.length > 0 ? arches : undefined,
    eras,
    btfPath: v["no-real"] ? null : (v.btf ?? "/sys/kernel/btf/vmlinux"),
    input: parsed.positionals[0],
    version: v.version === undefined ? null : num("version", v.version, 1),
    archiveUrl: v.offline
      ? null
      : (v.archive ?? Deno.env.get("TRAMPOLINT_ARCHIVE") ?? "https://lore.kernel.org/all/"),
    localArchives: v["local-archive"] ?? [],
    embedded: !v["no-embedded"],
    timeoutMs: num("timeout", v.timeout, 30) * 1000,
    retries: num("retries", v.retries, 3),
    maxInputBytes: num("max-input-mb", v["max-input-mb"], 64) * 1024 * 1024,
    maxMessages: num("max-messages", v["max-messages"], 20_000),
    log: v.quiet ? () => {} : (line) => console.error(`trampolint: ${line}`),
  });
  const replies = result.report && result.series
    ? renderReply(result.report, result.series, {
      from: config?.from ?? "trampolint <trampolint@localhost>",
      to: [result.series.author],
      cc: [],
      dashboardBase: (v.dashboard ?? config?.dashboardBase ?? "http://127.0.0.1:8080")
        .replace(/\/+$/, ""),
      contact: config?.contact ?? "the trampolint maintainers",
    })
    : [];
  if (result.report) result.report.reply = replies[0] ?? null;
  if (v.json) {
    // --stage analyze: the Analysis itself (README "review --stage analyze --json"),
    // with the series summary beside it; otherwise the summary with `analysis`
    // and `report` added
    const analysis = result.analysis ? analysisJson(result.analysis) : null;
    const o: Record<string, unknown> = stage === "analyze" && analysis
      ? { ...analysis, summary: result.summary }
      : { ...result.summary };
    if (analysis && stage !== "analyze") o.analysis = analysis;
    // the report without its copy of the analysis (printed once, above)
    if (result.report) o.report = { ...result.report, analysis: undefined, replies };
    console.log(JSON.stringify(o, jsonSafe, 2));
  } else {
    console.log(result.text);
    if (result.report) {
      console.log(
        replies.length === 0
          ? "\n(no reply: nothing to report, quiet on success)"
          : `\n${formatReplies(replies)}`,
      );
    }
  }
  if (v.send && config && result.report && result.series) {
    const list = v.list
      ? config.lists.find((l) => l.name === v.list)
      : config.lists.find((l) => l.track);
    if (!list) {
      throw new UsageError(
        v.list ? `--list ${v.list}: not in ${v.config ?? "trampolint.json"}` : "no tracked list",
      );
    }
    if (!config.smtp) throw new UsageError("--send: the configuration has no smtp section");
    const smtp = config.smtp;
    const store = await openKvStore(config.store);
    try {
      const a = await answerSeries(
        {
          store,
          config,
          send: async (r) => ({ messageId: (await sendSmtp(smtp, r)).messageId }),
          log: (l) => console.error(`trampolint: ${l}`),
        },
        result.series,
        result.report,
        list,
      );
      console.error(`trampolint: --send: ${a.outcome} (${a.reason})`);
    } finally {
      store.close();
    }
  }
  return result.exitCode;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
