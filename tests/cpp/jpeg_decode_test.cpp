// JPEG decoding with libjpeg-turbo (io/jpeg_decode.h through decode_image): arithmetic-coded
// JPEGs decode to the same pixels as the Huffman-coded file of the same coefficients; grey, CMYK
// and YCCK JPEGs decode to RGB; corrupt, truncated and oversized files give typed errors or
// warnings, and the decoder stays usable. Test files are encoded here with libjpeg's compressor.
#include <gtest/gtest.h>

// jpeglib.h needs size_t and FILE declared first.
// clang-format off
#include <cstdio>
#include <jpeglib.h>
// clang-format on

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "io/image_io.h"
#include "test_support.h"

namespace supercolor {
namespace {

struct Encoding {
  J_COLOR_SPACE input_space = JCS_RGB;  // of `samples`
  int components = 3;
  J_COLOR_SPACE file_space = JCS_YCbCr;
  bool arithmetic = false;
  bool progressive = false;
  int quality = 90;
};

// Encodes interleaved 8-bit samples with libjpeg (libjpeg.txt, "Compression details"). Valid
// inputs only: libjpeg's default error handler exits the test on an error.
std::vector<uint8_t> libjpeg_encode(const std::vector<uint8_t>& samples, int width, int height,
                                    const Encoding& encoding) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr error{};
  cinfo.err = jpeg_std_error(&error);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = JDIMENSION(width);
  cinfo.image_height = JDIMENSION(height);
  cinfo.input_components = encoding.components;
  cinfo.in_color_space = encoding.input_space;
  jpeg_set_defaults(&cinfo);
  jpeg_set_colorspace(&cinfo, encoding.file_space);
  jpeg_set_quality(&cinfo, encoding.quality, TRUE);
  if (encoding.progressive) jpeg_simple_progression(&cinfo);
  cinfo.arith_code = encoding.arithmetic ? TRUE : FALSE;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(samples.data()) +
                   std::size_t(cinfo.next_scanline) * width * encoding.components;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<uint8_t> out(buffer, buffer + size);
  std::free(buffer);
  return out;
}

// The frame-header marker (SOFn) of a JPEG, 0 if none is found before the first scan.
int sof_marker(const std::vector<uint8_t>& jpeg) {
  for (std::size_t pos = 2; pos + 4 <= jpeg.size();) {
    const int marker = jpeg[pos + 1];
    if (marker == 0xDA) return 0;
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      return marker;
    }
    pos += 2 + ((jpeg[pos + 2] << 8) | jpeg[pos + 3]);
  }
  return 0;
}

// Offset of the first scan's data (just after the SOS segment).
std::size_t scan_data_offset(const std::vector<uint8_t>& jpeg) {
  for (std::size_t pos = 2; pos + 4 <= jpeg.size();) {
    const std::size_t length = (jpeg[pos + 2] << 8) | jpeg[pos + 3];
    if (jpeg[pos + 1] == 0xDA) return pos + 2 + length;
    pos += 2 + length;
  }
  return 0;
}

// A 320x240 crop of a dev pair's photo, as interleaved RGB bytes.
std::vector<uint8_t> photo_rgb(int& width, int& height) {
  const RgbImage photo = test::load_pair_image(test::pair_dir("01_pitie_scotland"), "target");
  const Rgba8Image rgba = to_rgba8(test::resize(photo, 320, 240));
  width = rgba.width;
  height = rgba.height;
  std::vector<uint8_t> rgb;
  for (std::size_t i = 0; i < rgba.rgba.size(); i += 4) {
    rgb.insert(rgb.end(), rgba.rgba.begin() + i, rgba.rgba.begin() + i + 3);
  }
  return rgb;
}

Rgba8Image decode(const std::vector<uint8_t>& bytes, std::vector<std::string>* warnings = nullptr) {
  return decode_image(bytes.data(), bytes.size(), warnings);
}

