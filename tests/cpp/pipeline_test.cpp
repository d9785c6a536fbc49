// The stages together: parameter validation, stage order, cancellation, and the method end to
// end on 01_pitie_scotland with features from the reference VGG-19 convolution.
#include "core/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <set>

#include "core/colorspace.h"
#include "core/error.h"
#include "core/resample.h"
#include "native_pipeline.h"
#include "test_support.h"

namespace supercolor {
namespace {

ErrorCode error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no supercolor::Error thrown";
  return ErrorCode::kBadState;
}

using test::lab_of;
using test::ssim;

TEST(Pipeline, DefaultsAreTheDesignsDefaults) {
  const Params params;
  EXPECT_EQ(params.slic.superpixels, 0);
  EXPECT_EQ(params.slic.compactness, 10.0f);
  EXPECT_EQ(params.slic.iterations, 10);
  EXPECT_EQ(params.layers, std::vector<std::string>{"relu1_2"});
  EXPECT_FLOAT_EQ(params.attention.tau, 0.02f);
  EXPECT_EQ(params.fusion.delta_s, 10.0);
  EXPECT_EQ(params.fusion.delta_c, 0.1);
  EXPECT_EQ(params.fusion.epsilon, 1e-4);
  EXPECT_EQ(params.fusion.sigma_g, 0.0);
  EXPECT_EQ(params.fusion.radius, 0.3);
  EXPECT_EQ(params.regrain_mode, RegrainMode::kRobust);
  EXPECT_EQ(params.regrain.smoothness, 1.0);
  EXPECT_EQ(params.regrain.iterations, (std::vector<int>{4, 16, 32, 64, 64, 64}));
  EXPECT_NO_THROW(validate_params(params));
}

TEST(Pipeline, BadParametersThrowInvalidArgument) {
  const RgbImage image = test::smooth_image(40, 30, 1);
  const auto check = [&](const std::function<void(Params&)>& change) {
    Params params;
    change(params);
    EXPECT_EQ(error_of([&] { Pipeline(params, image, image); }), ErrorCode::kInvalidArgument);
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  check([](Params& p) { p.attention.tau = 0; });
  check([](Params& p) { p.attention.tau = -1; });
  check([&](Params& p) { p.attention.tau = nan; });
  check([](Params& p) { p.slic.superpixels = -1; });
  check([](Params& p) { p.slic.superpixels = 40 * 30 + 1; });  // K > n
  check([&](Params& p) { p.slic.compactness = nan; });
  check([](Params& p) { p.slic.iterations = 0; });
  check([&](Params& p) { p.fusion.delta_s = nan; });
  check([](Params& p) { p.fusion.delta_c = 0; });
  check([](Params& p) { p.fusion.sigma_g = -1; });
  check([](Params& p) { p.fusion.radius = 0; });
  check([](Params& p) { p.regrain.smoothness = 0; });
  check([](Params& p) { p.regrain.iterations = {}; });
  check([](Params& p) { p.threads = 0; });
  check([](Params& p) { p.layers = {}; });
  check([](Params& p) { p.layers = {"relu9_9"}; });
  check([](Params& p) { p.layers = {"relu1_2", "relu1_2"}; });
}

TEST(Pipeline, BadImagesThrow) {
  const RgbImage good = test::smooth_image(20, 20, 2);
  EXPECT_EQ(error_of([&] { Pipeline(Params{}, RgbImage{}, good); }), ErrorCode::kInvalidArgument);
  RgbImage short_buffer = good;
  short_buffer.rgb.pop_back();
  EXPECT_EQ(error_of([&] { Pipeline(Params{}, good, short_buffer); }), ErrorCode::kInvalidArgument);
  RgbImage with_nan = good;
  with_nan.rgb[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(error_of([&] { Pipeline(Params{}, with_nan, good); }), ErrorCode::kInvalidArgument);
  RgbImage huge;
  huge.width = 40000;
  huge.height = 2;
  EXPECT_EQ(error_of([&] { Pipeline(Params{}, huge, good); }), ErrorCode::kImageTooLarge);
}

TEST(Pipeline, StagesOutOfOrderThrowBadState) {
  const RgbImage image = test::smooth_image(32, 24, 3);
  Pipeline pipeline(Params{}, image, image);
  EXPECT_EQ(error_of([&] { pipeline.match(); }), ErrorCode::kBadState);
  EXPECT_EQ(error_of([&] { pipeline.fuse(); }), ErrorCode::kBadState);
  EXPECT_EQ(error_of([&] { pipeline.result(); }), ErrorCode::kBadState);
  pipeline.segment();
  EXPECT_FALSE(pipeline.features_complete());
  EXPECT_EQ(error_of([&] { pipeline.match(); }), ErrorCode::kBadState);
  EXPECT_EQ(error_of([&] {
              const float x = 0;
              pipeline.add_feature_tile(Side::kTarget, 3, 0, 0, 1, 1, &x, 1, 1);
            }),
            ErrorCode::kInvalidArgument);
}

TEST(Pipeline, CancellationThrowsAndLeavesThePipelineUsable) {
  const RgbImage image = test::smooth_image(64, 48, 4);
  Pipeline pipeline(Params{}, image, image);
  std::atomic<bool> cancel{true};
  pipeline.set_cancel_flag(&cancel);
  EXPECT_EQ(error_of([&] { pipeline.segment(); }), ErrorCode::kCancelled);
  cancel = false;
  EXPECT_NO_THROW(pipeline.segment());
  EXPECT_GT(pipeline.segmentation(Side::kTarget).count, 1);
}

TEST(Pipeline, EndToEndOnScotlandRecoloursTowardTheReference) {
  const std::string dir = test::pair_dir("01_pitie_scotland");
  const RgbImage target = test::load_pair_image(dir, "target");
  const RgbImage reference = test::load_pair_image(dir, "reference");
  Params params;
  params.threads = 2;
  Pipeline pipeline(params, target, reference);
  std::set<std::string> stages_seen;
  pipeline.set_progress([&](Stage stage, double fraction) {
    EXPECT_GE(fraction, 0.0);
    EXPECT_LE(fraction, 1.0);
    stages_seen.insert(stage_name(stage));
  });
  const reference::Vgg19Reference vgg;
  EXPECT_NEAR(vgg.conv1_1_bias()[0], 0.73018f, 1e-5f);
  reference::run_pipeline(pipeline, vgg, nullptr);
  EXPECT_EQ(stages_seen,
            (std::set<std::string>{"segment", "features", "match", "fuse", "regrain", "upsample"}));

  const RgbImage& out = pipeline.result();
  ASSERT_EQ(out.width, target.width);
  ASSERT_EQ(out.height, target.height);
  double mean_abs_change = 0;
  for (std::size_t i = 0; i < out.rgb.size(); ++i) {
    ASSERT_GE(out.rgb[i], 0.0f);
    ASSERT_LE(out.rgb[i], 1.0f);
    mean_abs_change += std::abs(out.rgb[i] - target.rgb[i]);
  }
  mean_abs_change /= out.rgb.size();
  EXPECT_GT(mean_abs_change, 0.02) << "the output should differ from the target";

  const std::vector<float> lab_out = lab_of(out), lab_target = lab_of(target),
                           lab_reference = lab_of(reference);
  std::vector<double> l_out(out.pixel_count()), l_target(out.pixel_count());
  for (std::size_t p = 0; p < out.pixel_count(); ++p) {
    l_out[p] = lab_out[3 * p];
    l_target[p] = lab_target[3 * p];
  }
  const double structure = ssim(l_out, l_target, out.width, out.height);
  EXPECT_GE(structure, 0.8) << "SSIM of L* vs the target";

  const auto mean_channel = [](const std::vector<float>& lab, int c) {
    double sum = 0;
    for (std::size_t p = c; p < lab.size(); p += 3) sum += lab[p];
    return sum / (lab.size() / 3);
  };
  for (int c : {1, 2}) {
    const double before = std::abs(mean_channel(lab_target, c) - mean_channel(lab_reference, c));
    const double after = std::abs(mean_channel(lab_out, c) - mean_channel(lab_reference, c));
    EXPECT_LT(after, before) << (c == 1 ? "a*" : "b*") << " mean should move toward the reference";
  }
  std::cout << "scotland: SSIM(L) " << structure << ", mean |change| " << mean_abs_change << "\n";
}

}  // namespace
}  // namespace supercolor

namespace supercolor {
namespace {

// Runs the whole method (reference VGG features) and returns the full-size output.
Rgba8Image run_to_output(const Params& params, const Rgba8Image& target,
                         const Rgba8Image& reference) {
  Pipeline pipeline(params, target, reference);
  const reference::Vgg19Reference vgg;
  reference::run_pipeline(pipeline, vgg, nullptr);
  return pipeline.output();
}

TEST(WorkingResolution, AtOrBelowTheWorkingSizeTheOutputIsTheFullResolutionMethods) {
  const Rgba8Image target = to_rgba8(test::smooth_image(120, 90, 21));
  const Rgba8Image reference = to_rgba8(test::smooth_image(100, 80, 22));
  Params full;
  full.analysis_megapixels = std::numeric_limits<double>::infinity();
  Params working;  // default working size, far above 120x90
  Params exact;    // a working size exactly the target's pixel count
  exact.analysis_megapixels = 120 * 90 / 1e6;
  const Rgba8Image a = run_to_output(full, target, reference);
  EXPECT_EQ(a.rgba, run_to_output(working, target, reference).rgba);
  EXPECT_EQ(a.rgba, run_to_output(exact, target, reference).rgba);
}

TEST(WorkingResolution, AboveTheWorkingSizeAnalysisIsReducedAndTheOutputIsFullSize) {
  Rgba8Image target = to_rgba8(test::smooth_image(240, 160, 23));
  for (std::size_t p = 0; p < target.pixel_count(); ++p)
    target.rgba[4 * p + 3] = static_cast<uint8_t>(255 - p % 7);
  const Rgba8Image reference = to_rgba8(test::smooth_image(200, 150, 24));
  Params params;
  params.analysis_megapixels = 0.01;  // 10 000 px
  Pipeline pipeline(params, target, reference);
  EXPECT_TRUE(pipeline.target_reduced());
  EXPECT_LE(pipeline.image(Side::kTarget).pixel_count(), 10000u);
  EXPECT_LE(pipeline.image(Side::kReference).pixel_count(), 10000u);
  EXPECT_NEAR(static_cast<double>(pipeline.image(Side::kTarget).width) /
                  pipeline.image(Side::kTarget).height,
              1.5, 0.02);
  std::set<std::string> stages;
  pipeline.set_progress([&](Stage stage, double) { stages.insert(stage_name(stage)); });
  const reference::Vgg19Reference vgg;
  reference::run_pipeline(pipeline, vgg, nullptr);
  EXPECT_TRUE(stages.count("upsample"));
  const Rgba8Image& out = pipeline.output();
  ASSERT_EQ(out.width, 240);
  ASSERT_EQ(out.height, 160);
  double change = 0;
  for (std::size_t p = 0; p < out.pixel_count(); ++p) {
    ASSERT_EQ(out.rgba[4 * p + 3], target.rgba[4 * p + 3]) << "alpha is the target's";
    for (int c = 0; c < 3; ++c) change += std::abs(out.rgba[4 * p + c] - target.rgba[4 * p + c]);
  }
  EXPECT_GT(change / (3 * out.pixel_count()), 2.0) << "the output is recoloured (8-bit levels)";
  // The full-size output agrees with the working-size result where both exist: reduced
  // to the analysis size, it is within a few levels of result().
  const RgbImage reduced = area_reduce(
      out, ImageSize{pipeline.image(Side::kTarget).width, pipeline.image(Side::kTarget).height},
      Context{});
  double difference = 0;
  for (std::size_t i = 0; i < reduced.rgb.size(); ++i)
    difference += std::abs(reduced.rgb[i] - pipeline.result().rgb[i]);
  EXPECT_LT(difference / reduced.rgb.size() * 255, 2.0);
}

TEST(WorkingResolution, FullResolutionAnalysisPastItsLimitFailsAtOnce) {
  Params params;
  params.analysis_megapixels = std::numeric_limits<double>::infinity();
  const int side = 4096;  // 16.8 MP > kMaxAnalysisPixels
  Rgba8Image big{side, side, std::vector<uint8_t>(4ull * side * side, 128)};
  const Rgba8Image small = to_rgba8(test::smooth_image(64, 64, 1));
  try {
    Pipeline pipeline(params, big, small);
    ADD_FAILURE() << "accepted a " << side << "x" << side << " full-resolution analysis";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kImageTooLarge);
    EXPECT_NE(std::string(e.what()).find("analysisMegapixels"), std::string::npos) << e.what();
  }
  // The same image at the default working size is accepted.
  EXPECT_NO_THROW(Pipeline(Params{}, big, small));
}

}  // namespace
}  // namespace supercolor

