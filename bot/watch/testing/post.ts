/**
 * Posting mail into a running test public-inbox (bot/ingest/testing/
 * public_inbox.ts) as a list would: the messages are added to the v2 inbox
 * through public-inbox's own mbox importer, then the inbox is re-indexed so
 * `new.atom`, threads and search see it. httpd serves it without a restart.
 *
 * @module
 */

import { type PublicInboxServer, startPublicInbox } from "../../ingest/testing/public_inbox.ts";

const THREADS = new URL("../../../fixtures/threads/", import.meta.url).pathname;

/**
 * A test archive like lore's bpf list: inbox "bpf" holding an older BPF JIT
 * thread as backlog (which a watcher's first poll marks as seen).
 */
export function startBpfInbox(): Promise<PublicInboxServer> {
  return startPublicInbox({
    inboxes: [{
      name: "bpf",
      address: "bpf@vger.kernel.org",
      mboxes: [`${THREADS}arm_ebpf_jit-v2.mbox`],
    }],
  });
}

/** Adds the messages of an mboxrd file through the inbox's own mbox importer. */
const ADD_PERL = `
use strict;
use PublicInbox::Config;
use PublicInbox::InboxWritable;
my ($name, $file) = @ARGV;
my $ibx = PublicInbox::Config->new->lookup_name($name) or die "no inbox $name\\n";
open(my $fh, '<', $file) or die "open $file: $!\\n";
PublicInbox::InboxWritable->new($ibx)->import_mbox($fh, 'mboxrd');
`;

async function run(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * Adds the messages of `mboxPath` to inbox `name` and re-indexes it. The v2
 * importer already writes the overview database new.atom and threads read,
 * so the mail is in the archive once the import returns; `index: false`
 * skips the full re-index (search) for timing the watcher.
 */
export async function postToInbox(
  server: PublicInboxServer,
  name: string,
  mboxPath: string,
  opts: { index?: boolean } = {},
): Promise<void> {
  const env = { HOME: `${server.dir}/home`, PI_CONFIG: `${server.dir}/config` };
  await run("perl", ["-e", ADD_PERL, name, mboxPath], env);
  if (opts.index ?? true) await run("public-inbox-index", [`${server.dir}/${name}`], env);
}

/** Writes the messages of an mbox numbered by `pick` (0-based) to a new temp mbox file. */
export async function partialMbox(mboxPath: string, pick: (i: number) => boolean): Promise<string> {
  const text = await Deno.readTextFile(mboxPath);
  const parts = text.split(/^(?=From \S+ )/m).filter((p) => p.startsWith("From "));
  const out = await Deno.makeTempFile({ suffix: ".mbox" });
  await Deno.writeTextFile(out, parts.filter((_, i) => pick(i)).join(""));
  return out;
}
