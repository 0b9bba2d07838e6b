/**
 * Disassembly for the architectures Capstone 4 (capstone.ts) lacks: RISC-V,
 * through the WASM build of Capstone 5 (`@alexaltea/capstone-js`,
 * TOOLCHAIN.md §4). The module is loaded on first use (~33 ms).
 *
 * @module
 */

import type { Insn } from "./capstone.ts";

/** Architectures this module disassembles. */
export type WasmCsArch = "riscv64";

interface CsJsInsn {
  address: number | bigint;
  size: number;
  bytes: number[];
  mnemonic: string;
  op_str: string;
}

interface CsJs {
  ARCH_RISCV: number;
  MODE_RISCV64: number;
  MODE_RISCVC: number;
  Capstone: new (arch: number, mode: number) => {
    disasm(code: number[], address: number): CsJsInsn[];
    close(): void;
  };
}

let module: Promise<CsJs> | null = null;

function load(): Promise<CsJs> {
  module ??= import("@alexaltea/capstone-js").then(
    (m) => (m.default as () => Promise<CsJs>)(),
  ).catch((e) => {
    module = null;
    throw new Error(
      `@alexaltea/capstone-js could not be loaded (npm registry reachable?): ${
        e instanceof Error ? e.message : e
      }`,
    );
  });
  return module;
}

/** Disassemble `code` loaded at `address` (RV64GC, compressed forms decoded). */
export async function disassembleWasm(
  arch: WasmCsArch,
  code: Uint8Array,
  address = 0n,
): Promise<Insn[]> {
  const cs = await load();
  const mode: Record<WasmCsArch, [number, number]> = {
    riscv64: [cs.ARCH_RISCV, cs.MODE_RISCV64 | cs.MODE_RISCVC],
  };
  const d = new cs.Capstone(...mode[arch]);
  try {
    return d.disasm([...code], Number(address)).map((i) => ({
      address: BigInt(i.address),
      size: i.size,
      bytes: Uint8Array.from(i.bytes),
      mnemonic: i.mnemonic,
      opStr: i.op_str.trim(),
    }));
  } finally {
    d.close();
  }
}