ErrorCode decode_error(const std::vector<uint8_t>& bytes, std::string* message = nullptr) {
  try {
    decode(bytes);
  } catch (const Error& e) {
    if (message != nullptr) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "decode did not throw";
  return ErrorCode::kInvalidArgument;
}

TEST(JpegIo, ArithmeticCodedJpegDecodesLikeHuffmanCoded) {
  int width = 0, height = 0;
  const std::vector<uint8_t> rgb = photo_rgb(width, height);
  for (const bool progressive : {false, true}) {
    Encoding huffman;
    huffman.progressive = progressive;
    Encoding arithmetic = huffman;
    arithmetic.arithmetic = true;
    const std::vector<uint8_t> huffman_file = libjpeg_encode(rgb, width, height, huffman);
    const std::vector<uint8_t> arithmetic_file = libjpeg_encode(rgb, width, height, arithmetic);
    // SOF0 (baseline) or SOF2 (progressive) with Huffman coding; SOF9 /
    // SOF10 with arithmetic coding (ITU T.81 Table B.1).
    EXPECT_EQ(sof_marker(huffman_file), progressive ? 0xC2 : 0xC0);
    EXPECT_EQ(sof_marker(arithmetic_file), progressive ? 0xCA : 0xC9);
    std::vector<std::string> warnings;
    const Rgba8Image from_arithmetic = decode(arithmetic_file, &warnings);
    EXPECT_TRUE(warnings.empty()) << warnings[0];
    const Rgba8Image from_huffman = decode(huffman_file);
    ASSERT_EQ(from_arithmetic.width, width);
    ASSERT_EQ(from_arithmetic.height, height);
    // The same quantised coefficients, only entropy-coded differently: the same pixels.
    EXPECT_EQ(from_arithmetic.rgba, from_huffman.rgba) << "progressive " << progressive;
    // And the photo, up to quality 90's loss.
    double error = 0;
    for (std::size_t i = 0, j = 0; i < from_arithmetic.rgba.size(); i += 4, j += 3) {
      for (int c = 0; c < 3; ++c) error += std::abs(int(from_arithmetic.rgba[i + c]) - rgb[j + c]);
      EXPECT_EQ(from_arithmetic.rgba[i + 3], 255);
    }
    EXPECT_LT(error / (3.0 * width * height), 3.0);
  }
}

TEST(JpegIo, GreyCmykAndYcckJpegsDecodeToRgb) {
  // Grey: R = G = B = the grey level (quality 100, smooth ramp: within the JPEG's own loss).
  const int width = 64, height = 48;
  std::vector<uint8_t> grey(std::size_t(width) * height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) grey[std::size_t(y) * width + x] = uint8_t(3 * x + y);
  }
  Encoding grey_encoding;
  grey_encoding.input_space = grey_encoding.file_space = JCS_GRAYSCALE;
  grey_encoding.components = 1;
  grey_encoding.quality = 100;
  const Rgba8Image from_grey = decode(libjpeg_encode(grey, width, height, grey_encoding));
  ASSERT_EQ(from_grey.width, width);
  for (std::size_t i = 0; i < grey.size(); ++i) {
    EXPECT_EQ(from_grey.rgba[4 * i], from_grey.rgba[4 * i + 1]);
    EXPECT_EQ(from_grey.rgba[4 * i], from_grey.rgba[4 * i + 2]);
    EXPECT_LE(std::abs(int(from_grey.rgba[4 * i]) - grey[i]), 2) << i;
  }
  // CMYK as Adobe applications store it (inverted: 255 = no ink), four flat quadrants, stored
  // as CMYK and as YCCK: R = C·K/255, G = M·K/255, B = Y·K/255, within the JPEG's loss.
  const uint8_t quadrants[4][4] = {
      {255, 40, 90, 255}, {30, 200, 250, 180}, {120, 120, 120, 60}, {250, 250, 10, 230}};
  std::vector<uint8_t> cmyk(4 * std::size_t(width) * height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const uint8_t* value = quadrants[(y >= height / 2 ? 2 : 0) + (x >= width / 2 ? 1 : 0)];
      std::copy_n(value, 4, &cmyk[4 * (std::size_t(y) * width + x)]);
    }
  }
  for (const J_COLOR_SPACE file_space : {JCS_CMYK, JCS_YCCK}) {
    Encoding encoding;
    encoding.input_space = JCS_CMYK;
    encoding.components = 4;
    encoding.file_space = file_space;
    encoding.quality = 100;
    const Rgba8Image decoded = decode(libjpeg_encode(cmyk, width, height, encoding));
    ASSERT_EQ(decoded.width, width);
    // Away from the quadrants' edges (JPEG rings there).
    for (const auto& [x, y] :
         std::vector<std::pair<int, int>>{{8, 8}, {50, 8}, {8, 40}, {50, 40}}) {
      const uint8_t* expected = quadrants[(y >= height / 2 ? 2 : 0) + (x >= width / 2 ? 1 : 0)];
      const uint8_t* got = &decoded.rgba[4 * (std::size_t(y) * width + x)];
      for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(got[c], expected[c] * expected[3] / 255.0, 3.0)
            << (file_space == JCS_CMYK ? "CMYK" : "YCCK") << " at " << x << "," << y;
      }
      EXPECT_EQ(got[3], 255);
    }
  }
}

