/* A "module" compiled into split BTF on top of types.c's BTF (pahole --btf_base). */
#include "types.h"

struct tp_mod_only {
	struct tp_pair pair;
	enum tp_color color;
	unsigned short tail;
};

__attribute__((noinline, used)) int tp_mod_func(struct tp_mod_only *m, struct tp_pair p, enum tp_signed s)
{
	return (int)(m->pair.a + p.b + s + m->tail);
}
