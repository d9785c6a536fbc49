// The stb_image (PNG, zlib) / stb_image_write (PNG, JPEG) implementations, in a translation unit of
// their own so that third-party code gets its own warning and sanitizer settings (see
// CMakeLists.txt).
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO  // all input goes through memory buffers
#define STBI_NO_JPEG   // JPEGs are decoded with libjpeg-turbo (io/jpeg_decode.h)
#define STBI_FAILURE_USERMSG
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#include <stb_image.h>
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
