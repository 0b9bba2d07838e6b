/**
 * Threads among a set of messages: the connected component of the reply
 * graph (In-Reply-To and References, in both directions), as public-inbox's
 * `t.mbox.gz` returns it.
 *
 * @module
 */

import type { Message } from "./types.ts";

/** An index of messages by id with the reply graph's edges. */
export interface ThreadIndex {
  byId: Map<string, Message>;
  neighbours: Map<string, Set<string>>;
}

/** Builds the index. Later copies of a message-id are ignored (cross-posts). */
export function indexMessages(messages: Message[]): ThreadIndex {
  const byId = new Map<string, Message>();
  const neighbours = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (a === b) return;
    if (!neighbours.has(a)) neighbours.set(a, new Set());
    if (!neighbours.has(b)) neighbours.set(b, new Set());
    neighbours.get(a)!.add(b);
    neighbours.get(b)!.add(a);
  };
  for (const m of messages) {
    if (byId.has(m.messageId)) continue;
    byId.set(m.messageId, m);
    if (m.inReplyTo) link(m.messageId, m.inReplyTo);
    for (const r of m.references) link(m.messageId, r);
  }
  return { byId, neighbours };
}

/** Every message connected to `messageId` (including through ids not present), oldest first. */
export function threadOf(index: ThreadIndex, messageId: string): Message[] {
  if (!index.byId.has(messageId) && !index.neighbours.has(messageId)) return [];
  const seen = new Set<string>([messageId]);
  const stack = [messageId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const n of index.neighbours.get(id) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  const out: Message[] = [];
  for (const id of seen) {
    const m = index.byId.get(id);
    if (m) out.push(m);
  }
  return out.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
}
