/**
 * A real public-inbox server for tests (ARCHITECTURE.md: "Tests start a real
 * `public-inbox-httpd` on 127.0.0.1").
 *
 * `startPublicInbox()` builds v2 inboxes in a fresh temporary directory from
 * mboxrd files, indexes them (Xapian, `-L medium`, so `?q=` search works) and
 * serves them with `public-inbox-httpd` on a free local port. The server
 * answers the same URLs as lore.kernel.org: `/<inbox>/<msgid>/raw`,
 * `/<inbox>/<msgid>/t.mbox.gz`, `POST /<inbox>/?q=…&x=m`, `/<inbox>/new.atom`.
 *
 * Every child process gets HOME and PI_CONFIG pointing into the temporary
 * directory, so the user's ~/.public-inbox is never read or written.
 * Requires the Debian package `public-inbox` (public-inbox 1.9).
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** A running public-inbox-httpd serving one or more inboxes. */
export interface PublicInboxServer {
  /** e.g. `http://127.0.0.1:40123` (no trailing slash). */
  origin: string;
  /** Base URL of an inbox, with a trailing slash: `http://127.0.0.1:40123/bpf/`. */
  inboxUrl(name: string): string;
  /** Kills httpd, waits for it to exit and removes the temporary directory (idempotent). */
  stop(): Promise<void>;
  /** The temporary directory holding the config, the inboxes and the httpd logs. */
  dir: string;
}

/** One inbox to create: its name (URL path), list address and the mboxrd files to import. */
export interface InboxSpec {
  name: string;
  address: string;
  mboxes: string[];
}

/** Absolute paths of `fixtures/threads/*.mbox`, sorted by name. */
export const FIXTURE_THREADS: string[] = listFixtureThreads();

function listFixtureThreads(): string[] {
  const dir = fileURLToPath(new URL("../../../fixtures/threads/", import.meta.url));
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile && e.name.endsWith(".mbox")) out.push(dir + e.name);
  }
  return out.sort();
}

const READY_TIMEOUT_MS = 10_000;
const POLL_MS = 25;
const MAX_PORT_ATTEMPTS = 3;
const INBOX_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Perl one-liner from TOOLCHAIN.md §1: bulk import through the InboxWritable API. */
const IMPORT_PERL = `
use strict;
use PublicInbox::Config;
use PublicInbox::InboxWritable;
my $name = shift @ARGV;
my $cfg = PublicInbox::Config->new;
my $ibx = $cfg->lookup_name($name) or die "inbox $name not in $ENV{PI_CONFIG}\\n";
$ibx = PublicInbox::InboxWritable->new($ibx);
for my $f (@ARGV) {
  open(my $fh, '<', $f) or die "open $f: $!\\n";
  $ibx->import_mbox($fh, 'mboxrd');
  close $fh;
}
`;

