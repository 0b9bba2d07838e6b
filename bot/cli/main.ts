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

const HELP = `trampolint — BPF trampoline/JIT argument-handling review bot

usage: deno task review <msgid | file | dir | url> [options]
       deno task corpus [--btf PATH] [--arch A] [--check] [--json]   (see corpus --help)
       deno task emulate --arch A --era E [--attach T] [--proto NAME] [--json]   (see emulate --help)
       deno task <watch | serve>               (arrive with later stages)

review reads a patch series and prints its summary:
  <msgid>   looked up in the embedded archive (fixtures/threads), then in the
            network archive (default https://lore.kernel.org/all/)
  <file>    an mbox (mboxo or mboxrd), a .mbox.gz / t.mbox.gz, one raw mail, or a
            web copy of a thread (patchwork, pipermail, public-inbox page, flattened text)
  <dir>     a directory of .eml files
  <url>     a public-inbox/lore message URL, or any URL serving an mbox

options:
  --json                 print the summary as one JSON object (see README)
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
    if (command === "watch" || command === "serve") {
      console.error(
        `trampolint ${command}: this stage is not part of this build yet (see the issue list: ` +
          `watch/serve come with the bot and dashboard issues)`,
      );
      return 2;
    }
    console.error(`trampolint: unknown command '${command}'\n\n${HELP}`);
    return 2;
  } catch (e) {
    if (e instanceof IngestError || e instanceof UsageError || e instanceof CorpusError) {
      console.error(`trampolint: ${e.message}`);
      return 2;
    }
    console.error("trampolint: internal error (please report):", e);
    return 1;
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
  const result = await runReview({
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
  if (v.json) console.log(JSON.stringify(result.summary, null, 2));
  else console.log(result.text);
  return result.exitCode;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
