/*
 * func_date.c: date SQL functions (not yet implemented: the table is empty).
 */
#include "func.h"

const FuncSpec func_date_specs[] = {{0}};
const int func_date_nspecs = 0;