/** Starts public-inbox-httpd serving the given inboxes; see the module doc. */
export async function startPublicInbox(
  opts: { inboxes: InboxSpec[] },
): Promise<PublicInboxServer> {
  if (opts.inboxes.length === 0) throw new Error("startPublicInbox: no inbox given");
  for (const ibx of opts.inboxes) {
    if (!INBOX_NAME.test(ibx.name)) {
      throw new Error(`startPublicInbox: bad inbox name ${JSON.stringify(ibx.name)}`);
    }
  }
  await requireTools(["public-inbox-httpd", "public-inbox-init", "public-inbox-index", "perl"]);

  const dir = await Deno.makeTempDir({ prefix: "trampolint-pi-" });
  const env = { HOME: `${dir}/home`, PI_CONFIG: `${dir}/config` };
  let httpd: Deno.ChildProcess | undefined;
  try {
    await Deno.mkdir(env.HOME);
    let port = freePort();
    for (const ibx of opts.inboxes) {
      await run("public-inbox-init", [
        "-V2",
        "-L",
        "medium",
        ibx.name,
        `${dir}/${ibx.name}`,
        `http://127.0.0.1:${port}/${ibx.name}`,
        ibx.address,
      ], env);
      if (ibx.mboxes.length > 0) {
        await run("perl", ["-e", IMPORT_PERL, ibx.name, ...ibx.mboxes], env, "import_mbox");
      }
      await run("public-inbox-index", [`${dir}/${ibx.name}`], env);
    }

    for (let attempt = 1;; attempt++) {
      const out = `${dir}/httpd.out`;
      const err = `${dir}/httpd.err`;
      httpd = new Deno.Command("public-inbox-httpd", {
        args: ["-W0", "-l", `http://127.0.0.1:${port}`, "-1", out, "-2", err],
        env,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const origin = `http://127.0.0.1:${port}`;
      const ready = await waitReady(httpd, `${origin}/${opts.inboxes[0].name}/new.atom`);
      if (ready === "ok") {
        const child = httpd;
        let stopped: Promise<void> | undefined;
        return {
          origin,
          dir,
          inboxUrl: (name: string) => `${origin}/${name}/`,
          stop: () => stopped ??= stopServer(child, dir),
        };
      }
      const log = await readLog(err);
      if (ready === "exited") await httpd.status;
      else await kill(httpd);
      httpd = undefined;
      // The port was free when probed but another process may have taken it
      // since: pick another one and point the inbox URLs at it.
      if (/address already in use/i.test(log) && attempt < MAX_PORT_ATTEMPTS) {
        port = freePort();
        for (const ibx of opts.inboxes) {
          await run("git", [
            "config",
            "-f",
            env.PI_CONFIG,
            `publicinbox.${ibx.name}.url`,
            `http://127.0.0.1:${port}/${ibx.name}`,
          ], env);
        }
        continue;
      }
      const why = ready === "exited"
        ? "public-inbox-httpd exited"
        : `public-inbox-httpd did not answer 200 on ${origin}/${
          opts.inboxes[0].name
        }/new.atom within ${READY_TIMEOUT_MS} ms`;
      throw new Error(`${why}; ${err}:\n${log}`);
    }
  } catch (e) {
    if (httpd) await kill(httpd);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

async function stopServer(child: Deno.ChildProcess, dir: string): Promise<void> {
  await kill(child);
  await Deno.remove(dir, { recursive: true });
}

async function kill(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // already exited
  }
  await child.status;
}

/** Polls `url` until it answers 200, httpd exits, or the time budget is spent. */
async function waitReady(
  child: Deno.ChildProcess,
  url: string,
): Promise<"ok" | "exited" | "timeout"> {
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (exited) return "exited";
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200) return "ok";
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return exited ? "exited" : "timeout";
}

async function readLog(path: string): Promise<string> {
  try {
    const text = await Deno.readTextFile(path);
    return text.length > 8000 ? "…" + text.slice(-8000) : text;
  } catch {
    return "(no log written)";
  }
}

/** Asks the kernel for a free port on 127.0.0.1 and releases it. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  what = args[0] ?? "",
): Promise<void> {
  const out = await new Deno.Command(cmd, {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    const dec = new TextDecoder();
    const text = (dec.decode(out.stderr) + dec.decode(out.stdout)).trim();
    throw new Error(`${cmd} ${what} failed (exit ${out.code}):\n${text}`);
  }
}

/** Throws a clear error naming the Debian package when a tool is missing. */
async function requireTools(tools: string[]): Promise<void> {
  const dirs = (Deno.env.get("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(":").filter((d) => d);
  for (const tool of tools) {
    let found = false;
    for (const d of dirs) {
      try {
        const st = await Deno.stat(`${d}/${tool}`);
        if (st.isFile && ((st.mode ?? 0o111) & 0o111)) {
          found = true;
          break;
        }
      } catch {
        // not in this directory
      }
    }
    if (!found) {
      const pkg = tool === "perl" ? "perl" : "public-inbox";
      throw new Error(
        `${tool} not found on PATH: install the Debian package \`${pkg}\` ` +
          `(apt-get install -y ${pkg}) to run tests that need a public-inbox server`,
      );
    }
  }
}
