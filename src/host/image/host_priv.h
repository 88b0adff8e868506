/* Internal helpers of fotakit_image_host. */
#ifndef FOTAKIT_IMAGE_HOST_PRIV_H
#define FOTAKIT_IMAGE_HOST_PRIV_H

#include <stddef.h>

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void fk_seterr(char *err, size_t errlen, const char *fmt, ...);

#endif
