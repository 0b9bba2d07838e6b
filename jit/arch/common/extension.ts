/**
 * The extension rule several psABIs share (AAPCS, ELFv2, s390x ELF): the
 * caller sign- or zero-extends an integer narrower than a register to the
 * register's width by the signedness of its type, `_Bool` by zero.
 *
 * @module
 */

import type { CType } from "../../corpus/types.ts";
import type { Extension } from "../types.ts";

/** What the bits above `t` hold in a `regBytes`-byte register or stack slot. */
export function extendBySignedness(t: CType, regBytes: number): Extension {
  if ((t.kind === "int" || t.kind === "enum") && t.size < regBytes) {
    if (t.kind === "int" && t.bool) return "zero";
    return t.signed ? "sign" : "zero";
  }
  return "unspecified";
}
