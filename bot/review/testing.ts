/**
 * Test helper: why a full review cannot run here (no Unicorn, or no Debian
 * linux-source-6.1 for the pre-images), or null when it can.
 *
 * @module
 */

import { LINUX_SOURCE_TARBALL } from "../../analyzers/source/linux_source.ts";
import { unicornUnavailable } from "../../jit/emu/unicorn.ts";

/** The reason full-review tests are skipped, or null. */
export async function fullReviewUnavailable(): Promise<string | null> {
  const u = unicornUnavailable();
  if (u) return u;
  try {
    await Deno.stat(LINUX_SOURCE_TARBALL);
    return null;
  } catch {
    return `${LINUX_SOURCE_TARBALL} missing (Debian package linux-source-6.1)`;
  }
}
