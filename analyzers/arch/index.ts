/**
 * The recogniser registry: every architecture with a recogniser, in report
 * order (the same order as jit/arch/index.ts).
 *
 * @module
 */

import type { ArchName } from "../../jit/arch/types.ts";
import type { Recogniser } from "./types.ts";
import { recogniser as x86_64 } from "./x86_64.ts";
import { recogniser as arm64 } from "./arm64.ts";
import { recogniser as riscv64 } from "./riscv64.ts";
import { recogniser as s390x } from "./s390x.ts";
import { recogniser as ppc64 } from "./ppc64.ts";
import { recogniser as loongarch64 } from "./loongarch64.ts";

/** Every recogniser. */
export const RECOGNISERS: readonly Recogniser[] = [
  x86_64,
  arm64,
  riscv64,
  s390x,
  ppc64,
  loongarch64,
];

/** The recogniser of an arch, or null. */
export function recogniserFor(arch: ArchName): Recogniser | null {
  return RECOGNISERS.find((r) => r.arch === arch) ?? null;
}

/** The recogniser that reads `path`, or null. */
export function recogniserOfFile(path: string): Recogniser | null {
  return RECOGNISERS.find((r) => r.files.includes(path)) ?? null;
}
