// 3D / 1D LUTs: application (trilinear, tetrahedral) against brute-force formulas, the least-
// squares fit on known global maps, .cube reading of independently written files, malformed
// files, round trips, and agreement with ffmpeg's lut3d filter.

#include "core/lut.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/cube.h"
#include "core/error.h"
#include "core/pipeline.h"
#include "io/image_io.h"
#include "native_pipeline.h"
#include "test_support.h"

namespace supercolor {
namespace {

RgbImage eight_bit(const RgbImage& image) { return to_rgb(to_rgba8(image)); }

// A LUT whose entries are random (not a smooth map): any indexing or weighting slip shows.
Lut random_lut(int size, unsigned seed) {
  Lut lut = identity_lut3d(size);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (float& v : lut.values) v = uniform(rng);
  return lut;
}

// Brute force, from the definitions: the lattice value at (ri, gi, bi), and both
// interpolations written independently of lut.cpp (trilinear as the sum over the 8 corners of
// products of 1D weights; tetrahedral by sorting the fractions and walking the cell diagonal).
std::array<double, 3> node_value(const Lut& lut, int r, int g, int b) {
  const std::size_t k = 3 * (r + std::size_t(lut.size) * (g + std::size_t(lut.size) * b));
  return {lut.values[k], lut.values[k + 1], lut.values[k + 2]};
}

void cell_of(const Lut& lut, const float* rgb, int* index, double* fraction) {
  for (int c = 0; c < 3; ++c) {
    const double t = std::clamp(double(rgb[c]), 0.0, 1.0) * (lut.size - 1);
    index[c] = std::min(int(std::floor(t)), lut.size - 2);
    fraction[c] = t - index[c];
  }
}

std::array<double, 3> brute_trilinear(const Lut& lut, const float* rgb) {
  int i[3];
  double f[3];
  cell_of(lut, rgb, i, f);
  std::array<double, 3> out{0, 0, 0};
  for (int corner = 0; corner < 8; ++corner) {
    int d[3];
    double w = 1;
    for (int c = 0; c < 3; ++c) {
      d[c] = (corner >> c) & 1;
      w *= d[c] ? f[c] : 1 - f[c];
    }
    const auto v = node_value(lut, i[0] + d[0], i[1] + d[1], i[2] + d[2]);
    for (int c = 0; c < 3; ++c) out[c] += w * v[c];
  }
  return out;
}

std::array<double, 3> brute_tetrahedral(const Lut& lut, const float* rgb) {
  int i[3];
  double f[3];
  cell_of(lut, rgb, i, f);
  int order[3] = {0, 1, 2};  // axes by decreasing fraction
  std::stable_sort(order, order + 3, [&](int a, int b) { return f[a] > f[b]; });
  int corner[3] = {i[0], i[1], i[2]};
  const double weights[4] = {1 - f[order[0]], f[order[0]] - f[order[1]], f[order[1]] - f[order[2]],
                             f[order[2]]};
  std::array<double, 3> out{0, 0, 0};
  for (int step = 0; step < 4; ++step) {
    if (step > 0) ++corner[order[step - 1]];
    const auto v = node_value(lut, corner[0], corner[1], corner[2]);
    for (int c = 0; c < 3; ++c) out[c] += weights[step] * v[c];
  }
  return out;
}

std::vector<float> apply(const Lut& lut, const std::vector<float>& rgb, LutInterpolation mode) {
  std::vector<float> out(rgb.size());
  apply_lut(lut, rgb.data(), out.data(), rgb.size() / 3, mode);
  return out;
}

std::vector<float> random_colours(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> rgb(3 * n);
  for (float& v : rgb) v = uniform(rng);
  // Lattice points, cell faces and the domain edges too.
  for (float v : {0.0f, 0.5f, 1.0f, 1.0f / 3.0f}) rgb.insert(rgb.end(), {v, v, 1.0f - v});
  return rgb;
}

ErrorCode code_of(const std::function<void()>& run, std::string* message = nullptr) {
  try {
    run();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return static_cast<ErrorCode>(-1);
}

TEST(Lut, IdentityLutIsTheIdentity) {
  const std::vector<float> rgb = random_colours(2000, 1);
  for (int size : {2, 17, 33, 65}) {
    for (auto mode : {LutInterpolation::kTrilinear, LutInterpolation::kTetrahedral}) {
      const std::vector<float> out = apply(identity_lut3d(size), rgb, mode);
      for (std::size_t i = 0; i < rgb.size(); ++i) ASSERT_NEAR(out[i], rgb[i], 2e-6f) << size;
    }
  }
}

TEST(Lut, InterpolationsMatchBruteForceOnARandomLut) {
  const Lut lut = random_lut(5, 2);
  const std::vector<float> rgb = random_colours(3000, 3);
  const std::vector<float> tri = apply(lut, rgb, LutInterpolation::kTrilinear);
  const std::vector<float> tet = apply(lut, rgb, LutInterpolation::kTetrahedral);
  double tri_tet_difference = 0;
  for (std::size_t p = 0; p < rgb.size() / 3; ++p) {
    const auto expected_tri = brute_trilinear(lut, &rgb[3 * p]);
    const auto expected_tet = brute_tetrahedral(lut, &rgb[3 * p]);
    for (int c = 0; c < 3; ++c) {
      ASSERT_NEAR(tri[3 * p + c], expected_tri[c], 2e-6) << p;
      ASSERT_NEAR(tet[3 * p + c], expected_tet[c], 2e-6) << p;
      tri_tet_difference =
          std::max(tri_tet_difference, std::abs(expected_tri[c] - expected_tet[c]));
    }
  }
  // On a non-affine LUT the two interpolations really differ (so the next test means something).
  EXPECT_GT(tri_tet_difference, 0.05);
}

TEST(Lut, TrilinearAndTetrahedralAgreeOnAffineMaps) {
  // Both reproduce an affine map exactly (up to float rounding), at any size.
  const double m[3][3] = {{0.6, 0.3, -0.1}, {0.2, 0.5, 0.25}, {-0.15, 0.1, 0.9}};
  const double t[3] = {0.05, -0.02, 0.1};
  for (int size : {2, 9, 33}) {
    Lut lut = identity_lut3d(size);
    for (std::size_t k = 0; k < lut.values.size(); k += 3) {
      const double in[3] = {lut.values[k], lut.values[k + 1], lut.values[k + 2]};
      for (int c = 0; c < 3; ++c) {
        lut.values[k + c] = float(m[c][0] * in[0] + m[c][1] * in[1] + m[c][2] * in[2] + t[c]);
      }
    }
    const std::vector<float> rgb = random_colours(2000, 4);
    const std::vector<float> tri = apply(lut, rgb, LutInterpolation::kTrilinear);
    const std::vector<float> tet = apply(lut, rgb, LutInterpolation::kTetrahedral);
    for (std::size_t p = 0; p < rgb.size() / 3; ++p) {
      for (int c = 0; c < 3; ++c) {
        const double exact =
            m[c][0] * rgb[3 * p] + m[c][1] * rgb[3 * p + 1] + m[c][2] * rgb[3 * p + 2] + t[c];
        ASSERT_NEAR(tri[3 * p + c], tet[3 * p + c], 2e-6f) << size << " " << p;
        ASSERT_NEAR(tri[3 * p + c], exact, 2e-6) << size << " " << p;
      }
    }
  }
}

TEST(Lut, InputsOutsideTheDomainAreClamped) {
  const Lut lut = random_lut(4, 5);
  const std::vector<float> outside = {-0.5f, 1.5f, 0.3f, 2.0f, -1.0f, 1.0f};
  const std::vector<float> inside = {0.0f, 1.0f, 0.3f, 1.0f, 0.0f, 1.0f};
  for (auto mode : {LutInterpolation::kTrilinear, LutInterpolation::kTetrahedral}) {
    EXPECT_EQ(apply(lut, outside, mode), apply(lut, inside, mode));
  }
}

// A small photo: the target of a dev pair, reduced.
RgbImage small_photo(const std::string& pair, int width) {
  const RgbImage full = test::load_pair_image(test::pair_dir(pair), "target");
  return eight_bit(test::resize(full, width, width * full.height / full.width));
}

TEST(LutFit, RecoversAChannelSwapEverywhere) {
  // result = (g, b, r) of the target: a linear map, so it lies in the thin-plate prior's null
  // space and the fit must recover it at every lattice point, including colours the photo does
  // not contain.
  const RgbImage target = small_photo("01_pitie_scotland", 256);
  RgbImage result = target;
  for (std::size_t p = 0; p < target.pixel_count(); ++p) {
    for (int c = 0; c < 3; ++c) result.rgb[3 * p + c] = target.rgb[3 * p + (c + 1) % 3];
  }
  for (int size : {17, 33}) {
    LutFitParams params;
    params.size = size;
    const Lut lut = fit_lut(target, result, params);
    const Lut identity = identity_lut3d(size);
    double max_error = 0;
    for (std::size_t k = 0; k < lut.values.size(); k += 3) {
      for (int c = 0; c < 3; ++c) {
        max_error = std::max(
            max_error, double(std::abs(lut.values[k + c] - identity.values[k + (c + 1) % 3])));
      }
    }
    EXPECT_LT(max_error, 2e-3) << "size " << size;
    const LutFitError error =
        lut_fit_error(lut, target, result, LutInterpolation::kTrilinear, Context{2, nullptr});
    EXPECT_LT(error.mean, 0.1);
    EXPECT_LT(error.p95, 0.3);
    // The identity LUT is far from this result: the error measure is not trivially small.
    const LutFitError identity_error =
        lut_fit_error(identity, target, result, LutInterpolation::kTrilinear, Context{2, nullptr});
    EXPECT_GT(identity_error.mean, 5.0);
  }
}

TEST(LutFit, RecoversAGammaCurveWhereTheDataIs) {
  // result = target^2.2 per channel: not affine, so the prior bends it slightly; on the colours
  // the photo covers the LUT must reproduce the curve within a fraction of an 8-bit step.
  const RgbImage target = small_photo("07_kodak_kodim16_kodim12_island_beach", 256);
  RgbImage result = target;
  for (float& v : result.rgb) v = std::pow(v, 2.2f);
  LutFitParams params;
  params.size = 33;
  const Lut lut = fit_lut(target, result, params);
  const std::vector<float> mapped = apply(lut, target.rgb, LutInterpolation::kTrilinear);
  std::vector<double> errors(mapped.size());
  double sum = 0;
  for (std::size_t i = 0; i < mapped.size(); ++i) {
    errors[i] = std::abs(mapped[i] - result.rgb[i]);
    sum += errors[i];
  }
  std::sort(errors.begin(), errors.end());
  EXPECT_LT(sum / mapped.size(), 0.5 / 255) << "mean abs error";
  // Rare colours (a few pixels in a bin) weigh little against the prior, which smooths them
  // toward their neighbours' continuation: bound the 99th percentile, report the maximum.
  EXPECT_LT(errors[errors.size() * 99 / 100], 1.0 / 255) << "p99 abs error";
  std::printf("[ gamma fit ] mean %.3f/255, p99 %.3f/255, max %.3f/255\n",
              sum / mapped.size() * 255, errors[errors.size() * 99 / 100] * 255,
              errors.back() * 255);
  const LutFitError error =
      lut_fit_error(lut, target, result, LutInterpolation::kTrilinear, Context{1, nullptr});
  EXPECT_LT(error.mean, 0.3);
  EXPECT_GE(error.p95, error.mean * 0.5);
}

TEST(LutFit, DeterministicAndPooledSamplesAddUp) {
  const RgbImage target = small_photo("01_pitie_scotland", 128);
  RgbImage result = target;
  for (float& v : result.rgb) v = 1.0f - v;
  LutFitParams params;
  params.size = 17;
  const Lut once = fit_lut(target, result, params);
  EXPECT_EQ(fit_lut(target, result, params).values, once.values);
  // The same pair added twice is the same histogram up to a factor: the same LUT.
  LutFitSamples twice;
  twice.add(target, result);
  twice.add(target, result);
  const Lut pooled = fit_lut(twice, params);
  for (std::size_t i = 0; i < once.values.size(); ++i) {
    ASSERT_NEAR(pooled.values[i], once.values[i], 1e-5f);
  }
}

TEST(LutFit, BadParametersAreInvalidArgument) {
  const RgbImage image = test::random_image(8, 8, 1);
  for (int size : {0, 16, 32, 66}) {
    LutFitParams params;
    params.size = size;
    std::string message;
    EXPECT_EQ(code_of([&] { fit_lut(image, image, params); }, &message),
              ErrorCode::kInvalidArgument);
    EXPECT_NE(message.find("lutSize"), std::string::npos) << message;
  }
  LutFitParams params;
  params.smoothness = -1;
  EXPECT_EQ(code_of([&] { fit_lut(image, image, params); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { fit_lut(image, test::random_image(8, 7, 1), LutFitParams{}); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { fit_lut(LutFitSamples{}, LutFitParams{}); }),
            ErrorCode::kInvalidArgument);
}

// ---- .cube files ----

// An identity 2x2x2 .cube as a user would write it by hand, red fastest.
const char* kIdentityCube =
    "# identity, hand-written\r\n"
    "TITLE \"identity\"\r\n"
    "LUT_3D_SIZE 2\r\n"
    "\r\n"
    "0 0 0\r\n1 0 0\r\n0 1 0\r\n1 1 0\r\n"
    "0 0 1\r\n1 0 1\r\n0 1 1\r\n1 1 1\r\n";

std::string swap_cube() {
  // out = (g, b, r): each line holds the output for lattice input (r, g, b), r fastest.
  std::ostringstream text;
  text << "TITLE \"swap g b r\"\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1\nLUT_3D_SIZE 3\n";
  for (int b = 0; b < 3; ++b) {
    for (int g = 0; g < 3; ++g) {
      for (int r = 0; r < 3; ++r) text << g * 0.5 << " " << b * 0.5 << " " << r * 0.5 << "\n";
    }
  }
  return text.str();
}

TEST(Cube, ReadsAHandWrittenIdentity) {
  const Lut lut = parse_cube(kIdentityCube);
  EXPECT_EQ(lut.kind, Lut::Kind::k3d);
  EXPECT_EQ(lut.size, 2);
  EXPECT_EQ(lut.title, "identity");
  const std::vector<float> rgb = random_colours(500, 6);
  for (auto mode : {LutInterpolation::kTrilinear, LutInterpolation::kTetrahedral}) {
    const std::vector<float> out = apply(lut, rgb, mode);
    for (std::size_t i = 0; i < rgb.size(); ++i) ASSERT_NEAR(out[i], rgb[i], 1e-6f);
  }
}

TEST(Cube, ReadsAChannelSwapInRedFastestOrder) {
  const Lut lut = parse_cube(swap_cube());
  ASSERT_EQ(lut.size, 3);
  const std::vector<float> rgb = {0.1f, 0.6f, 0.9f, 1.0f, 0.0f, 0.25f};
  for (auto mode : {LutInterpolation::kTrilinear, LutInterpolation::kTetrahedral}) {
    const std::vector<float> out = apply(lut, rgb, mode);
    for (std::size_t p = 0; p < 2; ++p) {
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(out[3 * p + c], rgb[3 * p + (c + 1) % 3], 1e-6f);
    }
  }
}

TEST(Cube, ReadsA1dLutAndAResolveInputRange) {
  // Red: 0 -> 0, 0.5 -> 0.25, 1 -> 1 (piecewise linear); green inverted; blue identity.
  const Lut lut = parse_cube(
      "TITLE \"curves\"\nLUT_1D_SIZE 3\nLUT_1D_INPUT_RANGE 0.0 1.0\n"
      "0 1 0\n0.25 0.5 0.5\n1 0 1\n");
  EXPECT_EQ(lut.kind, Lut::Kind::k1d);
  const std::vector<float> out =
      apply(lut, {0.25f, 0.25f, 0.25f, 0.75f, 0.9f, 1.0f}, LutInterpolation::kTrilinear);
  const float expected[] = {0.125f, 0.75f, 0.25f, 0.625f, 0.1f, 1.0f};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(out[i], expected[i], 1e-6f) << i;
  // A 3D domain of [0, 2]: the identity lattice on it halves its inputs.
  const Lut wide = parse_cube(
      "LUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 2 2 2\n"
      "0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n");
  const std::vector<float> halved = apply(wide, {1.0f, 0.5f, 2.0f}, LutInterpolation::kTetrahedral);
  EXPECT_NEAR(halved[0], 0.5f, 1e-6f);
  EXPECT_NEAR(halved[1], 0.25f, 1e-6f);
  EXPECT_NEAR(halved[2], 1.0f, 1e-6f);
}

TEST(Cube, MalformedFilesGiveClearErrorsNamingTheLine) {
  const std::string eight = "0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n";  // 7 lines
  struct Case {
    const char* what;
    std::string text;
    const char* expected;  // substring of the message
  };
  const Case cases[] = {
      {"no size line", "TITLE \"x\"\n", "no LUT_1D_SIZE or LUT_3D_SIZE"},
      {"data before size", "0 0 0\nLUT_3D_SIZE 2\n", "line 1: data before"},
      {"size 1", "LUT_3D_SIZE 1\n", "line 1: LUT_3D_SIZE must be in 2..256"},
      {"size 300", "LUT_3D_SIZE 300\n", "line 1: LUT_3D_SIZE must be in 2..256"},
      {"size not a number", "LUT_3D_SIZE 3x\n", "line 1: LUT_3D_SIZE must be an integer"},
      {"too few lines", "LUT_3D_SIZE 2\n" + eight, "7 data lines, LUT_3D_SIZE 2 (line 1) needs 8"},
      {"too many lines", "LUT_3D_SIZE 2\n" + eight + "1 1 1\n0 0 0\n",
       "line 10: more data lines than the 8"},
      {"NaN", "LUT_3D_SIZE 2\n" + eight.substr(0, 6) + "0.5 nan 0.5\n",
       "line 3: 'nan' is not a finite"},
      {"NaN first", "LUT_1D_SIZE 2\nnan 0 0\n1 1 1\n", "line 2: 'nan' is not a finite"},
      {"infinity", "LUT_1D_SIZE 2\n0 0 0\n1 inf 1\n", "line 3: 'inf' is not a finite"},
      {"two numbers", "LUT_1D_SIZE 2\n0 0\n1 1 1\n", "line 2: expected 3 numbers, got 2"},
      {"not a number", "LUT_1D_SIZE 2\n0 0 x\n1 1 1\n", "line 2: 'x' is not a number"},
      {"1D and 3D", "LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n", "line 2: both LUT_1D_SIZE and LUT_3D_SIZE"},
      {"domain min >= max", "DOMAIN_MIN 0 0 1\nDOMAIN_MAX 1 1 1\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n",
       "domain minimum must be below the maximum"},
      {"domain and range", "DOMAIN_MIN 0 0 0\nLUT_3D_INPUT_RANGE 0 1\n",
       "line 2: LUT_3D_INPUT_RANGE together"},
      {"unknown keyword", "LUT_3D_SIZE 2\nLUT_IN_VIDEO_RANGE\n", "line 2: unknown keyword"},
      {"keyword after data", "LUT_1D_SIZE 2\n0 0 0\nTITLE \"late\"\n1 1 1\n",
       "line 3: keyword TITLE after the data"},
      {"title twice", "TITLE \"a\"\nTITLE \"b\"\n", "line 2: TITLE given twice"},
  };
  for (const Case& c : cases) {
    std::string message;
    EXPECT_EQ(code_of([&] { parse_cube(c.text); }, &message), ErrorCode::kInvalidLut) << c.what;
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.what << ": " << message;
  }
}

TEST(Cube, WriteThenReadRoundTrips) {
  Lut lut = random_lut(17, 7);
  lut.title = "round \"trip\"";
  const std::string text = write_cube(lut);
  EXPECT_NE(text.find("LUT_3D_SIZE 17\n"), std::string::npos);
  EXPECT_NE(text.find("TITLE \"round 'trip'\"\n"), std::string::npos);
  const Lut back = parse_cube(text);
  ASSERT_EQ(back.size, 17);
  ASSERT_EQ(back.values.size(), lut.values.size());
  for (std::size_t i = 0; i < lut.values.size(); ++i) {
    ASSERT_NEAR(back.values[i], lut.values[i], 5.5e-7f) << i;
  }
  EXPECT_EQ(write_cube(back), text);  // 6 decimals are a fixed point of the round trip
  Lut one_d;
  one_d.kind = Lut::Kind::k1d;
  one_d.size = 4;
  one_d.values = {0, 0, 0, 0.2f, 0.3f, 0.4f, 0.6f, 0.7f, 0.8f, 1, 1, 1};
  const Lut one_d_back = parse_cube(write_cube(one_d));
  EXPECT_EQ(one_d_back.kind, Lut::Kind::k1d);
  EXPECT_EQ(one_d_back.values, one_d.values);
}

// ---- ffmpeg ----

std::filesystem::path temporary_folder() {
  const auto base = std::filesystem::temp_directory_path() /
                    ("supercolor_lut_test_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(base);
  return base;
}

TEST(LutFfmpeg, FfmpegLut3dMatchesOurApplicationWithinOneLevel) {
  if (std::system("ffmpeg -hide_banner -version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "ffmpeg is not installed (Debian package 'ffmpeg'): cannot compare with "
                    "its lut3d filter";
  }
  // A LUT written by supercolor from a real transfer (a small dev pair), applied to the target.
  const std::string dir = test::pair_dir("01_pitie_scotland");
  const RgbImage full_target = test::load_pair_image(dir, "target");
  const RgbImage full_reference = test::load_pair_image(dir, "reference");
  const RgbImage target =
      eight_bit(test::resize(full_target, 192, 192 * full_target.height / full_target.width));
  const RgbImage reference =
      test::resize(full_reference, 160, 160 * full_reference.height / full_reference.width);
  Params params;
  params.threads = 2;
  Pipeline pipeline(params, target, reference);
  reference::run_pipeline(pipeline, reference::Vgg19Reference(), nullptr);
  LutFitParams fit;
  fit.size = 33;
  const Lut lut = fit_lut(target, pipeline.result(), fit);

  const auto folder = temporary_folder();
  const std::string cube_path = (folder / "transfer.cube").string();
  std::ofstream(cube_path) << write_cube(lut);
  write_png_file((folder / "target.png").string(), to_rgba8(target));
  // What we compare with: the LUT as ffmpeg reads it (6 decimals).
  const Lut written = parse_cube(write_cube(lut));
  for (const char* interp : {"trilinear", "tetrahedral"}) {
    const std::string out_path = (folder / (std::string(interp) + ".png")).string();
    const std::string command = "ffmpeg -hide_banner -loglevel error -y -i '" +
                                (folder / "target.png").string() +
                                "' -vf 'format=rgb24,lut3d=file=" + cube_path +
                                ":interp=" + interp + "' -pix_fmt rgb24 '" + out_path + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const Rgba8Image theirs = read_image_file(out_path);
    ASSERT_EQ(theirs.width, target.width);
    const auto mode = std::string(interp) == "trilinear" ? LutInterpolation::kTrilinear
                                                         : LutInterpolation::kTetrahedral;
    const RgbImage ours = apply_lut(written, target, mode, Context{1, nullptr});
    const Rgba8Image ours8 = to_rgba8(ours);
    int max_difference = 0;
    std::size_t same_truncated = 0, channels = 0;
    for (std::size_t p = 0; p < target.pixel_count(); ++p) {
      for (int c = 0; c < 3; ++c) {
        const int a = theirs.rgba[4 * p + c], b = ours8.rgba[4 * p + c];
        max_difference = std::max(max_difference, std::abs(a - b));
        // ffmpeg 5.1's 8-bit path stores av_clip_uint8(v * 255.f): it truncates toward zero
        // rather than rounding (vf_lut3d.c, DEFINE_INTERP_FUNC).
        const int truncated = std::clamp(static_cast<int>(ours.rgb[3 * p + c] * 255.0f), 0, 255);
        same_truncated += truncated == a;
        ++channels;
      }
    }
    EXPECT_LE(max_difference, 1) << interp << ": more than 1/255 from ffmpeg";
    const double truncation_agreement = double(same_truncated) / channels;
    std::printf("[ ffmpeg %-11s] max difference %d/255 (rounded); truncated matches %.4f%%\n",
                interp, max_difference, 100.0 * truncation_agreement);
    EXPECT_GT(truncation_agreement, 0.99) << interp;
  }
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace supercolor
