/**
 * Worker entry point for trampoline emulation: one Unicorn engine per arch
 * per worker (kept across jobs), jobs are `emulateMany` option objects.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { closeHarnesses, emulateMany, type EmulateOptions } from "../jit/emu/tramp/emulate.ts";

/** A job sent to the worker. */
export interface WorkerJob {
  id: number;
  opts: Omit<EmulateOptions, "tramp" | "log">;
}

self.onmessage = async (e: MessageEvent<WorkerJob | { close: true }>) => {
  const msg = e.data;
  if ("close" in msg) {
    closeHarnesses();
    self.close();
    return;
  }
  try {
    const verdicts = await emulateMany(msg.opts);
    self.postMessage({ id: msg.id, verdicts });
  } catch (err) {
    self.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
  }
};
