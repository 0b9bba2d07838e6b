/**
 * LLVM's assembler as the reference for our encoders (tests): the 32-bit
 * little-endian instruction word `llvm-mc -show-encoding` gives each line.
 *
 * @module
 */

import { runTool } from "../../tools.ts";

/** One word per assembly line, as `llvm-mc -triple=<triple> -show-encoding` encodes it. */
export async function llvmMcWords(triple: string, lines: string[]): Promise<number[]> {
  const input = new TextEncoder().encode(lines.join("\n") + "\n");
  const r = await runTool("llvm-mc", [`-triple=${triple}`, "-show-encoding"], { stdin: input });
  const out = new TextDecoder().decode(r.stdout);
  if (r.code !== 0 || r.stderr.trim()) throw new Error(`llvm-mc -triple=${triple}: ${r.stderr}`);
  return [...out.matchAll(/encoding: \[([^\]]*)\]/g)].map((m) => {
    const b = m[1].split(",").map((s) => parseInt(s, 16));
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  });
}
