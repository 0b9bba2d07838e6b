/* Compiled with `clang -g -O2 -target bpf`: clang's own BTF (FUNC linkage, VAR,
 * DATASEC, DECL_TAG, TYPE_TAG, FLOAT, RESTRICT). BPF functions take at most 5
 * arguments and cannot be variadic; those cases live in types.c. */
#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __user __attribute__((btf_type_tag("user")))

struct bp_rec {
	int a;
	float f;
	long b;
	unsigned int bits : 4;
	unsigned int more : 12;
} __tag("rec_tag");

int bp_global_var = 3;
static volatile int bp_static_var __attribute__((used)) = 4;
struct bp_rec bp_rec_var __attribute__((section(".data.custom")));
const char bp_license[] __attribute__((section("license"), used)) = "GPL";

static __attribute__((noinline)) int bp_static_fn(int __user *p, char *restrict q)
{
	return *(volatile int *)p + *q;
}

__attribute__((noinline)) long bp_global_fn(struct bp_rec *r, int x __tag("arg_tag"))
{
	return r->a + x + bp_static_fn((int __user *)&r->b, (char *)r) + bp_static_var;
}

extern int bp_extern_fn(int a);

long bp_entry(struct bp_rec *r)
{
	return bp_global_fn(r, 1) + bp_extern_fn(bp_global_var);
}
