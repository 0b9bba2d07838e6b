/**
 * The architecture registry: the only place that names every architecture
 * (ARCHITECTURE.md, Layout). Adding an arch is adding its folder and a line here.
 *
 * @module
 */

import type { Abi, ArchName } from "./types.ts";
import type { DataModel } from "../corpus/ctypes.ts";
import { abi as x86_64 } from "./x86_64/abi.ts";
import { abi as arm64 } from "./arm64/abi.ts";
import { abi as riscv64 } from "./riscv64/abi.ts";
import { abi as s390x } from "./s390x/abi.ts";
import { abi as arm32 } from "./arm32/abi.ts";
import { abi as ppc64 } from "./ppc64/abi.ts";
import { abi as loongarch64 } from "./loongarch64/abi.ts";

/** What trampolint knows about an architecture besides its ABI. */
export interface ArchInfo {
  name: ArchName;
  abi: Abi;
  dataModel: DataModel;
  /**
   * How placement is checked against real compilers: in Unicorn, under
   * qemu-user (Unicorn 2.0.1 cannot run ppc64, TOOLCHAIN.md §0), or not at all
   * (no LoongArch compiler on Debian 12: "model only").
   */
  oracle: "unicorn" | "qemu" | null;
  /** Why there is no oracle, when there is none. */
  oracleGap?: string;
}

/** Every architecture, in report order. */
export const ARCHES: readonly ArchInfo[] = [
  { name: "x86_64", abi: x86_64, dataModel: "lp64", oracle: "unicorn" },
  { name: "arm64", abi: arm64, dataModel: "lp64", oracle: "unicorn" },
  { name: "riscv64", abi: riscv64, dataModel: "lp64", oracle: "unicorn" },
  { name: "s390x", abi: s390x, dataModel: "lp64", oracle: "unicorn" },
  { name: "ppc64", abi: ppc64, dataModel: "lp64", oracle: "qemu" },
  { name: "arm32", abi: arm32, dataModel: "ilp32", oracle: "unicorn" },
  {
    name: "loongarch64",
    abi: loongarch64,
    dataModel: "lp64",
    oracle: null,
    oracleGap:
      "model only: Debian 12 has no LoongArch compiler (LLVM 14, GCC 12 cross) to check against",
  },
];

/** Looks an arch up by name (also accepts common aliases: aarch64, x86-64, riscv, s390, ppc64le, arm, loongarch). */
export function archByName(name: string): ArchInfo {
  const alias: Record<string, ArchName> = {
    aarch64: "arm64",
    "x86-64": "x86_64",
    x86: "x86_64",
    amd64: "x86_64",
    riscv: "riscv64",
    s390: "s390x",
    ppc64le: "ppc64",
    powerpc: "ppc64",
    arm: "arm32",
    loongarch: "loongarch64",
  };
  const n = alias[name.toLowerCase()] ?? name.toLowerCase();
  const a = ARCHES.find((x) => x.name === n);
  if (!a) {
    throw new Error(
      `unknown architecture '${name}' (known: ${ARCHES.map((x) => x.name).join(", ")})`,
    );
  }
  return a;
}
