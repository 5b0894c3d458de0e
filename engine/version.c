/*
 * version.c: the library's version strings (mica_libversion, mica_libversion_number, mica_sourceid).
 */
#include "mica.h"

const char *mica_libversion(void) { return MICA_VERSION; }

int mica_libversion_number(void) { return MICA_VERSION_NUMBER; }

const char *mica_sourceid(void) { return "mica " MICA_VERSION; }
