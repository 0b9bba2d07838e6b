/**
 * Types produced by the series stage (ARCHITECTURE.md: bot/series → Series).
 *
 * @module
 */

import type { Message } from "../ingest/types.ts";
import type { ParsedDiff } from "../../analyzers/diff/types.ts";

/** What a subject line says about the mail (`[RFC PATCH bpf-next v3 2/4] x`). */
export interface SubjectInfo {
  /** Subject without `Re:`/`Fwd:` and without the bracketed tags. */
  title: string;
  /** True when the subject starts with Re:/Aw:/Sv:/Fwd: (a reply, not a patch). */
  reply: boolean;
  /** True when a `[...]` tag group contains PATCH (or a patchwork-style `[bpf-next,1/2]`). */
  patch: boolean;
  rfc: boolean;
  resend: boolean;
  /** Version number, 1 when none is given. */
  version: number;
  /** Patch index (0 = cover letter) and total, or null when the subject has no n/m. */
  index: number | null;
  total: number | null;
  /** Tree tag such as `bpf-next`, `bpf`, `net` (the words other than PATCH/RFC/vN/n/m). */
  tree: string | null;
  /** Every bracketed tag word, in order. */
  tags: string[];
}

/** A trailer line (`Signed-off-by: A <a@b>`). */
export interface Trailer {
  key: string;
  value: string;
}

/** One diffstat line (`arch/arm64/net/bpf_jit_comp.c | 5 -----`). */
export interface DiffstatEntry {
  path: string;
  changes: number;
  bar: string;
}

/** Metadata read from a patch or cover letter body. */
export interface PatchMeta {
  baseCommit: string | null;
  changeId: string | null;
  prerequisitePatchIds: string[];
  prerequisiteMessageIds: string[];
  trailers: Trailer[];
  /** Commit ids named in Fixes: trailers, with their titles. */
  fixes: string[];
  diffstat: DiffstatEntry[];
}

/** A patch of a series. */
export interface Patch {
  message: Message;
  subject: SubjectInfo;
  index: number;
  total: number;
  meta: PatchMeta;
  diff: ParsedDiff;
  /** Copies of the same patch under other message-ids (cross-posts, resends in-thread). */
  duplicates: string[];
  /** Replies (direct or nested) to this patch. */
  replies: Message[];
}

/** A posted series at one version. */
export interface Series {
  /** Message-id of the cover letter, or of the first patch when there is none. */
  messageId: string;
  subject: string;
  title: string;
  version: number;
  rfc: boolean;
  resend: boolean;
  tree: string | null;
  author: string;
  authorAddress: string;
  date: string;
  cover: Message | null;
  coverMeta: PatchMeta | null;
  patches: Patch[];
  /** Indices 1..total that no message provides. */
  missing: number[];
  /** Indices provided by more than one distinct message. */
  duplicateIndices: number[];
  total: number;
  baseCommit: string | null;
  changeId: string | null;
  /** Replies to the cover letter or to patches (all depths). */
  replies: Message[];
  /** Message-id of the previous version when the same input or archive holds it. */
  previousVersion: string | null;
  /** Other versions seen, as `{version, messageId}`, oldest first. */
  versions: { version: number; messageId: string }[];
}

/** The outcome of assembling messages into series. */
export interface Assembly {
  /** Every series found, newest version last within one version chain. */
  series: Series[];
  /** Messages that belong to no series (plain discussion, a lone reply). */
  other: Message[];
}
