/** loongarch64: no compiler to probe with on Debian 12; the tests show as ignored, with the reason. */
import { probeTests } from "../common/probe/harness.ts";
import { target } from "./probe.ts";

await probeTests(target);
