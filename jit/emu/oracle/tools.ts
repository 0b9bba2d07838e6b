/**
 * Tool running for the oracle: the shared implementation in jit/tools.ts.
 *
 * @module
 */

export * from "../../tools.ts";
