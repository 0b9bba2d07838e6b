/* Ground truth for the BTF tests: compiled natively with gcc, prints the real
 * layout of the types in types.h as JSON:
 * {"struct tp_ints": {"size": N, "align": A, "members": {"c": {"offset": O},
 *  "a": {"bitOffset": B, "bitSize": W}}}, "enum tp_color": {"size", "align", "signed"}}
 * Bitfield positions are found by setting the field to all ones in a zeroed
 * object and scanning the bytes (little-endian bit numbering, as BTF uses on
 * little-endian targets). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "types.h"

static int first_type = 1, first_member = 1;

static void begin(const char *name, size_t size, size_t align)
{
	printf("%s\n\"%s\": {\"size\": %zu, \"align\": %zu, \"members\": {", first_type ? "{" : "}},",
	       name, size, align);
	first_type = 0;
	first_member = 1;
}

static void member(const char *name, size_t off)
{
	printf("%s\"%s\": {\"offset\": %zu}", first_member ? "" : ", ", name, off);
	first_member = 0;
}

static void bitfield(const char *name, const unsigned char *p, size_t n)
{
	int lo = -1, bits = 0;
	for (size_t i = 0; i < n * 8; i++) {
		if (p[i / 8] & (1u << (i % 8))) {
			if (lo < 0)
				lo = (int)i;
			bits++;
		}
	}
	printf("%s\"%s\": {\"bitOffset\": %d, \"bitSize\": %d}", first_member ? "" : ", ", name, lo,
	       bits);
	first_member = 0;
}

static void enum_info(const char *name, size_t size, size_t align, int is_signed)
{
	printf("%s\n\"%s\": {\"size\": %zu, \"align\": %zu, \"signed\": %s, \"members\": {",
	       first_type ? "{" : "}},", name, size, align, is_signed ? "true" : "false");
	first_type = 0;
}

#define T(type) begin(#type, sizeof(type), _Alignof(type))
#define M(type, m) member(#m, offsetof(type, m))
#define BF(type, m)                                                   \
	do {                                                          \
		type v_;                                              \
		memset(&v_, 0, sizeof(v_));                           \
		v_.m = -1;                                            \
		bitfield(#m, (const unsigned char *)&v_, sizeof(v_)); \
	} while (0)
#define E(type) enum_info(#type, sizeof(type), _Alignof(type), (type)-1 < 0)

int main(void)
{
	T(struct tp_ints);
	M(struct tp_ints, c); M(struct tp_ints, sc); M(struct tp_ints, uc); M(struct tp_ints, s);
	M(struct tp_ints, us); M(struct tp_ints, i); M(struct tp_ints, ui); M(struct tp_ints, l);
	M(struct tp_ints, ul); M(struct tp_ints, ll); M(struct tp_ints, ull); M(struct tp_ints, b);

	E(enum tp_color); E(enum tp_signed); E(enum tp_big64); E(enum tp_sbig64); E(enum tp_small);

	T(struct tp_enums);
	M(struct tp_enums, color); M(struct tp_enums, sgn); M(struct tp_enums, big);
	M(struct tp_enums, sbig); M(struct tp_enums, small);

	T(struct tp_packed); M(struct tp_packed, a); M(struct tp_packed, b); M(struct tp_packed, c);
	T(struct tp_packed_tail); M(struct tp_packed_tail, a); M(struct tp_packed_tail, b);
	T(struct tp_al16); M(struct tp_al16, x);
	T(struct tp_member_al); M(struct tp_member_al, a); M(struct tp_member_al, b);
	T(struct tp_has_packed);
	M(struct tp_has_packed, c); M(struct tp_has_packed, p); M(struct tp_has_packed, s);

	T(struct tp_i128); M(struct tp_i128, c); M(struct tp_i128, v); M(struct tp_i128, u);
	T(struct tp_int128_only); M(struct tp_int128_only, a);

	T(struct tp_bits);
	BF(struct tp_bits, a); BF(struct tp_bits, b); BF(struct tp_bits, c); BF(struct tp_bits, d);
	M(struct tp_bits, e); BF(struct tp_bits, f); BF(struct tp_bits, g); BF(struct tp_bits, h);

	T(union tp_union);
	M(union tp_union, a); M(union tp_union, b); M(union tp_union, c); M(union tp_union, bits);

	T(struct tp_nested);
	M(struct tp_nested, x); M(struct tp_nested, y); M(struct tp_nested, z);
	M(struct tp_nested, w); M(struct tp_nested, named); M(struct tp_nested, anon_typed);

	T(struct tp_flex); M(struct tp_flex, n); M(struct tp_flex, data);
	T(struct tp_arrays); M(struct tp_arrays, m); M(struct tp_arrays, names);
	M(struct tp_arrays, pairs);
	T(struct tp_color_pair); M(struct tp_color_pair, fg); M(struct tp_color_pair, bg);
	T(struct tp_floats); M(struct tp_floats, f); M(struct tp_floats, d); M(struct tp_floats, ld);
	T(struct tp_float_pair); M(struct tp_float_pair, a); M(struct tp_float_pair, b);
	T(struct tp_typedefs); M(struct tp_typedefs, a); M(struct tp_typedefs, p);
	M(struct tp_typedefs, ip); M(struct tp_typedefs, an);
	T(tp_anon_t); M(tp_anon_t, lo); M(tp_anon_t, hi);
	T(struct tp_tagged); M(struct tp_tagged, up); M(struct tp_tagged, x);
	T(struct tp_small_struct); M(struct tp_small_struct, a);
	T(struct tp_pair); M(struct tp_pair, a); M(struct tp_pair, b);
	T(struct tp_mixed); M(struct tp_mixed, a); M(struct tp_mixed, b); M(struct tp_mixed, c);
	M(struct tp_mixed, d);
	T(union tp_small_union); M(union tp_small_union, a); M(union tp_small_union, f);
	printf("}}\n}\n");
	return 0;
}
