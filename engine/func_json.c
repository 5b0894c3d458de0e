/*
 * func_json.c: json SQL functions (not yet implemented: the table is empty).
 */
#include "func.h"

const FuncSpec func_json_specs[] = {{0}};
const int func_json_nspecs = 0;
