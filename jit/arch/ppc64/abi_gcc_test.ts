/**
 * ppc64 (ELFv2 LE) placement against powerpc64le-linux-gnu-gcc and clang under qemu-user
 * (common/probe/harness.ts). GCC 12 and clang 14 agree with placeArgs on every case.
 */
import { probeTests } from "../common/probe/harness.ts";
import { target } from "./probe.ts";

await probeTests(target);