namespace supercolor {
namespace {

// Re-runs on the same pair: update_params names the first stage to run again, and the output
// equals a fresh run with the new parameters, bit for bit.
TEST(PipelineRerun, LaterStagesRerunAloneAndEqualAFreshRun) {
  const Rgba8Image target = to_rgba8(test::smooth_image(96, 72, 31));
  const Rgba8Image reference = to_rgba8(test::smooth_image(80, 64, 32));
  const reference::Vgg19Reference vgg;
  Pipeline pipeline(Params{}, target, reference);
  reference::run_pipeline(pipeline, vgg, nullptr);

  const auto fresh = [&](const Params& params) {
    Pipeline other(params, target, reference);
    reference::run_pipeline(other, vgg, nullptr);
    return other.output().rgba;
  };
  struct Case {
    const char* what;
    std::function<void(Params&)> change;
    Stage first;
  };
  const Case cases[] = {
      {"tau", [](Params& p) { p.attention.tau = 0.05f; }, Stage::kMatch},
      {"deltaS", [](Params& p) { p.fusion.delta_s = 5; }, Stage::kFuse},
      {"regrain", [](Params& p) { p.regrain_mode = RegrainMode::kPitie; }, Stage::kRegrain},
      {"strength", [](Params& p) { p.grading.strength = 0.5; }, Stage::kUpsample},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Params params;
    c.change(params);
    EXPECT_EQ(pipeline.update_params(params), c.first);
    std::set<std::string> stages;
    pipeline.set_progress([&](Stage stage, double) { stages.insert(stage_name(stage)); });
    // Run from the first stage to redo.
    if (c.first == Stage::kMatch) pipeline.match();
    if (c.first <= Stage::kFuse) pipeline.fuse();
    if (c.first <= Stage::kRegrain) pipeline.finish();
    pipeline.upsample();
    pipeline.set_progress(nullptr);
    EXPECT_FALSE(stages.count("segment"));
    EXPECT_FALSE(stages.count("features"));
    EXPECT_EQ(pipeline.output().rgba, fresh(params));
    EXPECT_EQ(pipeline.update_params(Params{}), c.first) << "back to the defaults";
    if (c.first == Stage::kMatch) pipeline.match();
    if (c.first <= Stage::kFuse) pipeline.fuse();
    if (c.first <= Stage::kRegrain) pipeline.finish();
    pipeline.upsample();
  }
  // SLIC or working size: nothing is kept, and the pipeline is left as it was.
  Params slic;
  slic.slic.compactness = 20;
  EXPECT_EQ(pipeline.update_params(slic), Stage::kSegment);
  EXPECT_EQ(pipeline.params().slic.compactness, 10.0f);
  EXPECT_NO_THROW(pipeline.output());
  // A bad value changes nothing.
  Params bad;
  bad.attention.tau = -1;
  EXPECT_THROW(pipeline.update_params(bad), Error);
  EXPECT_NO_THROW(pipeline.output());
}

// Other layers keep the segmentation: update_params says kFeatures, the new layers' tiles are
// added to fresh poolers, and the output equals a fresh run with those layers, bit for bit.
TEST(PipelineRerun, LayersRerunFromFeaturesAndEqualAFreshRun) {
  const Rgba8Image target = to_rgba8(test::smooth_image(96, 72, 33));
  const Rgba8Image reference = to_rgba8(test::smooth_image(80, 64, 34));
  const reference::Vgg19Reference vgg;
  Pipeline pipeline(Params{}, target, reference);
  reference::run_pipeline(pipeline, vgg, nullptr);
  const std::vector<int32_t> labels = pipeline.segmentation(Side::kTarget).labels;

  Params params;
  params.layers = {"relu1_2", "relu2_1"};
  ASSERT_EQ(pipeline.update_params(params), Stage::kFeatures);
  EXPECT_FALSE(pipeline.features_complete()) << "the new layers' poolers start empty";
  EXPECT_THROW(pipeline.match(), Error) << "match() needs every tile of the new layers";
  std::set<std::string> stages;
  pipeline.set_progress([&](Stage stage, double) { stages.insert(stage_name(stage)); });
  const Context ctx{1, nullptr};
  for (Side side : {Side::kTarget, Side::kReference}) {
    for (std::size_t l = 0; l < params.layers.size(); ++l) {
      const auto map = vgg.features(pipeline.image(side), params.layers[l], ctx);
      pipeline.add_feature_tile(side, static_cast<int>(l), 0, 0, map.height, map.width,
                                map.data.data(), std::size_t(map.width),
                                std::size_t(map.width) * map.height);
    }
  }
  pipeline.match();
  pipeline.fuse();
  pipeline.finish();
  pipeline.upsample();
  pipeline.set_progress(nullptr);
  EXPECT_FALSE(stages.count("segment"));
  EXPECT_TRUE(stages.count("features"));
  EXPECT_EQ(pipeline.segmentation(Side::kTarget).labels, labels);

  Pipeline fresh(params, target, reference);
  reference::run_pipeline(fresh, vgg, nullptr);
  EXPECT_EQ(pipeline.output().rgba, fresh.output().rgba);
}

}  // namespace
}  // namespace supercolor
