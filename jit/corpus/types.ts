/**
 * The corpus stage's vocabulary (ARCHITECTURE.md: jit/corpus → Prototype[],
 * FuncModel): C types as the ABI sees them, prototypes, and the kernel's
 * `struct btf_func_model`.
 *
 * @module
 */

/** A C type with the layout facts placement needs (sizes and offsets in bytes). */
export type CType =
  | IntType
  | FloatType
  | PointerType
  | EnumType
  | RecordType
  | ArrayType;

/** An integer: char, short, int, long, long long, `__int128`, `_Bool`. */
export interface IntType {
  kind: "int";
  /** C spelling, e.g. `unsigned short`, `__int128`, `_Bool`. */
  name: string;
  size: number;
  align: number;
  signed: boolean;
  bool?: boolean;
}

/** float, double, long double. */
export interface FloatType {
  kind: "float";
  name: string;
  size: number;
  align: number;
}

/** Any pointer (to data or to a function). */
export interface PointerType {
  kind: "ptr";
  /** C spelling of the pointer type, e.g. `struct sock *`, `void *`. */
  name: string;
  size: number;
  align: number;
}

/** An enum (BTF ENUM/ENUM64). */
export interface EnumType {
  kind: "enum";
  /** `enum foo` (or a synthetic name for an anonymous enum). */
  name: string;
  size: number;
  align: number;
  signed: boolean;
}

/** A struct or union. */
export interface RecordType {
  kind: "struct" | "union";
  /** `struct foo` / `union bar` (or a synthetic name for anonymous records). */
  name: string;
  size: number;
  align: number;
  /** True when the layout shows packing (a member below its natural alignment, or size not a multiple of it). */
  packed: boolean;
  members: Member[];
}

/** A fixed array (inside records; a flexible array member has count 0). */
export interface ArrayType {
  kind: "array";
  name: string;
  elem: CType;
  count: number;
  size: number;
  align: number;
}

/** A struct/union member; bitfields carry their bit offset and width. */
export interface Member {
  name: string;
  type: CType;
  /** Byte offset of the member (for bitfields: of the containing storage unit's first byte touched). */
  offset: number;
  /** Bit offset from the start of the record, for bitfields; null otherwise. */
  bitOffset: number | null;
  bitSize: number | null;
}

/** Where a prototype came from. */
export type ProtoSource = "real" | "selftest" | "stress" | "series";

/** One function parameter. */
export interface Param {
  name: string;
  type: CType;
}

/** A C function prototype as the corpus holds it. */
export interface Prototype {
  name: string;
  source: ProtoSource;
  /** null for void. */
  ret: CType | null;
  params: Param[];
  variadic: boolean;
  /**
   * Why the prototype cannot even be expressed as C types (an unresolvable
   * or unsupported BTF type, e.g. a function-typed parameter); null when fine.
   * Distill rejects such prototypes with this reason.
   */
  unsupported: string | null;
}

/** `BTF_FMODEL_STRUCT_ARG` (v6.1, 720e6a435194): the argument is a struct (or, v6.18+, a union). */
export const BTF_FMODEL_STRUCT_ARG = 1 << 0;
/** `BTF_FMODEL_SIGNED_ARG` (v6.3, 49f67f393ff2): the argument is a signed BTF int. */
export const BTF_FMODEL_SIGNED_ARG = 1 << 1;

/** The kernel's `struct btf_func_model` (include/linux/bpf.h). */
export interface FuncModel {
  retSize: number;
  retFlags: number;
  nrArgs: number;
  argSize: number[];
  argFlags: number[];
}

/** Kernel eras of `btf_distill_func_proto()` (KERNEL_SPEC.md §1.2). */
export type DistillEra = "v5.5" | "v6.1" | "v6.3" | "v6.18" | "2026";

/** The outcome of `btf_distill_func_proto()` for one prototype at one era. */
export type Distilled =
  | { ok: true; model: FuncModel }
  | { ok: false; errno: "EINVAL" | "ENOTSUPP"; reason: string };
