/**
 * A pool of Deno module workers for trampoline emulation
 * (workers/emulate_worker.ts). Prototypes are deduplicated by ABI shape in the
 * calling thread, cut into image-sized batches (one harness image each, so no
 * two workers build the same image) and spread over the workers; verdicts are
 * mapped back to every prototype. Small jobs run in-process.
 *
 * @module
 */

import type { AttachType } from "../jit/arch/tramp_types.ts";
import type { Prototype } from "../jit/corpus/types.ts";
import { BATCH, emulateMany, shapeKey } from "../jit/emu/tramp/emulate.ts";
import type { TrampArch } from "../jit/emu/tramp/layout.ts";
import type { Verdict } from "../jit/emu/tramp/verdict.ts";
import type { WorkerJob } from "./emulate_worker.ts";

/** Below this many distinct shapes, run in-process (worker start-up costs ~100 ms). */
export const IN_PROCESS_BELOW = 300;

/** What to emulate. */
export interface PoolJob {
  arch: TrampArch;
  era: string;
  attach: AttachType;
  protos: Prototype[];
  ipArg?: boolean;
}

interface Pending {
  resolve: (v: Verdict[]) => void;
  reject: (e: Error) => void;
}

/** A fixed set of workers; reuse it across jobs, then `close()`. */
export class EmulatePool {
  readonly size: number;
  #workers: Worker[] = [];
  #pending = new Map<number, Pending>();
  #next = 0;
  #rr = 0;

  constructor(size = navigator.hardwareConcurrency || 2) {
    this.size = Math.max(1, size);
  }

  #worker(i: number): Worker {
    let w = this.#workers[i];
    if (!w) {
      // module worker; Deno workers inherit the parent's permissions by default
      // (the explicit `deno.permissions` option needs --unstable-worker-options)
      w = new Worker(new URL("./emulate_worker.ts", import.meta.url).href, { type: "module" });
      w.onmessage = (e: MessageEvent<{ id: number; verdicts?: Verdict[]; error?: string }>) => {
        const p = this.#pending.get(e.data.id);
        if (!p) return;
        this.#pending.delete(e.data.id);
        if (e.data.error !== undefined) p.reject(new Error(e.data.error));
        else p.resolve(e.data.verdicts!);
      };
      w.onerror = (e) => {
        e.preventDefault();
        for (const p of this.#pending.values()) p.reject(new Error(`worker failed: ${e.message}`));
        this.#pending.clear();
      };
      this.#workers[i] = w;
    }
    return w;
  }

  #send(opts: WorkerJob["opts"], worker?: number): Promise<Verdict[]> {
    const id = this.#next++;
    const w = this.#worker((worker ?? this.#rr++) % this.size);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      w.postMessage({ id, opts } satisfies WorkerJob);
    });
  }

  /** Emulate `job.protos`; verdicts in input order. */
  async run(job: PoolJob): Promise<Verdict[]> {
    const reps: Prototype[] = [];
    const idxOf = new Map<string, number>();
    const map = job.protos.map((p) => {
      const k = shapeKey(p);
      let i = idxOf.get(k);
      if (i === undefined) {
        i = reps.length;
        idxOf.set(k, i);
        reps.push(p);
      }
      return i;
    });
    let repVerdicts: Verdict[];
    if (reps.length < IN_PROCESS_BELOW) {
      repVerdicts = await emulateMany({ ...job, protos: reps });
    } else {
      const chunks: Prototype[][] = [];
      for (let i = 0; i < reps.length; i += BATCH) chunks.push(reps.slice(i, i + BATCH));
      // chunk i always goes to worker i % size: the same batch (harness image)
      // lands on the same worker in every job, which keeps its image and its
      // observations of identical runs (e.g. another era's) warm.
      const parts = await Promise.all(chunks.map((c, i) => this.#send({ ...job, protos: c }, i)));
      repVerdicts = parts.flat();
    }
    return job.protos.map((p, i) => {
      const v = repVerdicts[map[i]];
      return v.proto === p.name ? v : { ...v, proto: p.name };
    });
  }

  /** Stop every worker. */
  close(): void {
    for (const w of this.#workers) w?.terminate();
    this.#workers = [];
    for (const p of this.#pending.values()) p.reject(new Error("pool closed"));
    this.#pending.clear();
  }
}

/** One-shot: a pool of `workers` (default hardwareConcurrency) for one job. */
export async function emulatePool(job: PoolJob & { workers?: number }): Promise<Verdict[]> {
  const pool = new EmulatePool(job.workers);
  try {
    return await pool.run(job);
  } finally {
    pool.close();
  }
}
