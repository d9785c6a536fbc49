// Colour profiles: Adobe RGB (1998) and Display P3 photos, built here from a dev pair's pixels
// converted out of sRGB with Little CMS and tagged with the profile (JPEG APP2 in one or several
// segments, PNG iCCP), decode back to the original sRGB; broken profiles decode as sRGB with a
// warning; outputs are tagged sRGB; JPEG codings that libjpeg cannot read get a precise error.
#include "io/color_profile.h"

#include <gtest/gtest.h>
#include <lcms2.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "io/image_io.h"
#include "test_support.h"

// stb_image_write's deflate (in the io library), to build iCCP chunks.
extern "C" unsigned char* stbi_zlib_compress(unsigned char* data, int data_len, int* out_len,
                                             int quality);

namespace supercolor {
namespace {

enum class Space { kAdobeRgb, kDisplayP3 };

// The profiles by their published definitions, built with Little CMS (not parsed from files):
// Adobe RGB (1998): primaries (0.64, 0.33) (0.21, 0.71) (0.15, 0.06), D65, gamma 563/256.
// Display P3: DCI-P3 primaries (0.680, 0.320) (0.265, 0.690) (0.150, 0.060), D65, the sRGB
// curve (IEC 61966-2-1: ICC parametric type 4, gamma 2.4, a = 1/1.055, b = 0.055/1.055,
// c = 1/12.92, d = 0.04045).
cmsHPROFILE make_profile(Space space) {
  const cmsCIExyY d65 = {0.3127, 0.3290, 1.0};
  cmsToneCurve* curve = nullptr;
  cmsCIExyYTRIPLE primaries;
  if (space == Space::kAdobeRgb) {
    primaries = {{0.64, 0.33, 1.0}, {0.21, 0.71, 1.0}, {0.15, 0.06, 1.0}};
    curve = cmsBuildGamma(nullptr, 563.0 / 256.0);
  } else {
    primaries = {{0.680, 0.320, 1.0}, {0.265, 0.690, 1.0}, {0.150, 0.060, 1.0}};
    const double srgb_curve[5] = {2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045};
    curve = cmsBuildParametricToneCurve(nullptr, 4, srgb_curve);
  }
  cmsToneCurve* curves[3] = {curve, curve, curve};
  cmsHPROFILE profile = cmsCreateRGBProfile(&d65, &primaries, curves);
  cmsFreeToneCurve(curve);
  return profile;
}

std::vector<uint8_t> profile_bytes(cmsHPROFILE profile) {
  cmsUInt32Number size = 0;
  EXPECT_TRUE(cmsSaveProfileToMem(profile, nullptr, &size));
  std::vector<uint8_t> bytes(size);
  EXPECT_TRUE(cmsSaveProfileToMem(profile, bytes.data(), &size));
  return bytes;
}

// RGBA8 pixels converted by Little CMS between two profiles (perceptual intent; alpha kept).
Rgba8Image lcms_convert(const Rgba8Image& image, cmsHPROFILE from, cmsHPROFILE to) {
  cmsHTRANSFORM transform = cmsCreateTransform(from, TYPE_RGBA_8, to, TYPE_RGBA_8,
                                               INTENT_PERCEPTUAL, cmsFLAGS_COPY_ALPHA);
  EXPECT_NE(transform, nullptr);
  Rgba8Image out = image;
  cmsDoTransform(transform, image.rgba.data(), out.rgba.data(),
                 cmsUInt32Number(image.width) * image.height);
  cmsDeleteTransform(transform);
  return out;
}

// A 192x144 reduction of a dev pair's target, opaque except for a gradient of alpha in one
// corner (so that alpha is checked to stay untouched).
Rgba8Image dev_pair_pixels() {
  const RgbImage photo = test::load_pair_image(test::pair_dir("01_pitie_scotland"), "target");
  Rgba8Image image = to_rgba8(test::resize(photo, 192, 144));
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x)
      image.rgba[4 * (std::size_t(y) * image.width + x) + 3] = 16 * y + x;
  }
  return image;
}

