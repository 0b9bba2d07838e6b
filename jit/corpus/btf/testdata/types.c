/* Definitions for types.h: functions must be defined (not inlined away) for
 * their DWARF, and hence their BTF FUNC, to be emitted. */
#include <stdarg.h>
#include "types.h"

#define TP_FN __attribute__((noinline, used))

TP_FN int tp_fentry_like(int a) { return a + 1; }

TP_FN int tp_variadic(int n, ...)
{
	va_list ap;
	int s = 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s += va_arg(ap, int);
	va_end(ap);
	return s;
}

TP_FN long tp_many13(int a1, long a2, char a3, short a4, unsigned int a5, unsigned long a6,
		     void *a7, long long a8, unsigned char a9, signed char a10, _Bool a11, int *a12,
		     long a13)
{
	return a1 + a2 + a3 + a4 + a5 + a6 + (long)a7 + a8 + a9 + a10 + a11 + (long)a12 + a13;
}

TP_FN struct tp_pair tp_ret_struct(int a)
{
	struct tp_pair p = { a, a + 1 };
	return p;
}

TP_FN int tp_struct_args(struct tp_small_struct a, struct tp_pair b, struct tp_mixed c)
{
	return a.a + b.a + b.b + c.a + c.b + c.c + c.d;
}

TP_FN int tp_union_arg(union tp_small_union u, int b) { return u.a + b; }

TP_FN __int128 tp_int128(__int128 a, unsigned __int128 b, int c) { return a + b + c; }

TP_FN double tp_floats(float a, double b, long double c, struct tp_float_pair d)
{
	return a + b + c + d.a + d.b;
}

TP_FN int tp_enums_fn(enum tp_color a, enum tp_signed b, enum tp_big64 c, enum tp_sbig64 d,
		      enum tp_small e)
{
	return a + b + (int)c + (int)d + e;
}

TP_FN int tp_ptrs(struct tp_opaque *o, const char *s, tp_callback_t cb, int __tp_user *u,
		  int (*arr)[4], void **pp)
{
	return (o != 0) + (s != 0) + (cb != 0) + (u != 0) + (arr != 0) + (pp != 0);
}

TP_FN void tp_void_ret(tp_vcmyint a, tp_anon_t b, _Bool c)
{
	(void)a;
	(void)b;
	(void)c;
}

TP_FN int tp_layouts(struct tp_packed a, struct tp_al16 b, struct tp_i128 *c, struct tp_bits d,
		     struct tp_packed_tail e)
{
	return a.a + b.x + (int)c->v + d.a + e.b;
}

TP_FN int tp_nested_fn(struct tp_nested *n, struct tp_flex *f, struct tp_arrays *a,
		       struct tp_floats *fl, struct tp_typedefs *t, struct tp_tagged *tg,
		       struct tp_enums *e, union tp_union *u, struct tp_member_al *m,
		       struct tp_has_packed *hp)
{
	return n->x + f->n + a->m[0][0] + (int)fl->f + t->a + tg->x + e->color + u->c + m->b +
	       hp->s;
}

TP_FN int tp_int128_struct(struct tp_int128_only a) { return (int)a.a; }

TP_FN int tp_decl_tagged(int a __tp_tag("arg_tag")) { return a; }
