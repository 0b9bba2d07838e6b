/**
 * The embedded archive: mbox files shipped in `fixtures/threads/` (and any
 * directory given with `--local-archive`), searched before the network so
 * that `review <msgid>` works offline for the project's own threads.
 *
 * @module
 */

import type { Message } from "./types.ts";
import { splitMbox } from "./mbox.ts";
import { parseMessage } from "./message.ts";
import { indexMessages, type ThreadIndex, threadOf } from "./thread.ts";
import { normaliseTitle } from "../series/subject.ts";

/** The default embedded archive, resolved from this file so it works from any cwd. */
export const DEFAULT_LOCAL_ARCHIVE = new URL("../../fixtures/threads/", import.meta.url).pathname;

/** A loaded local archive. */
export interface LocalArchive {
  dirs: string[];
  messages: Message[];
  index: ThreadIndex;
}

/** Reads every `*.mbox` in the given directories; missing directories are skipped. */
export async function loadLocalArchive(dirs: string[]): Promise<LocalArchive> {
  const messages: Message[] = [];
  for (const dir of dirs) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      continue;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isFile || !/\.(mbox|mboxrd)$/.test(e.name)) continue;
      const bytes = await Deno.readFile(`${dir.replace(/\/$/, "")}/${e.name}`);
      for (const raw of splitMbox(bytes).messages) messages.push(parseMessage(raw));
    }
  }
  return { dirs, messages, index: indexMessages(messages) };
}

/** The thread holding `messageId`, or [] when the archive does not have that message. */
export function localThread(archive: LocalArchive, messageId: string): Message[] {
  if (!archive.index.byId.has(messageId)) return [];
  return threadOf(archive.index, messageId);
}

/**
 * Message-ids of posting mails whose normalised title equals one of
 * `titles` (and, when given, whose author matches one of `authors`).
 */
export function findByTitle(
  archive: LocalArchive,
  titles: string[],
  authors: string[] = [],
): string[] {
  const wanted = new Set(titles.map((t) => normaliseTitle(t)));
  const who = authors.map((a) => a.toLowerCase());
  const hits: string[] = [];
  for (const m of archive.messages) {
    if (!wanted.has(normaliseTitle(m.subject))) continue;
    if (who.length > 0 && !who.some((a) => m.from.toLowerCase().includes(a))) continue;
    hits.push(m.messageId);
  }
  return hits;
}
