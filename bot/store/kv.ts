/**
 * The `Store` over Deno KV (ARCHITECTURE.md: bot/store): an embedded SQLite
 * file by default (`Deno.openKv(path)`; needs `--unstable-kv`, which deno.json
 * turns on for tests and tasks).
 *
 * Keys:
 * - `["series", msgid]` → SeriesRecord
 * - `["review", msgid]` → pointer `{blob, chunks, at, status}`; the report JSON
 *   lives in `["blob", blob, i]` chunks, because a KV value is capped at
 *   64 KiB and a report over the real corpus can be larger.
 * - `["reply", key]` → pointer to a ReplyRecord blob; `["reply_of", msgid, key]`
 *   indexes them by series. `recordReply` creates the pointer with an atomic
 *   `check(versionstamp null)` so two workers (or a restarted one) can never
 *   both create the record that licenses a send.
 * - `["job", id]` → job + lease; ids sort by enqueue time, so a key-ordered
 *   scan is oldest first. `["job_key", kind, msgid]` → id makes `enqueue`
 *   idempotent while a job for the same series is pending.
 * - `["state", name]` → small watcher state (cursor, seen ids).
 *
 * @module
 */

import type { Job, ReplyRecord, ReviewRecord, SeriesQuery, SeriesRecord, Store } from "./types.ts";

/** `Store` plus small named state values the watcher keeps (poll cursor). */
export interface KvStore extends Store {
  /** A small JSON value (< 60 KiB) under `name`, or null. */
  getState<T>(name: string): Promise<T | null>;
  setState<T>(name: string, value: T): Promise<void>;
  /** Jobs not yet done (leased or not), oldest first. */
  pendingJobs(): Promise<(Job & { leaseUntil: number })[]>;
}

/** A KV value is capped at 64 KiB; chunks stay well below it. */
const CHUNK_CHARS = 16_000;
/** Deno KV allows 1000 mutations per atomic operation; stay far below. */
const MAX_CHUNKS_PER_ATOMIC = 500;

interface BlobPointer {
  blob: string;
  chunks: number;
}

interface ReviewPointer extends BlobPointer {
  at: string;
  status: 0 | 1;
}

interface JobValue extends Job {
  /** Epoch ms until which the job is leased (0: free). */
  leaseUntil: number;
}

let idCounter = 0;

/** A time-ordered unique id: 13-digit ms, 6-digit counter, random suffix. */
function orderedId(now = Date.now()): string {
  idCounter = (idCounter + 1) % 1_000_000;
  const rnd = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return `${String(now).padStart(13, "0")}-${String(idCounter).padStart(6, "0")}-${rnd}`;
}

/** Opens (creating if needed) the store at `path`; `":memory:"` for an in-memory one. */
export async function openKvStore(path: string): Promise<KvStore> {
  if (typeof Deno.openKv !== "function") {
    throw new Error("Deno KV is not enabled: run with --unstable-kv (deno.json sets it for tasks)");
  }
  let kv: Deno.Kv;
  try {
    kv = path === ":memory:" ? await Deno.openKv(":memory:") : await Deno.openKv(path);
  } catch (e) {
    throw new Error(`cannot open the store at ${path}: ${(e as Error).message}`);
  }
  return kvStore(kv);
}

/** Splits a string into chunk-sized pieces (at least one). */
function chunksOf(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += CHUNK_CHARS) out.push(text.slice(i, i + CHUNK_CHARS));
  return out.length ? out : [""];
}

