// Decoding / encoding: round trips, EXIF orientation, and clear errors on bad files.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "io/image_io.h"
#include "test_support.h"

namespace supercolor {
namespace {

// Four flat quadrants: red (top-left), green (top-right), blue (bottom-left), white.
Rgba8Image quadrant_image(int width, int height) {
  Rgba8Image image{width, height, std::vector<uint8_t>(4 * std::size_t(width) * height)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = &image.rgba[4 * (std::size_t(y) * width + x)];
      const bool right = x >= width / 2, bottom = y >= height / 2;
      const uint8_t color[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
      const int q = (bottom ? 2 : 0) + (right ? 1 : 0);
      p[0] = color[q][0];
      p[1] = color[q][1];
      p[2] = color[q][2];
      p[3] = uint8_t(10 + q * 60);
    }
  }
  return image;
}

ErrorCode decode_error(const std::vector<uint8_t>& bytes) {
  try {
    decode_image(bytes.data(), bytes.size());
  } catch (const Error& e) {
    EXPECT_GT(std::string(e.what()).size(), 10u) << "error message should say what is wrong";
    return e.code();
  }
  ADD_FAILURE() << "decode did not throw";
  return ErrorCode::kInvalidArgument;
}

// Inserts an EXIF APP1 segment with the given orientation right after the JPEG's SOI marker.
std::vector<uint8_t> with_exif_orientation(const std::vector<uint8_t>& jpeg, int orientation) {
  const uint8_t tiff[] = {'M',  'M',
                          0,    42,
                          0,    0,
                          0,    8,  // big-endian, IFD at 8
                          0,    1,  // one entry
                          0x01, 0x12,
                          0,    3,
                          0,    0,
                          0,    1,  // Orientation, SHORT, count 1
                          0,    uint8_t(orientation),
                          0,    0,  // value
                          0,    0,
                          0,    0};  // no next IFD
  std::vector<uint8_t> app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
  app1.insert(app1.end(), std::begin(tiff), std::end(tiff));
  const std::size_t length = app1.size() - 2;
  app1[2] = uint8_t(length >> 8);
  app1[3] = uint8_t(length & 0xFF);
  std::vector<uint8_t> out = jpeg;  // SOI (2 bytes), then the EXIF segment, then the rest
  out.insert(out.begin() + 2, app1.begin(), app1.end());
  return out;
}

const uint8_t* pixel(const Rgba8Image& image, int x, int y) {
  return &image.rgba[4 * (std::size_t(y) * image.width + x)];
}

TEST(ImageIo, PngRoundTripIsExactAndKeepsAlpha) {
  const Rgba8Image image = quadrant_image(37, 21);
  const std::vector<uint8_t> png = encode_png(image);
  const Rgba8Image decoded = decode_image(png.data(), png.size());
  EXPECT_EQ(decoded.width, 37);
  EXPECT_EQ(decoded.height, 21);
  EXPECT_EQ(decoded.rgba, image.rgba);
}

// An opaque image is written as RGB (IHDR colour type 2), one with alpha as RGBA (type 6); both
// decode back exactly, and a photo-like image compresses (zlib) well below its raw size.
TEST(ImageIo, PngOfAnOpaqueImageIsRgbAndRoundTrips) {
  Rgba8Image image = to_rgba8(test::smooth_image(97, 61, 5));
  const auto colour_type = [](const std::vector<uint8_t>& png) { return png.at(8 + 8 + 9); };
  const std::vector<uint8_t> opaque = encode_png(image);
  EXPECT_EQ(colour_type(opaque), 2);
  EXPECT_EQ(decode_image(opaque.data(), opaque.size()).rgba, image.rgba);
  EXPECT_LT(opaque.size(), 2 * image.pixel_count());  // compressed: below 2/3 of the raw RGB
  image.rgba[4 * 10 + 3] = 128;
  const std::vector<uint8_t> translucent = encode_png(image);
  EXPECT_EQ(colour_type(translucent), 6);
  EXPECT_EQ(decode_image(translucent.data(), translucent.size()).rgba, image.rgba);
}

TEST(ImageIo, ReadsEveryTestPhoto) {
  for (const std::string& dir : test::pair_dirs()) {
    const RgbImage target = test::load_pair_image(dir, "target");
    EXPECT_GE(target.width, 300) << dir;
    EXPECT_GE(target.height, 200) << dir;
  }
}

TEST(ImageIo, ExifOrientationIsApplied) {
  const Rgba8Image image = quadrant_image(64, 32);
  const std::vector<uint8_t> jpeg = encode_jpeg(image, 95);
  // Orientation 6: the stored image must be rotated 90 degrees clockwise to display upright,
  // so the displayed top-left is the stored bottom-left (blue) and the size is transposed.
  const std::vector<uint8_t> rotated = with_exif_orientation(jpeg, 6);
  const Rgba8Image decoded = decode_image(rotated.data(), rotated.size());
  ASSERT_EQ(decoded.width, 32);
  ASSERT_EQ(decoded.height, 64);
  EXPECT_GT(pixel(decoded, 4, 4)[2], 200);  // blue at top-left
  EXPECT_LT(pixel(decoded, 4, 4)[0], 60);
  EXPECT_GT(pixel(decoded, 27, 4)[0], 200);  // red at top-right
  EXPECT_LT(pixel(decoded, 27, 4)[1], 60);
  EXPECT_GT(pixel(decoded, 27, 59)[1], 200);  // green at bottom-right
  EXPECT_LT(pixel(decoded, 27, 59)[0], 60);
  // Orientation 3: rotated 180 degrees; orientation 1: unchanged.
  const std::vector<uint8_t> upside_down = with_exif_orientation(jpeg, 3);
  const Rgba8Image turned = decode_image(upside_down.data(), upside_down.size());
  ASSERT_EQ(turned.width, 64);
  EXPECT_GT(pixel(turned, 60, 28)[0], 200);  // red at bottom-right
  EXPECT_LT(pixel(turned, 60, 28)[2], 60);
  const std::vector<uint8_t> upright = with_exif_orientation(jpeg, 1);
  const Rgba8Image same = decode_image(upright.data(), upright.size());
  EXPECT_GT(pixel(same, 4, 4)[0], 200);
}

TEST(ImageIo, BadFilesGiveDecodeErrors) {
  EXPECT_EQ(decode_error({}), ErrorCode::kDecodeFailed);
  const std::string text = "this is a text file renamed to .png";
  EXPECT_EQ(decode_error(std::vector<uint8_t>(text.begin(), text.end())), ErrorCode::kDecodeFailed);
  const std::vector<uint8_t> png = encode_png(quadrant_image(40, 40));
  EXPECT_EQ(decode_error(std::vector<uint8_t>(png.begin(), png.begin() + png.size() / 2)),
            ErrorCode::kDecodeFailed);
  EXPECT_EQ(decode_error(std::vector<uint8_t>(png.begin(), png.begin() + 8)),
            ErrorCode::kDecodeFailed);
  EXPECT_THROW(read_image_file("/nonexistent/image.png"), Error);
}

TEST(ImageIo, AbsurdDimensionsAreRefusedBeforeDecoding) {
  // PNG headers claiming 9000 x 8000, 20000 x 20000 and 100000 x 100000 pixels: each is an image
  // too large, not a corrupt file (whichever of stb's checks or ours refuses it).
  for (const auto& [width, height] :
       std::vector<std::pair<uint32_t, uint32_t>>{{9000, 8000}, {20000, 20000}, {100000, 100000}}) {
    std::vector<uint8_t> png = encode_png(quadrant_image(4, 4));
    for (int i = 0; i < 2; ++i) {
      const uint32_t side = i == 0 ? width : height;
      png[16 + 4 * i] = uint8_t(side >> 24);
      png[17 + 4 * i] = uint8_t(side >> 16);
      png[18 + 4 * i] = uint8_t(side >> 8);
      png[19 + 4 * i] = uint8_t(side);
    }
    EXPECT_EQ(decode_error(png), ErrorCode::kImageTooLarge) << width << "x" << height;
  }
}

TEST(ImageIo, WritePngIsAtomicAndConversionsRound) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "supercolor_io_test.png").string();
  RgbImage rgb{2, 1, {0.0f, 0.5f, 1.2f, -0.3f, 0.999f, 0.0021f}};
  const Rgba8Image rgba = to_rgba8(rgb);
  EXPECT_EQ(rgba.rgba, (std::vector<uint8_t>{0, 128, 255, 255, 0, 255, 1, 255}));
  write_png_file(path, rgba);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp-supercolor"));
  EXPECT_EQ(read_image_file(path).rgba, rgba.rgba);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace supercolor
