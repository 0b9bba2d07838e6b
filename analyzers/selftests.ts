/**
 * Selftest prototypes a series adds (placeholder list of files; the corpus
 * builder follows).
 *
 * @module
 */

/** Files whose new function definitions become corpus entries. */
export const SELFTEST_FILES = [
  "tools/testing/selftests/bpf/bpf_testmod/bpf_testmod.c",
  "tools/testing/selftests/bpf/test_kmods/bpf_testmod.c",
  "net/bpf/test_run.c",
] as const;
