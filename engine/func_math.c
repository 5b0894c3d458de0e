/*
 * func_math.c: the math functions of SQLite 3.35+ (acos, acosh, asin, asinh, atan, atan2, atanh,
 * ceil/ceiling, cos, cosh, degrees, exp, floor, ln, log (1 and 2 args), log10, log2, mod, pi,
 * pow/power, radians, sin, sinh, sqrt, tan, tanh, trunc).
 *
 * As in SQLite, arguments get numeric affinity first and anything that is then not a number (NULL,
 * non-numeric text, blobs) gives NULL. ceil/floor/trunc return integers unchanged and reals as
 * reals; everything else returns a real. Domain errors yield NaN, which the value layer stores as
 * NULL (acos(2), sqrt(-1)); logarithms of non-positive numbers and bases <= 1 are NULL too.
 * The C library function is carried in the FuncSpec's userdata.
 */
#include <math.h>

#include "func.h"

typedef double (*Math1)(double);
typedef double (*Math2)(double, double);

static int is_number(mica_value *v) {
  int t = mica_value_numeric_type(v);
  return t == VAL_INT || t == VAL_REAL;
}

static void math1_func(mica_context *ctx, int argc, mica_value **argv) {
  if (!is_number(argv[0])) return;
  Math1 f = (Math1)(intptr_t)mica_user_data(ctx);
  mica_result_double(ctx, f(value_as_real(argv[0])));
}

static void math2_func(mica_context *ctx, int argc, mica_value **argv) {
  if (!is_number(argv[0]) || !is_number(argv[1])) return;
  Math2 f = (Math2)(intptr_t)mica_user_data(ctx);
  mica_result_double(ctx, f(value_as_real(argv[0]), value_as_real(argv[1])));
}

/* ceil, floor, trunc: integers pass through unchanged */
static void rounding_func(mica_context *ctx, int argc, mica_value **argv) {
  int t = mica_value_numeric_type(argv[0]);
  if (t == VAL_INT) {
    mica_result_int64(ctx, argv[0]->u.i);
  } else if (t == VAL_REAL) {
    Math1 f = (Math1)(intptr_t)mica_user_data(ctx);
    mica_result_double(ctx, f(argv[0]->u.r));
  }
}

/* ln (userdata 0), log10 and 1-arg log (1), log2 (2); log(B, X) is the base-B logarithm of X. */
static void log_func(mica_context *ctx, int argc, mica_value **argv) {
  if (!is_number(argv[0])) return;
  double x = value_as_real(argv[0]), ans;
  if (x <= 0.0) return;
  if (argc == 2) {
    if (!is_number(argv[1])) return;
    double b = log(x);
    if (b <= 0.0) return;
    x = value_as_real(argv[1]);
    if (x <= 0.0) return;
    ans = log(x) / b;
  } else {
    switch ((int)(intptr_t)mica_user_data(ctx)) {
    case 1: ans = log10(x); break;
    case 2: ans = log2(x); break;
    default: ans = log(x); break;
    }
  }
  mica_result_double(ctx, ans);
}

static double deg_to_rad(double x) { return x * (M_PI / 180.0); }
static double rad_to_deg(double x) { return x * (180.0 / M_PI); }

static void pi_func(mica_context *ctx, int argc, mica_value **argv) { mica_result_double(ctx, M_PI); }

#define DET MICA_DETERMINISTIC
#define M1(name, fn)                                                                                         \
  { name, 1, DET, (intptr_t)(Math1)(fn), math1_func, NULL, NULL, NULL, NULL }
#define M2(name, fn)                                                                                         \
  { name, 2, DET, (intptr_t)(Math2)(fn), math2_func, NULL, NULL, NULL, NULL }
#define RND(name, fn)                                                                                        \
  { name, 1, DET, (intptr_t)(Math1)(fn), rounding_func, NULL, NULL, NULL, NULL }
#define LOG(name, n, kind)                                                                                   \
  { name, n, DET, kind, log_func, NULL, NULL, NULL, NULL }

const FuncSpec func_math_specs[] = {
    RND("ceil", ceil),
    RND("ceiling", ceil),
    RND("floor", floor),
    RND("trunc", trunc),
    LOG("ln", 1, 0),
    LOG("log", 1, 1),
    LOG("log10", 1, 1),
    LOG("log2", 1, 2),
    LOG("log", 2, 0),
    M1("exp", exp),
    M1("sqrt", sqrt),
    M1("sin", sin),
    M1("cos", cos),
    M1("tan", tan),
    M1("asin", asin),
    M1("acos", acos),
    M1("atan", atan),
    M1("sinh", sinh),
    M1("cosh", cosh),
    M1("tanh", tanh),
    M1("asinh", asinh),
    M1("acosh", acosh),
    M1("atanh", atanh),
    M1("degrees", rad_to_deg),
    M1("radians", deg_to_rad),
    M2("atan2", atan2),
    M2("pow", pow),
    M2("power", pow),
    M2("mod", fmod),
    {"pi", 0, DET, 0, pi_func, NULL, NULL, NULL, NULL},
};
const int func_math_nspecs = (int)(sizeof func_math_specs / sizeof func_math_specs[0]);
