/**
 * Integer helpers shared by the per-architecture ABI placement code.
 *
 * @module
 */

/** Round `n` up to a multiple of `a` (a power of two or any positive integer). */
export function alignUp(n: number, a: number): number {
  if (a <= 1) return n;
  return Math.ceil(n / a) * a;
}

/** `ceil(n / d)` for non-negative integers. */
export function ceilDiv(n: number, d: number): number {
  return Math.ceil(n / d);
}
