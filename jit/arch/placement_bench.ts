/** Placement speed (README "Performance"): placeArgs over the stress corpus, per arch. */
import { ARCHES } from "./index.ts";
import { stressPrototypes } from "../corpus/stress.ts";

const lp64 = stressPrototypes();
const ilp32 = stressPrototypes({ model: "ilp32" });

for (const arch of ARCHES) {
  const protos = arch.dataModel === "ilp32" ? ilp32 : lp64;
  Deno.bench({
    name: `placeArgs ${arch.name}: ${protos.length} stress prototypes`,
    group: "placement",
    fn() {
      for (const p of protos) arch.abi.placeArgs(p);
    },
  });
}
