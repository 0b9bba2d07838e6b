/**
 * Subject-line conventions of the kernel lists (Documentation/process/
 * submitting-patches.rst "The canonical patch format", b4, patchwork).
 *
 * @module
 */

import type { SubjectInfo } from "./types.ts";

const REPLY_PREFIX = /^\s*(?:re|aw|sv|antw|fwd?)\s*(?:\[\d+\])?\s*:\s*/i;
const TAG_GROUP = /^\s*\[([^\]]*)\]\s*/;

/** Parses a subject such as `Re: [RFC PATCH bpf-next v3 2/4] bpf: x`. */
export function parseSubject(subject: string): SubjectInfo {
  let rest = subject.replace(/\s+/g, " ").trim();
  let reply = false;
  const tags: string[] = [];
  // Replies and tag groups can interleave ("Re: [PATCH] Re: x" is seen in the wild).
  for (let guard = 0; guard < 20; guard++) {
    const r = REPLY_PREFIX.exec(rest);
    if (r) {
      reply = true;
      rest = rest.slice(r[0].length);
      continue;
    }
    const g = TAG_GROUP.exec(rest);
    if (g) {
      tags.push(...g[1].split(/[\s,]+/).filter((w) => w !== ""));
      rest = rest.slice(g[0].length);
      continue;
    }
    break;
  }
  let patch = false, rfc = false, resend = false;
  let version = 1;
  let index: number | null = null, total: number | null = null;
  const treeWords: string[] = [];
  for (const raw of tags) {
    const w = raw.toLowerCase();
    let m: RegExpExecArray | null;
    if ((m = /^patch(?:v(\d+))?$/.exec(w))) {
      patch = true;
      if (m[1]) version = Number(m[1]);
    } else if ((m = /^rfc(?:v(\d+))?$/.exec(w))) {
      rfc = true;
      if (m[1]) version = Number(m[1]);
    } else if (w === "resend") {
      resend = true;
    } else if ((m = /^v(\d+)$/.exec(w))) {
      version = Number(m[1]);
    } else if ((m = /^(\d+)\/(\d+)$/.exec(w))) {
      index = Number(m[1]);
      total = Number(m[2]);
      // Patchwork prints "[RFC,bpf-next,0/4]" without the word PATCH.
      patch = true;
    } else if (/^[a-z0-9][\w.+-]*$/i.test(raw) && !/^\d+$/.test(raw)) {
      treeWords.push(raw);
    }
  }
  if (rfc && !patch && tags.length > 0) patch = index !== null || tags.length > 1;
  return {
    title: rest.trim(),
    reply,
    patch,
    rfc,
    resend,
    version,
    index,
    total,
    tree: patch && treeWords.length > 0 ? treeWords.join(" ") : null,
    tags,
  };
}

/**
 * The title used to link versions of one series (as b4 and patchwork do):
 * lower-cased, whitespace collapsed, tags and reply prefixes removed.
 */
export function normaliseTitle(subject: string): string {
  return parseSubject(subject).title.toLowerCase().replace(/\s+/g, " ").trim();
}
