import { deepStrictEqual, equal } from "node:assert/strict";
import { parsePatchMeta } from "./meta.ts";

const body = `bpf: do a thing

Longer explanation.

Fixes: 0123456789ab ("bpf: the old thing")
Reported-by: Rita Reporter <rita@example.org>
Co-developed-by: Cora Dev <cora@example.org>
Signed-off-by: Cora Dev <cora@example.org>
Acked-by: Ann Acker <ann@example.org>
signed-off-by: Sam Lower <sam@example.org>
---
Changes in v2:
- fixed
---
 arch/arm64/net/bpf_jit_comp.c | 12 ++++++------
 tools/testing/selftests/bpf/x.bin | Bin 0 -> 12 bytes
 2 files changed, 6 insertions(+), 6 deletions(-)

diff --git a/arch/arm64/net/bpf_jit_comp.c b/arch/arm64/net/bpf_jit_comp.c
--- a/arch/arm64/net/bpf_jit_comp.c
+++ b/arch/arm64/net/bpf_jit_comp.c
@@ -1,2 +1,2 @@
-Signed-off-by: not a trailer
+Acked-by: not a trailer either
 x
-- 
2.43.0

> base-commit: quoted1234567 is ignored
base-commit: 8da1e37fc84868b50ba6a7cdf082aa3b0d11e006
change-id: 20250708-arm64_relax_jit_comp-e8889647d8d2
prerequisite-patch-id: 1111111111111111111111111111111111111111
prerequisite-patch-id: 2222222222222222222222222222222222222222
prerequisite-message-id: <20250101-dep-v1-0-abc@example.org>
`;

Deno.test("trailers: keys canonicalised, diff content is not a trailer", () => {
  const m = parsePatchMeta(body);
  deepStrictEqual(m.trailers.map((t) => t.key), [
    "Fixes",
    "Reported-by",
    "Co-developed-by",
    "Signed-off-by",
    "Acked-by",
  ]);
  deepStrictEqual(m.fixes, ['0123456789ab ("bpf: the old thing")']);
  equal(m.trailers[3].value, "Cora Dev <cora@example.org>");
});

Deno.test("b4 footers and diffstat", () => {
  const m = parsePatchMeta(body);
  equal(m.baseCommit, "8da1e37fc84868b50ba6a7cdf082aa3b0d11e006");
  equal(m.changeId, "20250708-arm64_relax_jit_comp-e8889647d8d2");
  deepStrictEqual(m.prerequisitePatchIds, ["1".repeat(40), "2".repeat(40)]);
  deepStrictEqual(m.prerequisiteMessageIds, ["20250101-dep-v1-0-abc@example.org"]);
  deepStrictEqual(m.diffstat, [
    { path: "arch/arm64/net/bpf_jit_comp.c", changes: 12, bar: "++++++------" },
    { path: "tools/testing/selftests/bpf/x.bin", changes: 0, bar: "" },
  ]);
});
