/**
 * arm32 (AAPCS VFP hard-float) placement against arm-linux-gnueabihf-gcc (Thumb-2 callers) and
 * clang (ARM-mode callers) under qemu-user (common/probe/harness.ts). GCC 12 and clang 14 agree
 * with placeArgs on every case.
 */
import { probeTests } from "../common/probe/harness.ts";
import { target } from "./probe.ts";

await probeTests(target);
