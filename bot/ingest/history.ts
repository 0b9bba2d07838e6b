/**
 * Earlier versions of a series that live in other threads (b4 sends every
 * version as a new thread): looked up in the embedded archive and, when
 * online, by an archive search on the series' title words and author, so
 * that vN can be linked to vN-1 as b4 and patchwork do.
 *
 * @module
 */

import type { Message } from "./types.ts";
import { IngestError } from "./types.ts";
import { type ArchiveOptions, searchArchive } from "./archive.ts";
import { type LocalArchive, localThread } from "./local_archive.ts";
import { splitMbox } from "./mbox.ts";
import { parseMessage } from "./message.ts";
import { normaliseTitle } from "../series/subject.ts";

/** What the lookup needs to know about the series. */
export interface SeriesKey {
  title: string;
  authorAddress: string;
  changeId: string | null;
  version: number;
}

/** Posting mails of other versions (and their threads), plus notes on what was done. */
export async function findOtherVersions(
  key: SeriesKey,
  local: LocalArchive,
  archive: ArchiveOptions | null,
  known: Set<string>,
): Promise<{ messages: Message[]; notes: string[] }> {
  const title = normaliseTitle(key.title);
  const notes: string[] = [];
  const out: Message[] = [];
  const add = (ms: Message[]) => {
    for (const m of ms) {
      if (known.has(m.messageId)) continue;
      known.add(m.messageId);
      out.push(m);
    }
  };
  for (const m of local.messages) {
    if (known.has(m.messageId) || normaliseTitle(m.subject) !== title) continue;
    if (m.fromAddress !== key.authorAddress) continue;
    add(localThread(local, m.messageId));
  }
  if (archive && key.authorAddress) {
    const words = title.split(/[^a-z0-9_]+/).filter((w) => w.length > 2).slice(0, 8);
    if (words.length > 0) {
      const query = [...words.map((w) => `s:${w}`), `f:${key.authorAddress}`].join(" ");
      try {
        const mbox = await searchArchive(archive, query, false);
        if (mbox.length > 0) {
          const found = splitMbox(mbox).messages.map(parseMessage)
            .filter((m) => normaliseTitle(m.subject) === title);
          add(found);
          notes.push(
            `searched ${archive.inboxUrl} for other versions: ${found.length} posting mail(s)`,
          );
        }
      } catch (e) {
        if (!(e instanceof IngestError)) throw e;
        notes.push(`could not search for other versions: ${e.message}`);
      }
    }
  }
  if (out.length > 0) notes.push(`added ${out.length} message(s) of other versions of this series`);
  return { messages: out, notes };
}
