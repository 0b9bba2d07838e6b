/** arm64 placement against aarch64-linux-gnu-gcc and clang under qemu-user (common/probe/harness.ts). */
import { probeTests } from "../common/probe/harness.ts";
import { target } from "./probe.ts";

/**
 * Known model limit, not an ABI disagreement: a member-level `aligned(16)` gives
 * the composite natural alignment 16 (C.8: x2:x3, GCC and clang agree), but
 * `CType` records only the member's type (long, align 8), so the record is
 * indistinguishable from a type-level `aligned(16)` struct — which does NOT get
 * the even-register rule (`al16_at_*`). placeArgs follows the type-level reading.
 */
const MODEL_LIMIT = { "CType has no member alignment": { member_aligned16: [1, 2] } };

// clang 14 and GCC 12 agree on arm64.
await probeTests(target, { gcc: MODEL_LIMIT, clang: MODEL_LIMIT });
