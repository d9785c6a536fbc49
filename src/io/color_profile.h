// Colour profiles of encoded images: the ICC profile embedded in a JPEG (APP2 "ICC_PROFILE"
// segments) or a PNG (iCCP chunk) is read, and decoded pixels are converted from it to sRGB with
// Little CMS, so that an Adobe RGB or Display P3 photo gives the colours it displays with.
// Outputs are tagged as sRGB (PNG sRGB chunk, JPEG sRGB ICC profile).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"

namespace supercolor {

// The ICC profile embedded in a JPEG: the payloads of its APP2 "ICC_PROFILE\0" segments (ICC.1
// Annex B.4: each is `ICC_PROFILE\0`, sequence number 1..n, count n, data), joined in sequence
// order. Empty when there is none, or when the segments are inconsistent (missing, repeated or
// out-of-range numbers): then a message goes to `warnings`.
std::vector<uint8_t> jpeg_icc_profile(const uint8_t* data, std::size_t size,
                                      std::vector<std::string>& warnings);

// The ICC profile embedded in a PNG: its iCCP chunk (PNG spec 11.3.3.3: name, NUL, compression
// method 0, zlib stream), decompressed. Empty when there is none, when an sRGB chunk says the
// image is sRGB, or when the chunk is unreadable (a message goes to `warnings`). gAMA and cHRM
// are ignored (the image is then taken as sRGB, as most decoders do).
std::vector<uint8_t> png_icc_profile(const uint8_t* data, std::size_t size,
                                     std::vector<std::string>& warnings);

// Converts `image` in place from the colour space that `icc_profile` describes to sRGB
// (perceptual intent, as browsers use for images; alpha unchanged). RGB and grey profiles are
// converted; a profile that Little CMS cannot read, or of another colour space (CMYK, Lab...),
// leaves the pixels as they are (read as sRGB) with a message in `warnings`: a broken profile
// never fails a decode. Deterministic: the same bytes give the same pixels.
void convert_to_srgb(Rgba8Image& image, const std::vector<uint8_t>& icc_profile,
                     std::vector<std::string>& warnings);

// An sRGB ICC profile (Little CMS's, about 600 bytes) with a fixed creation date, so that
// encoded files are the same bytes on every run.
const std::vector<uint8_t>& srgb_icc_profile();

// A PNG with an sRGB chunk (rendering intent perceptual) inserted right after IHDR, as the PNG
// spec places it (11.3.3.5: before PLTE and IDAT). `png` must start with the signature and IHDR.
std::vector<uint8_t> png_with_srgb_chunk(const std::vector<uint8_t>& png);

// A JPEG with the sRGB ICC profile in an APP2 segment inserted right after SOI (and after a
// JFIF APP0 when there is one, which must come first).
std::vector<uint8_t> jpeg_with_srgb_profile(const std::vector<uint8_t>& jpeg);

}  // namespace supercolor