TEST(JpegIo, CorruptOrTruncatedJpegsFailOrWarnAndTheDecoderStaysUsable) {
  int width = 0, height = 0;
  const std::vector<uint8_t> rgb = photo_rgb(width, height);
  const std::vector<uint8_t> file = libjpeg_encode(rgb, width, height, Encoding{});
  const Rgba8Image whole = decode(file);
  const std::size_t scan = scan_data_offset(file);
  ASSERT_GT(scan, 0u);

  std::string message;
  // SOI then text; cut inside the headers; a frame header of width 0: decode_failed with
  // libjpeg's reason.
  std::vector<uint8_t> text = {0xFF, 0xD8};
  for (const char c : std::string("not really a JPEG, just text after SOI")) text.push_back(c);
  EXPECT_EQ(decode_error(text, &message), ErrorCode::kDecodeFailed);
  EXPECT_NE(message.find("not a decodable JPEG"), std::string::npos) << message;
  EXPECT_EQ(decode_error({file.begin(), file.begin() + std::ptrdiff_t(scan / 2)}, &message),
            ErrorCode::kDecodeFailed);
  EXPECT_NE(message.find("not a decodable JPEG"), std::string::npos) << message;
  std::vector<uint8_t> zero_width = file;
  for (std::size_t pos = 2; pos + 4 <= zero_width.size();) {
    if (zero_width[pos + 1] == 0xC0) {
      zero_width[pos + 7] = zero_width[pos + 8] = 0;  // SOF0: P, Y (2), X (2): X = 0
      break;
    }
    pos += 2 + ((zero_width[pos + 2] << 8) | zero_width[pos + 3]);
  }
  EXPECT_EQ(decode_error(zero_width, &message), ErrorCode::kDecodeFailed);

  // Cut inside the compressed scan: what is there is decoded (the top rows exactly as in the
  // whole file), with a warning that says the data ends early.
  const std::vector<uint8_t> cut(file.begin(),
                                 file.begin() + std::ptrdiff_t((scan + file.size()) / 2));
  std::vector<std::string> warnings;
  const Rgba8Image partial = decode(cut, &warnings);
  ASSERT_EQ(partial.width, width);
  ASSERT_EQ(partial.height, height);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("ends early"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("Premature end of JPEG file"), std::string::npos) << warnings[0];
  const std::size_t top_rows = 4 * std::size_t(width) * (height / 5);
  EXPECT_TRUE(std::equal(partial.rgba.begin(), partial.rgba.begin() + std::ptrdiff_t(top_rows),
                         whole.rgba.begin()));
  EXPECT_NE(partial.rgba, whole.rgba);

  // Garbage (without markers: no 0xFF byte) in the middle of the scan: decoded, with a warning.
  std::vector<uint8_t> scrambled = file;
  for (std::size_t i = scan + 200; i < scan + 400 && i + 2 < scrambled.size(); ++i) {
    scrambled[i] = uint8_t((i * 37) % 255);
  }
  warnings.clear();
  EXPECT_NO_THROW(decode(scrambled, &warnings));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("corrupt"), std::string::npos) << warnings[0];

  // Still usable: the whole file decodes to the same pixels again.
  EXPECT_EQ(decode(file).rgba, whole.rgba);
}

