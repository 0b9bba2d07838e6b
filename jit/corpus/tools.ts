/**
 * Running local tools for the corpus (jit/tools.ts does the work) and the
 * on-disk cache shared by the corpus and emulation stages.
 *
 * @module
 */

import { runChecked } from "../tools.ts";

/** A tool that failed or is missing, with what to install. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}

/** Runs a tool with an argument array (never a shell string); throws ToolError with stderr on failure. */
export async function run(tool: string, args: string[], cwd?: string): Promise<string> {
  try {
    return await runChecked(tool, args, cwd);
  } catch (e) {
    throw new ToolError(e instanceof Error ? e.message : String(e));
  }
}

/** The cache directory for a purpose: $TRAMPOLINT_CACHE or <repo>/.cache. */
export function cacheDir(purpose: string): string {
  const base = Deno.env.get("TRAMPOLINT_CACHE") ??
    new URL("../../.cache", import.meta.url).pathname;
  return `${base.replace(/\/$/, "")}/${purpose}`;
}

/** Hex SHA-256 of bytes. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(h)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
