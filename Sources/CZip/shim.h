// libzip's types and constants (zip_stat_t, zip_error_t, ZIP_RDONLY, ...). No library is linked: KerasIO opens
// libzip with dlopen when it first reads a .keras file, so a process that never does does not load it.
#include <zip.h>