struct Difference {
  int max = 0;
  double mean = 0;
};
Difference difference(const Rgba8Image& a, const Rgba8Image& b) {
  EXPECT_EQ(a.rgba.size(), b.rgba.size());
  Difference d;
  std::size_t count = 0;
  for (std::size_t i = 0; i < a.rgba.size(); ++i) {
    if (i % 4 == 3) continue;
    const int delta = std::abs(int(a.rgba[i]) - int(b.rgba[i]));
    d.max = std::max(d.max, delta);
    d.mean += delta;
    ++count;
  }
  d.mean /= double(count);
  return d;
}

// Mean chroma, max(R,G,B) - min(R,G,B) in 8-bit levels.
double mean_chroma(const Rgba8Image& image) {
  double sum = 0;
  for (std::size_t i = 0; i < image.rgba.size(); i += 4) {
    const uint8_t* p = &image.rgba[i];
    sum += std::max({p[0], p[1], p[2]}) - std::min({p[0], p[1], p[2]});
  }
  return sum / double(image.rgba.size() / 4);
}

// ---- building tagged files ------------------------------------------------------------------

uint32_t crc32(const uint8_t* bytes, std::size_t size) {  // table-driven (PNG spec Annex D)
  static const std::vector<uint32_t> table = [] {
    std::vector<uint32_t> t(256);
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) c = table[(c ^ bytes[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

struct PngChunk {
  std::string type;
  std::vector<uint8_t> data;
  bool crc_ok;
};
std::vector<PngChunk> png_chunks(const std::vector<uint8_t>& png) {
  std::vector<PngChunk> chunks;
  for (std::size_t pos = 8; pos + 12 <= png.size();) {
    const uint32_t length = be32(&png[pos]);
    PngChunk chunk{std::string(png.begin() + pos + 4, png.begin() + pos + 8),
                   std::vector<uint8_t>(png.begin() + pos + 8, png.begin() + pos + 8 + length),
                   crc32(&png[pos + 4], 4 + length) == be32(&png[pos + 8 + length])};
    chunks.push_back(chunk);
    pos += 12 + length;
  }
  return chunks;
}

std::vector<uint8_t> png_from_chunks(const std::vector<PngChunk>& chunks) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  for (const PngChunk& chunk : chunks) {
    const uint32_t length = uint32_t(chunk.data.size());
    const std::size_t start = png.size();
    for (int s = 24; s >= 0; s -= 8) png.push_back(uint8_t(length >> s));
    png.insert(png.end(), chunk.type.begin(), chunk.type.end());
    png.insert(png.end(), chunk.data.begin(), chunk.data.end());
    const uint32_t crc = crc32(&png[start + 4], 4 + length);
    for (int s = 24; s >= 0; s -= 8) png.push_back(uint8_t(crc >> s));
  }
  return png;
}

// encode_png's file with its sRGB chunk replaced by an iCCP chunk holding `zlib_profile`
// (already compressed) - or by nothing when it is empty.
std::vector<uint8_t> png_with_iccp(const Rgba8Image& image,
                                   const std::vector<uint8_t>& zlib_profile) {
  std::vector<PngChunk> chunks = png_chunks(encode_png(image));
  chunks.erase(std::remove_if(chunks.begin(), chunks.end(),
                              [](const PngChunk& c) { return c.type == "sRGB"; }),
               chunks.end());
  if (!zlib_profile.empty()) {
    std::vector<uint8_t> data = {'t', 'e', 's', 't', 0, 0};  // name, NUL, method 0 (zlib)
    data.insert(data.end(), zlib_profile.begin(), zlib_profile.end());
    chunks.insert(chunks.begin() + 1, PngChunk{"iCCP", data, true});
  }
  return png_from_chunks(chunks);
}

std::vector<uint8_t> zlib(const std::vector<uint8_t>& bytes) {
  int size = 0;
  unsigned char* compressed =
      stbi_zlib_compress(const_cast<uint8_t*>(bytes.data()), int(bytes.size()), &size, 8);
  std::vector<uint8_t> out(compressed, compressed + size);
  std::free(compressed);
  return out;
}

// JPEG segments after SOI: {marker, payload}; the rest (from SOS on) is kept as `tail`.
struct Jpeg {
  std::vector<std::pair<uint8_t, std::vector<uint8_t>>> segments;
  std::vector<uint8_t> tail;
};
Jpeg split_jpeg(const std::vector<uint8_t>& bytes) {
  Jpeg jpeg;
  std::size_t pos = 2;
  while (bytes[pos + 1] != 0xDA) {
    const std::size_t length = (std::size_t(bytes[pos + 2]) << 8) | bytes[pos + 3];
    jpeg.segments.push_back(
        {bytes[pos + 1],
         std::vector<uint8_t>(bytes.begin() + pos + 4, bytes.begin() + pos + 2 + length)});
    pos += 2 + length;
  }
  jpeg.tail.assign(bytes.begin() + pos, bytes.end());
  return jpeg;
}
std::vector<uint8_t> join_jpeg(const Jpeg& jpeg) {
  std::vector<uint8_t> out = {0xFF, 0xD8};
  for (const auto& [marker, payload] : jpeg.segments) {
    const std::size_t length = payload.size() + 2;
    out.insert(out.end(), {0xFF, marker, uint8_t(length >> 8), uint8_t(length & 0xFF)});
    out.insert(out.end(), payload.begin(), payload.end());
  }
  out.insert(out.end(), jpeg.tail.begin(), jpeg.tail.end());
  return out;
}
bool is_icc_segment(const std::pair<uint8_t, std::vector<uint8_t>>& segment) {
  return segment.first == 0xE2 && segment.second.size() >= 14 &&
         std::string(segment.second.begin(), segment.second.begin() + 12) ==
             std::string("ICC_PROFILE\0", 12);
}

// An ICC_PROFILE APP2 payload: signature, number (1-based), count, data.
std::vector<uint8_t> icc_segment(const std::vector<uint8_t>& data, int number, int count) {
  std::vector<uint8_t> payload = {'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0};
  payload.push_back(uint8_t(number));
  payload.push_back(uint8_t(count));
  payload.insert(payload.end(), data.begin(), data.end());
  return payload;
}

// encode_jpeg's file with its own ICC segment replaced by `payloads` (APP2 segments, in the
// given order, right after JFIF APP0).
std::vector<uint8_t> jpeg_with_segments(const Rgba8Image& image,
                                        const std::vector<std::vector<uint8_t>>& payloads) {
  Jpeg jpeg = split_jpeg(encode_jpeg(image, 95));
  jpeg.segments.erase(std::remove_if(jpeg.segments.begin(), jpeg.segments.end(), is_icc_segment),
                      jpeg.segments.end());
  std::size_t at = jpeg.segments.empty() || jpeg.segments[0].first != 0xE0 ? 0 : 1;
  for (const auto& payload : payloads) {
    jpeg.segments.insert(jpeg.segments.begin() + at++, {uint8_t(0xE2), payload});
  }
  return join_jpeg(jpeg);
}

// The profile cut into `count` APP2 payloads, numbered 1..count.
std::vector<std::vector<uint8_t>> icc_segments(const std::vector<uint8_t>& profile, int count) {
  std::vector<std::vector<uint8_t>> payloads;
  const std::size_t step = (profile.size() + count - 1) / count;
  for (int i = 0; i < count; ++i) {
    const std::size_t begin = std::min(profile.size(), i * step);
    const std::size_t end = std::min(profile.size(), begin + step);
    payloads.push_back(icc_segment(
        std::vector<uint8_t>(profile.begin() + begin, profile.begin() + end), i + 1, count));
  }
  return payloads;
}

Rgba8Image decode(const std::vector<uint8_t>& bytes, std::vector<std::string>* warnings = nullptr) {
  return decode_image(bytes.data(), bytes.size(), warnings);
}

// ---- tests --------------------------------------------------------------------------------

class WideGamut : public ::testing::TestWithParam<Space> {};

TEST_P(WideGamut, TaggedPngDecodesToTheOriginalSrgb) {
  const Rgba8Image original = dev_pair_pixels();
  cmsHPROFILE srgb = cmsCreate_sRGBProfile();
  cmsHPROFILE wide = make_profile(GetParam());
  const Rgba8Image wide_pixels = lcms_convert(original, srgb, wide);
  const std::vector<uint8_t> profile = profile_bytes(wide);

  std::vector<std::string> warnings;
  const Rgba8Image decoded = decode(png_with_iccp(wide_pixels, zlib(profile)), &warnings);
  EXPECT_TRUE(warnings.empty()) << warnings[0];
  const Difference to_original = difference(decoded, original);
  EXPECT_LE(to_original.max, 2) << "mean " << to_original.mean;
  for (std::size_t i = 3; i < original.rgba.size(); i += 4) {
    ASSERT_EQ(decoded.rgba[i], original.rgba[i]) << "alpha changed at pixel " << i / 4;
  }

  // Read as sRGB (no profile), the same pixels are visibly off: duller (Adobe RGB ~18 % less
  // chroma, Display P3 less so) and several levels away.
  const Rgba8Image untagged = decode(png_with_iccp(wide_pixels, {}));
  const double chroma_ratio = mean_chroma(untagged) / mean_chroma(original);
  EXPECT_LT(chroma_ratio, GetParam() == Space::kAdobeRgb ? 0.85 : 0.9);  // measured 0.80, 0.84
  EXPECT_GE(difference(untagged, original).max, 10);
  cmsCloseProfile(srgb);
  cmsCloseProfile(wide);
}

TEST_P(WideGamut, TaggedJpegInOneOrSeveralSegmentsMatchesLcms) {
  const Rgba8Image original = dev_pair_pixels();
  cmsHPROFILE srgb = cmsCreate_sRGBProfile();
  cmsHPROFILE wide = make_profile(GetParam());
  const Rgba8Image wide_pixels = lcms_convert(original, srgb, wide);
  const std::vector<uint8_t> profile = profile_bytes(wide);

  // The JPEG's own (lossy) pixels read without profile, converted by Little CMS from the
  // profile object built above (not from the file): what the decoder must return.
  const Rgba8Image untagged = decode(jpeg_with_segments(wide_pixels, {}));
  const Rgba8Image expected = lcms_convert(untagged, wide, srgb);

  std::vector<std::vector<uint8_t>> shuffled = icc_segments(profile, 3);
  std::swap(shuffled[0], shuffled[2]);  // numbered segments may come in any order
  for (const auto& payloads : {icc_segments(profile, 1), icc_segments(profile, 3), shuffled}) {
    std::vector<std::string> warnings;
    const Rgba8Image decoded = decode(jpeg_with_segments(wide_pixels, payloads), &warnings);
    EXPECT_TRUE(warnings.empty()) << warnings[0];
    EXPECT_LE(difference(decoded, expected).max, 2) << payloads.size() << " segment(s)";
    // And close to the sRGB original, up to the JPEG's own loss.
    EXPECT_LT(difference(decoded, original).mean, 2.5);
  }
  EXPECT_GT(difference(untagged, expected).mean, 2.0) << "the profile must make a difference";
  cmsCloseProfile(srgb);
  cmsCloseProfile(wide);
}

INSTANTIATE_TEST_SUITE_P(ColorProfile, WideGamut,
                         ::testing::Values(Space::kAdobeRgb, Space::kDisplayP3),
                         [](const auto& info) {
                           return info.param == Space::kAdobeRgb ? "AdobeRgb" : "DisplayP3";
                         });

// A grey image (R = G = B, as stb expands grey) tagged with a grey profile of gamma 1.0 (linear
// light): each level v becomes the sRGB encoding of v/255, as Little CMS computes it from grey.
TEST(ColorProfile, GreyProfileIsConverted) {
  cmsToneCurve* linear = cmsBuildGamma(nullptr, 1.0);
  cmsHPROFILE grey = cmsCreateGrayProfile(cmsD50_xyY(), linear);
  cmsFreeToneCurve(linear);
  Rgba8Image ramp{256, 2, std::vector<uint8_t>(4 * 256 * 2, 255)};
  std::vector<uint8_t> levels(256);
  for (int x = 0; x < 256; ++x) {
    levels[x] = uint8_t(x);
    for (int y = 0; y < 2; ++y) {
      for (int c = 0; c < 3; ++c) ramp.rgba[4 * (256 * y + x) + c] = uint8_t(x);
    }
  }
  cmsHPROFILE srgb = cmsCreate_sRGBProfile();
  cmsHTRANSFORM transform =
      cmsCreateTransform(grey, TYPE_GRAY_8, srgb, TYPE_RGB_8, INTENT_PERCEPTUAL, 0);
  std::vector<uint8_t> expected(3 * 256);
  cmsDoTransform(transform, levels.data(), expected.data(), 256);
  cmsDeleteTransform(transform);
  std::vector<std::string> warnings;
  const Rgba8Image decoded = decode(png_with_iccp(ramp, zlib(profile_bytes(grey))), &warnings);
  EXPECT_TRUE(warnings.empty());
  for (int x = 0; x < 256; ++x) {
    for (int c = 0; c < 3; ++c) {
      ASSERT_EQ(decoded.rgba[4 * (256 + x) + c], expected[3 * x + c]) << "level " << x;
    }
  }
  EXPECT_GT(decoded.rgba[4 * 64], 64 + 40) << "linear 64/255 is brighter in sRGB";
  cmsCloseProfile(grey);
  cmsCloseProfile(srgb);
}

TEST(ColorProfile, BrokenProfilesDecodeAsSrgbWithAWarning) {
  const Rgba8Image original = dev_pair_pixels();
  cmsHPROFILE wide = make_profile(Space::kAdobeRgb);
  const std::vector<uint8_t> profile = profile_bytes(wide);
  cmsCloseProfile(wide);
  const Rgba8Image as_srgb = decode(jpeg_with_segments(original, {}));

  std::vector<uint8_t> garbage(profile.size());
  std::iota(garbage.begin(), garbage.end(), uint8_t(7));
  std::vector<std::vector<uint8_t>> missing = icc_segments(profile, 3);
  missing.erase(missing.begin() + 1);
  cmsHPROFILE lab = cmsCreateLab4Profile(nullptr);  // abstract class: not an image's space
  const std::vector<uint8_t> lab_bytes = profile_bytes(lab);
  cmsCloseProfile(lab);
  std::vector<uint8_t> truncated(profile.begin(), profile.begin() + profile.size() / 2);

  const std::vector<std::pair<std::string, std::vector<uint8_t>>> cases = {
      {"garbage profile", jpeg_with_segments(original, {icc_segment(garbage, 1, 1)})},
      {"missing segment", jpeg_with_segments(original, missing)},
      {"numbered 0", jpeg_with_segments(original, {icc_segment(profile, 0, 1)})},
      {"truncated profile", jpeg_with_segments(original, icc_segments(truncated, 1))},
      {"Lab abstract profile", jpeg_with_segments(original, icc_segments(lab_bytes, 1))},
  };
  for (const auto& [name, bytes] : cases) {
    std::vector<std::string> warnings;
    const Rgba8Image decoded = decode(bytes, &warnings);
    EXPECT_EQ(decoded.rgba, as_srgb.rgba) << name;
    ASSERT_EQ(warnings.size(), 1u) << name;
    EXPECT_NE(warnings[0].find("colour profile ignored"), std::string::npos) << warnings[0];
    EXPECT_NO_THROW(decode(bytes)) << name << ": warnings need no list";
  }

  // PNG: a broken zlib stream in iCCP.
  std::vector<uint8_t> broken_zlib = zlib(profile);
  broken_zlib.resize(broken_zlib.size() / 2);
  std::vector<std::string> warnings;
  EXPECT_EQ(decode(png_with_iccp(original, broken_zlib), &warnings).rgba, original.rgba);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("iCCP"), std::string::npos) << warnings[0];
  // A "profile" that inflates beyond 16 MB (a zlib bomb) is not inflated further.
  warnings.clear();
  const std::vector<uint8_t> bomb = zlib(std::vector<uint8_t>((16 << 20) + 1, 0));
  EXPECT_EQ(decode(png_with_iccp(original, bomb), &warnings).rgba, original.rgba);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("larger than 16 MB"), std::string::npos) << warnings[0];
  // An sRGB chunk says the pixels are sRGB: an iCCP chunk beside it is not used.
  std::vector<PngChunk> chunks = png_chunks(png_with_iccp(original, zlib(profile)));
  chunks.insert(chunks.begin() + 1, PngChunk{"sRGB", {0}, true});
  warnings.clear();
  EXPECT_EQ(decode(png_from_chunks(chunks), &warnings).rgba, original.rgba);
  EXPECT_TRUE(warnings.empty());
}

TEST(ColorProfile, OutputsAreTaggedSrgb) {
  const Rgba8Image image = dev_pair_pixels();
  // PNG: an sRGB chunk (intent 0, perceptual) right after IHDR, with a correct CRC.
  const std::vector<PngChunk> chunks = png_chunks(encode_png(image));
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].type, "IHDR");
  EXPECT_EQ(chunks[1].type, "sRGB");
  EXPECT_EQ(chunks[1].data, std::vector<uint8_t>{0});
  for (const PngChunk& chunk : chunks) EXPECT_TRUE(chunk.crc_ok) << chunk.type;

  // JPEG: one APP2 ICC profile, after JFIF APP0, that Little CMS reads as an RGB profile
  // equivalent to its own sRGB (every 8-bit grey and primary ramp maps to itself), and the same
  // bytes on every call.
  const std::vector<uint8_t> jpeg = encode_jpeg(image, 90);
  EXPECT_EQ(jpeg, encode_jpeg(image, 90));
  const Jpeg parts = split_jpeg(jpeg);
  ASSERT_GE(parts.segments.size(), 2u);
  EXPECT_EQ(parts.segments[0].first, 0xE0);
  ASSERT_TRUE(is_icc_segment(parts.segments[1]));
  EXPECT_EQ(parts.segments[1].second[12], 1);
  EXPECT_EQ(parts.segments[1].second[13], 1);
  const std::vector<uint8_t>& embedded = parts.segments[1].second;
  cmsHPROFILE tagged = cmsOpenProfileFromMem(embedded.data() + 14, embedded.size() - 14);
  ASSERT_NE(tagged, nullptr);
  EXPECT_EQ(cmsGetColorSpace(tagged), cmsSigRgbData);
  cmsHPROFILE srgb = cmsCreate_sRGBProfile();
  Rgba8Image ramps{256, 4, std::vector<uint8_t>(4 * 256 * 4, 0)};
  for (int x = 0; x < 256; ++x) {
    for (int c = 0; c < 3; ++c) ramps.rgba[4 * x + c] = uint8_t(x);                  // grey
    for (int r = 1; r < 4; ++r) ramps.rgba[4 * (256 * r + x) + r - 1] = uint8_t(x);  // R, G, B
  }
  EXPECT_EQ(lcms_convert(ramps, tagged, srgb).rgba, ramps.rgba);
  cmsCloseProfile(tagged);
  cmsCloseProfile(srgb);
  // Decoding our own outputs changes nothing.
  std::vector<std::string> warnings;
  EXPECT_EQ(decode(encode_png(image), &warnings).rgba, image.rgba);
  EXPECT_TRUE(warnings.empty());
}

