/*
 * func_math.c: math SQL functions (not yet implemented: the table is empty).
 */
#include "func.h"

const FuncSpec func_math_specs[] = {{0}};
const int func_math_nspecs = 0;