function kvStore(kv: Deno.Kv): KvStore {
  /** Writes a JSON blob in chunks (not yet referenced by anything) and returns its pointer. */
  async function writeBlob(value: unknown): Promise<BlobPointer> {
    const blob = orderedId();
    const parts = chunksOf(JSON.stringify(value));
    for (let i = 0; i < parts.length; i += MAX_CHUNKS_PER_ATOMIC) {
      const op = kv.atomic();
      parts.slice(i, i + MAX_CHUNKS_PER_ATOMIC).forEach((p, j) => op.set(["blob", blob, i + j], p));
      const res = await op.commit();
      if (!res.ok) throw new Error(`store: writing blob ${blob} failed`);
    }
    return { blob, chunks: parts.length };
  }

  async function readBlob<T>(p: BlobPointer): Promise<T> {
    let text = "";
    let got = 0;
    for await (const e of kv.list<string>({ prefix: ["blob", p.blob] })) {
      text += e.value;
      got++;
    }
    if (got !== p.chunks) throw new Error(`store: blob ${p.blob} has ${got} of ${p.chunks} chunks`);
    return JSON.parse(text) as T;
  }

  async function deleteBlob(blob: string): Promise<void> {
    for await (const e of kv.list({ prefix: ["blob", blob] })) await kv.delete(e.key);
  }

  async function getReview(messageId: string): Promise<ReviewRecord | null> {
    const p = await kv.get<ReviewPointer>(["review", messageId]);
    return p.value ? await readBlob<ReviewRecord>(p.value) : null;
  }

  async function readReply(key: string): Promise<ReplyRecord | null> {
    const p = await kv.get<BlobPointer>(["reply", key]);
    return p.value ? await readBlob<ReplyRecord>(p.value) : null;
  }

  return {
    async putSeries(s) {
      await kv.set(["series", s.messageId], s);
    },
    async getSeries(messageId) {
      return (await kv.get<SeriesRecord>(["series", messageId])).value;
    },
    async listSeries(q: SeriesQuery = {}) {
      const out: SeriesRecord[] = [];
      for await (const e of kv.list<SeriesRecord>({ prefix: ["series"] })) out.push(e.value);
      out.sort((a, b) => postedAt(b) - postedAt(a));
      const needle = q.q?.toLowerCase();
      const picked: SeriesRecord[] = [];
      for (const s of out) {
        if (q.list && s.list !== q.list) continue;
        if (
          needle && !s.subject.toLowerCase().includes(needle) &&
          !s.messageId.toLowerCase().includes(needle) &&
          !s.patches.some((p) => p.toLowerCase().includes(needle))
        ) continue;
        if (q.arch || q.status) {
          const review = q.arch || (q.status && q.status !== s.state)
            ? await getReview(s.messageId)
            : null;
          const arches = review?.report.arches ?? {};
          if (q.arch && !(q.arch in arches)) continue;
          if (q.status && q.status !== s.state) {
            // A status filter matches the series state or any arch status of its review.
            const statuses = Object.entries(arches)
              .filter(([a]) => !q.arch || a === q.arch)
              .map(([, v]) => v?.status);
            if (!statuses.includes(q.status as never)) continue;
          }
        }
        picked.push(s);
        if (q.limit && picked.length >= q.limit) break;
      }
      return picked;
    },

    async putReview(r: ReviewRecord) {
      const old = await kv.get<ReviewPointer>(["review", r.messageId]);
      const p = await writeBlob(r);
      const ptr: ReviewPointer = { ...p, at: r.at, status: r.status };
      const res = await kv.atomic().check(old).set(["review", r.messageId], ptr).commit();
      if (!res.ok) {
        // Someone stored a review meanwhile; ours is newer by call order, write it over.
        await kv.set(["review", r.messageId], ptr);
      }
      if (old.value) await deleteBlob(old.value.blob);
    },
    getReview,

    async recordReply(r: ReplyRecord) {
      const p = await writeBlob(r);
      const res = await kv.atomic()
        .check({ key: ["reply", r.key], versionstamp: null })
        .set(["reply", r.key], p)
        .set(["reply_of", r.messageId, r.key], r.key)
        .commit();
      if (res.ok) return { record: r, created: true };
      await deleteBlob(p.blob);
      const existing = await readReply(r.key);
      if (!existing) throw new Error(`store: reply ${r.key} exists but cannot be read`);
      return { record: existing, created: false };
    },
    async markReply(key, state, fields = {}) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const ptr = await kv.get<BlobPointer>(["reply", key]);
        if (!ptr.value) throw new Error(`store: no reply recorded under ${key}`);
        const cur = await readBlob<ReplyRecord>(ptr.value);
        const next: ReplyRecord = { ...cur, ...fields, key: cur.key, state };
        const p = await writeBlob(next);
        const res = await kv.atomic().check(ptr).set(["reply", key], p).commit();
        if (res.ok) {
          await deleteBlob(ptr.value.blob);
          return;
        }
        await deleteBlob(p.blob);
      }
      throw new Error(`store: reply ${key} kept changing; mark ${state} not applied`);
    },
    async listReplies(messageId) {
      const out: ReplyRecord[] = [];
      for await (const e of kv.list<string>({ prefix: ["reply_of", messageId] })) {
        const r = await readReply(e.value);
        if (r) out.push(r);
      }
      return out.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
    },

    async enqueue(job) {
      for (;;) {
        const ref = await kv.get<string>(["job_key", job.kind, job.messageId]);
        if (ref.value) {
          const existing = await kv.get<JobValue>(["job", ref.value]);
          if (existing.value) return toJob(existing.value);
        }
        const j: JobValue = {
          id: orderedId(),
          kind: job.kind,
          messageId: job.messageId,
          attempts: 0,
          enqueuedAt: new Date().toISOString(),
          leaseUntil: 0,
        };
        const res = await kv.atomic()
          .check(ref)
          .set(["job", j.id], j)
          .set(["job_key", j.kind, j.messageId], j.id)
          .commit();
        if (res.ok) return toJob(j);
      }
    },
    async nextJob(leaseMs) {
      const now = Date.now();
      for await (const e of kv.list<JobValue>({ prefix: ["job"] })) {
        if (e.value.leaseUntil > now) continue;
        const leased: JobValue = {
          ...e.value,
          attempts: e.value.attempts + 1,
          leaseUntil: now + leaseMs,
        };
        const res = await kv.atomic().check(e).set(e.key, leased).commit();
        if (res.ok) return toJob(leased);
      }
      return null;
    },
    async done(jobId) {
      const j = await kv.get<JobValue>(["job", jobId]);
      if (!j.value) return;
      const ref = await kv.get<string>(["job_key", j.value.kind, j.value.messageId]);
      const op = kv.atomic().check(j).delete(["job", jobId]);
      if (ref.value === jobId) op.check(ref).delete(ref.key);
      await op.commit();
    },
    async pendingJobs() {
      const out: (Job & { leaseUntil: number })[] = [];
      for await (const e of kv.list<JobValue>({ prefix: ["job"] })) out.push({ ...e.value });
      return out;
    },

    async getState<T>(name: string) {
      return (await kv.get<T>(["state", name])).value;
    },
    async setState<T>(name: string, value: T) {
      await kv.set(["state", name], value);
    },
    close() {
      kv.close();
    },
  };
}

/** When a series was posted (its Date header, RFC 2822 or ISO), else when it was seen. */
function postedAt(s: SeriesRecord): number {
  const t = Date.parse(s.date);
  return Number.isFinite(t) ? t : Date.parse(s.seenAt) || 0;
}

function toJob(j: JobValue): Job {
  return {
    id: j.id,
    kind: j.kind,
    messageId: j.messageId,
    attempts: j.attempts,
    enqueuedAt: j.enqueuedAt,
  };
}