// JPEG codings libjpeg-turbo does not read: the error is decode_failed and its message says which
// coding and how to convert the file. Built by patching the frame header (SOF0) of a baseline
// JPEG: libjpeg alone would say only "Unsupported JPEG process". (Arithmetic-coded JPEGs are
// read: jpeg_decode_test.cpp.)
TEST(ColorProfile, UnsupportedJpegCodingsAreNamed) {
  const Jpeg baseline = split_jpeg(encode_jpeg(dev_pair_pixels(), 90));
  const auto variant = [&](uint8_t marker, uint8_t precision) {
    Jpeg jpeg = baseline;
    for (auto& [m, payload] : jpeg.segments) {
      if (m == 0xC0) {
        m = marker;
        payload[0] = precision;
      }
    }
    return join_jpeg(jpeg);
  };
  const std::vector<std::tuple<uint8_t, uint8_t, std::vector<std::string>>> cases = {
      {0xC3, 8, {"lossless JPEG (SOF3)", "PNG"}},
      {0xCB, 8, {"lossless JPEG (SOF11)", "PNG"}},
      {0xC5, 8, {"hierarchical JPEG (SOF5)", "jpegtran"}},
      {0xC7, 8, {"hierarchical JPEG (SOF7)", "jpegtran"}},
      {0xCD, 8, {"hierarchical arithmetic-coded JPEG (SOF13)", "jpegtran"}},
      {0xC0, 12, {"12-bit JPEG", "8-bit"}},
      {0xC1, 12, {"12-bit JPEG", "8-bit"}},
  };
  for (const auto& [marker, precision, words] : cases) {
    const std::vector<uint8_t> bytes = variant(marker, precision);
    try {
      decode(bytes);
      ADD_FAILURE() << "SOF marker " << int(marker) << " decoded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kDecodeFailed);
      for (const std::string& word : words) {
        EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what();
      }
    }
  }
  // Baseline and extended sequential at 8 bits decode.
  EXPECT_NO_THROW(decode(variant(0xC0, 8)));
  EXPECT_NO_THROW(decode(variant(0xC1, 8)));
}

}  // namespace
}  // namespace supercolor
