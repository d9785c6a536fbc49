// Decoding and encoding of PNG / JPEG for Node (through the wasm module) and native tools. JPEGs
// are decoded with libjpeg-turbo (io/jpeg_decode.h), as browsers decode them; PNG (and the other
// formats stb_image reads) and encoding use stb_image. Browsers use their own decoders instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"

namespace supercolor {

// Decodes an encoded image to sRGB RGBA8: an embedded ICC profile (JPEG APP2, PNG iCCP) is
// converted to sRGB with Little CMS (io/color_profile.h); JPEG EXIF orientation is applied.
// Throws Error(kDecodeFailed) for empty, truncated or unrecognised data and for JPEG codings
// that are not read (lossless, hierarchical, 12-bit: the message says which and how to convert
// the file), Error(kImageTooLarge) beyond the core's limits, read from the header before any
// pixel memory is allocated. A JPEG whose compressed data is corrupt or ends early decodes as
// far as it goes, with a message appended to `warnings` (when given); a profile that cannot be
// used never fails the decode either: the pixels are read as sRGB, with a message.
Rgba8Image decode_image(const uint8_t* data, std::size_t size,
                        std::vector<std::string>* warnings = nullptr);
Rgba8Image read_image_file(const std::string& path, std::vector<std::string>* warnings = nullptr);

// PNG bytes of an RGBA image, tagged sRGB (an sRGB chunk after IHDR): 8-bit RGB (colour type 2)
// when every alpha is 255, else RGBA (type 6); deflate by zlib (level 3), stb's row filters.
// Throws Error(kEncodeFailed) / Error(kInvalidArgument).
std::vector<uint8_t> encode_png(const Rgba8Image& image);
// JPEG bytes (quality 1..100; alpha dropped), tagged sRGB (an sRGB ICC profile in APP2).
std::vector<uint8_t> encode_jpeg(const Rgba8Image& image, int quality);
// Writes atomically (a temporary file renamed over `path`).
void write_png_file(const std::string& path, const Rgba8Image& image);

}  // namespace supercolor
