/**
 * A large synthetic patch for tests and benchmarks: many small file diffs,
 * about `bytes` long (default 5 MB).
 *
 * @module
 */

/** Builds the patch text. */
export function bigPatch(bytes = 5_000_000): string {
  const section = (i: number) =>
    `diff --git a/dir/file${i}.c b/dir/file${i}.c
index 1234567..89abcde 100644
--- a/dir/file${i}.c
+++ b/dir/file${i}.c
@@ -100,7 +100,8 @@ static int demo_function_${i}(struct demo_struct *arg, int flags)
 \tint ret = 0;
 \tint count = arg->count;
-\tret = do_something(arg, flags);
+\tret = do_something_else(arg, flags);
+\tret |= do_more(arg);
 \tif (ret)
 \t\treturn ret;
 \tfor (int k = 0; k < count; k++)
 \t\targ->values[k] = compute_value(arg, k);
`;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const s = section(i);
    parts.push(s);
    size += s.length;
  }
  return parts.join("");
}