TEST(JpegIo, HugeFrameHeadersAreImageTooLargeBeforeAllocating) {
  const std::vector<uint8_t> rgb(3 * 16 * 16, 128);
  const std::vector<uint8_t> file = libjpeg_encode(rgb, 16, 16, Encoding{});
  // 9000 x 8000 (72 MP > 64 MP), 40000 x 100 (a side > 32768), 65000 x 65000 (the largest
  // libjpeg allows): image_too_large from the header; the data behind it is a 16 x 16 image,
  // so a decoder that allocated first would also fail on it (or allocate 16 GB).
  for (const auto& [w, h] :
       std::vector<std::pair<int, int>>{{9000, 8000}, {40000, 100}, {65000, 65000}}) {
    std::vector<uint8_t> patched = file;
    for (std::size_t pos = 2; pos + 4 <= patched.size();) {
      if (patched[pos + 1] == 0xC0) {  // SOF0 payload: P, Y (2 bytes), X (2 bytes)
        patched[pos + 5] = uint8_t(h >> 8);
        patched[pos + 6] = uint8_t(h);
        patched[pos + 7] = uint8_t(w >> 8);
        patched[pos + 8] = uint8_t(w);
        break;
      }
      pos += 2 + ((patched[pos + 2] << 8) | patched[pos + 3]);
    }
    std::string message;
    EXPECT_EQ(decode_error(patched, &message), ErrorCode::kImageTooLarge) << w << "x" << h;
    EXPECT_NE(message.find(std::to_string(w) + "x" + std::to_string(h)), std::string::npos)
        << message;
  }
}

// A phone photo (8 MP, stored 3264 x 2448, EXIF orientation 6: rotate 90 degrees clockwise) is
// decoded upright; checked against the same file with the tag set to 1, rotated here.
TEST(JpegIo, PhonePhotoWithExifOrientationIsDecodedUpright) {
  std::ifstream in(std::string(SUPERCOLOR_SHARED_DIR) + "/testdata/large/02_beach_coast/target.jpg",
                   std::ios::binary);
  ASSERT_TRUE(in) << "../shared/testdata/large missing";
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  // The Orientation entry (TIFF tag 0x0112, SHORT, count 1, value 6) in either byte order.
  const std::vector<std::vector<uint8_t>> entries = {{0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6},
                                                     {0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0}};
  std::vector<uint8_t> stored = file;
  bool patched = false;
  for (const auto& entry : entries) {
    auto at = std::search(stored.begin(), stored.end(), entry.begin(), entry.end());
    if (at != stored.end()) {
      at[entry[0] == 0x01 ? 9 : 8] = 1;
      patched = true;
      break;
    }
  }
  ASSERT_TRUE(patched) << "no orientation-6 entry found";
  const Rgba8Image upright = decode(file);
  const Rgba8Image as_stored = decode(stored);
  ASSERT_EQ(as_stored.width, 3264);
  ASSERT_EQ(as_stored.height, 2448);
  ASSERT_EQ(upright.width, 2448);
  ASSERT_EQ(upright.height, 3264);
  // Rotated 90 degrees clockwise: displayed (x, y) is stored (y, H - 1 - x).
  std::size_t differing = 0;
  for (int y = 0; y < upright.height; ++y) {
    for (int x = 0; x < upright.width; ++x) {
      const uint8_t* shown = &upright.rgba[4 * (std::size_t(y) * upright.width + x)];
      const uint8_t* source =
          &as_stored.rgba[4 * (std::size_t(as_stored.height - 1 - x) * as_stored.width + y)];
      if (!std::equal(shown, shown + 4, source)) ++differing;
    }
  }
  EXPECT_EQ(differing, 0u);
}

}  // namespace
}  // namespace supercolor
