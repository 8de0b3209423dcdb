#include <hdf5.h>
/* HDF5's type and property constants are macros that expand to function calls or globals that
   Swift cannot import; these shims expose them. */
static inline hid_t kws_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t kws_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t kws_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t kws_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t kws_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t kws_h5s_all(void) { return H5S_ALL; }
static inline unsigned kws_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned kws_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t kws_h5p_file_access(void) { return H5P_FILE_ACCESS; }
