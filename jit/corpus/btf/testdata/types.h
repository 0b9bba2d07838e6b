/*
 * trampolint BTF test types (our own C). Compiled at test time into BTF by
 * clang + pahole (see btf_test_util.ts); never committed as binaries.
 * The same header is compiled natively by gcc to print the ground-truth
 * layout (ground_truth.c).
 */
#ifndef TRAMPOLINT_BTF_TEST_TYPES_H
#define TRAMPOLINT_BTF_TEST_TYPES_H

#ifndef __has_attribute
#define __has_attribute(x) 0
#endif
#if defined(__clang__) && __has_attribute(btf_type_tag)
#define __tp_user __attribute__((btf_type_tag("user")))
#else
#define __tp_user
#endif
#if defined(__clang__) && __has_attribute(btf_decl_tag)
#define __tp_tag(x) __attribute__((btf_decl_tag(x)))
#else
#define __tp_tag(x)
#endif

/* integers of every width and signedness, and _Bool */
struct tp_ints {
	char c;
	signed char sc;
	unsigned char uc;
	short s;
	unsigned short us;
	int i;
	unsigned int ui;
	long l;
	unsigned long ul;
	long long ll;
	unsigned long long ull;
	_Bool b;
};

/* enums: unsigned 32-bit, signed 32-bit, 64-bit (ENUM64), signed 64-bit, 1-byte */
enum tp_color { TP_RED, TP_GREEN = 5, TP_BLUE };
enum tp_signed { TP_NEG = -3, TP_POS = 4 };
enum tp_big64 { TP_BIG_A = 1, TP_BIG_B = 0x123456789ULL };
enum tp_sbig64 { TP_SB_NEG = -5, TP_SB_BIG = 0x100000000LL };
enum __attribute__((packed)) tp_small { TP_SM_A, TP_SM_B = 200 };

struct tp_enums {
	enum tp_color color;
	enum tp_signed sgn;
	enum tp_big64 big;
	enum tp_sbig64 sbig;
	enum tp_small small;
};

/* packed and aligned layouts */
struct __attribute__((packed)) tp_packed {
	char a;
	int b;
	long long c;
};
struct tp_packed_tail {
	long long a;
	char b;
} __attribute__((packed));
struct __attribute__((aligned(16))) tp_al16 {
	int x;
};
struct tp_member_al {
	int a;
	int b __attribute__((aligned(16)));
};
struct tp_has_packed {
	char c;
	struct tp_packed p;
	short s;
};

/* __int128 */
struct tp_i128 {
	char c;
	__int128 v;
	unsigned __int128 u;
};
struct tp_int128_only {
	__int128 a;
};

/* bitfields */
struct tp_bits {
	unsigned int a : 3;
	unsigned int b : 5;
	int c : 7;
	unsigned long long d : 40;
	char e;
	unsigned int f : 1;
	_Bool g : 1;
	long long h : 33;
};

/* unions and nested anonymous members */
union tp_union {
	char a;
	short b;
	int c;
	struct tp_bits bits;
};
struct tp_nested {
	int x;
	struct {
		int y;
		union {
			short z;
			char w;
		};
	};
	union {
		long p;
		double q;
	} named;
	struct {
		char k;
	} anon_typed;
};

/* a flexible array member and arrays */
struct tp_flex {
	int n;
	long data[];
};
struct tp_arrays {
	int m[2][3];
	char *names[4];
	struct tp_color_pair {
		enum tp_color fg, bg;
	} pairs[2];
};

/* floats */
struct tp_floats {
	float f;
	double d;
	long double ld;
};
struct tp_float_pair {
	float a;
	float b;
};

/* typedef chains with const/volatile */
typedef int tp_myint;
typedef const tp_myint tp_cmyint;
typedef volatile tp_cmyint tp_vcmyint;
typedef struct tp_ints tp_ints_t;
typedef struct {
	short lo;
	short hi;
} tp_anon_t;
struct tp_typedefs {
	tp_vcmyint a;
	const volatile char *p;
	tp_ints_t *ip;
	tp_anon_t an;
};

/* BTF tags */
struct tp_tagged {
	int __tp_user *up;
	int x __tp_tag("my_tag");
};

/* small structs passed by value, an empty-ish struct and forward declarations */
struct tp_small_struct {
	int a;
};
struct tp_pair {
	long a;
	long b;
};
struct tp_mixed {
	char a;
	short b;
	int c;
	long d;
};
struct tp_opaque; /* never defined */
union tp_small_union {
	int a;
	float f;
};

typedef long (*tp_callback_t)(int, void *);

/* functions (defined in types.c) */
int tp_fentry_like(int a);
int tp_variadic(int n, ...);
long tp_many13(int a1, long a2, char a3, short a4, unsigned int a5, unsigned long a6, void *a7,
	       long long a8, unsigned char a9, signed char a10, _Bool a11, int *a12, long a13);
struct tp_pair tp_ret_struct(int a);
int tp_struct_args(struct tp_small_struct a, struct tp_pair b, struct tp_mixed c);
int tp_union_arg(union tp_small_union u, int b);
__int128 tp_int128(__int128 a, unsigned __int128 b, int c);
double tp_floats(float a, double b, long double c, struct tp_float_pair d);
int tp_enums_fn(enum tp_color a, enum tp_signed b, enum tp_big64 c, enum tp_sbig64 d,
		enum tp_small e);
int tp_ptrs(struct tp_opaque *o, const char *s, tp_callback_t cb, int __tp_user *u,
	    int (*arr)[4], void **pp);
void tp_void_ret(tp_vcmyint a, tp_anon_t b, _Bool c);
int tp_layouts(struct tp_packed a, struct tp_al16 b, struct tp_i128 *c, struct tp_bits d,
	       struct tp_packed_tail e);
int tp_nested_fn(struct tp_nested *n, struct tp_flex *f, struct tp_arrays *a,
		 struct tp_floats *fl, struct tp_typedefs *t, struct tp_tagged *tg,
		 struct tp_enums *e, union tp_union *u, struct tp_member_al *m,
		 struct tp_has_packed *hp);
int tp_int128_struct(struct tp_int128_only a);
int tp_decl_tagged(int a __tp_tag("arg_tag"));

#endif
