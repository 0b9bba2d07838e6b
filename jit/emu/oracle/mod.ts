/**
 * The compiler oracle for argument placement: real compiled callers run in
 * the real emulator (Unicorn; qemu-user for ppc64), and where each argument's
 * bytes actually arrived.
 *
 * - `observePlacements(arch, protos, opts)` → observed locations (`ObservedArg`, shaped like `ArgLocation`)
 * - `checkPlacement(arch, protos, abi, {compiler})` → model vs compiler mismatches
 * - `compareCompilers(arch, protos)` → GCC vs clang disagreements
 *
 * Pipeline and layout: oracle.ts, layout.ts; value choice: values.ts.
 *
 * @module
 */

export { observePlacements } from "./oracle.ts";
export type { OracleOptions, OracleResult, ProtoObservation } from "./oracle.ts";
export { checkArg, checkObservation, checkPlacement, compareCompilers } from "./check.ts";
export type {
  CheckOptions,
  CompilerComparison,
  CompilerDisagreement,
  PlacementCheck,
  PlacementMismatch,
} from "./check.ts";
export { describeLocation, describePiece, observeArgs } from "./observe.ts";
export type { ObservedArg, ObservedExtension } from "./observe.ts";
export { meaningfulMask, planValues, validFloat } from "./values.ts";
export type { ValuePlan, ValueRun } from "./values.ts";
export { buildBatch, cacheRoot } from "./build.ts";
export type { BuiltImage, ImageEntry } from "./build.ts";
export { runQemu, UnicornRunner } from "./run.ts";
export type { Dump, Pointee, RunnerOptions, RunRequest } from "./run.ts";
export { isOracleArch, regCell, TARGETS } from "./targets.ts";
export type { Compiler, OracleArch, Target } from "./targets.ts";
export * as layout from "./layout.ts";
