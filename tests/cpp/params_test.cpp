// The parameter table (src/core/params.h): defaults, checks, text parsing, schema.
#include "core/params.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "core/error.h"

namespace supercolor {
namespace {

ErrorCode error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorCode::kBadState;
}

TEST(Params, EveryDefaultPassesItsOwnRow) {
  const Params defaults;
  EXPECT_NO_THROW(validate_params(defaults));
  std::set<std::string> names;
  for (const ParamSpec& spec : param_specs()) {
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name << " appears twice";
    ASSERT_NE(spec.get, nullptr) << spec.name;
    ASSERT_NE(spec.set, nullptr) << spec.name;
    EXPECT_NE(std::string(spec.doc), "") << spec.name;
    // The default passes the row's checks, and reads back unchanged through the table.
    Params p;
    set_param(p, spec.name, spec.get(defaults));
    const ParamValue a = spec.get(p), b = spec.get(defaults);
    EXPECT_TRUE(a.kind == b.kind && a.number == b.number && a.boolean == b.boolean &&
                a.string == b.string && a.numbers == b.numbers && a.strings == b.strings)
        << spec.name;
  }
}

TEST(Params, SetParamStoresInTheMethodsStructs) {
  Params p;
  set_param(p, "tau", ParamValue::of(0.05));
  set_param(p, "deltaS", ParamValue::of(3.0));
  set_param(p, "sigmaG", ParamValue::of(std::string("adaptive")));
  set_param(p, "fusionRadius", ParamValue::of(std::numeric_limits<double>::infinity()));
  set_param(p, "layers", ParamValue::of(std::vector<std::string>{"relu2_1", "relu1_2"}));
  set_param(p, "regrain", ParamValue::of(std::string("none")));
  set_param(p, "regrainIterations", ParamValue::of(std::vector<double>{2, 3}));
  set_param(p, "analysisMegapixels", ParamValue::of(0.5));
  EXPECT_FLOAT_EQ(p.attention.tau, 0.05f);
  EXPECT_EQ(p.fusion.delta_s, 3.0);
  EXPECT_EQ(p.fusion.sigma_g, 0.0);
  EXPECT_TRUE(std::isinf(p.fusion.radius));
  EXPECT_EQ(p.layers, (std::vector<std::string>{"relu2_1", "relu1_2"}));
  EXPECT_EQ(p.regrain_mode, RegrainMode::kNone);
  EXPECT_EQ(p.regrain.iterations, (std::vector<int>{2, 3}));
  EXPECT_EQ(p.analysis_megapixels, 0.5);
  EXPECT_NO_THROW(validate_params(p));
}

TEST(Params, BadValuesAreRejectedNamingTheParameter) {
  const auto rejects = [](const std::string& name, const ParamValue& value) {
    Params p;
    try {
      set_param(p, name, value);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      return;
    }
    ADD_FAILURE() << name << " accepted a bad value";
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  rejects("tau", ParamValue::of(0.0));
  rejects("tau", ParamValue::of(-1.0));
  rejects("tau", ParamValue::of(nan));
  rejects("tau", ParamValue::of(inf));  // Infinity only where the row allows it
  rejects("tau", ParamValue::of(std::string("adaptive")));
  rejects("sigmaG", ParamValue::of(std::string("fixed")));
  rejects("superpixels", ParamValue::of(-1.0));
  rejects("superpixels", ParamValue::of(2.5));
  rejects("slicIterations", ParamValue::of(0.0));
  rejects("layers", ParamValue::of(std::vector<std::string>{}));
  rejects("layers", ParamValue::of(std::vector<std::string>{"relu9_9"}));
  rejects("layers", ParamValue::of(std::vector<std::string>{"relu1_2", "relu1_2"}));
  rejects("regrain", ParamValue::of(std::string("sometimes")));
  rejects("regrain", ParamValue::of_bool(true));
  rejects("regrainIterations", ParamValue::of(std::vector<double>{}));
  rejects("regrainIterations", ParamValue::of(std::vector<double>{4, 0}));
  rejects("analysisMegapixels", ParamValue::of(0.0));
  rejects("compactness", ParamValue::of_bool(false));
  Params p;
  EXPECT_EQ(error_of([&] { set_param(p, "tauu", ParamValue::of(1.0)); }),
            ErrorCode::kInvalidArgument);
  // validate_params catches values set directly in the structs.
  p.fusion.delta_c = -1;
  EXPECT_EQ(error_of([&] { validate_params(p); }), ErrorCode::kInvalidArgument);
}

TEST(Params, TextParsingFollowsTheRowTypes) {
  Params p;
  set_param_from_text(p, "fusionRadius", "inf");
  set_param_from_text(p, "sigmaG", "0.5");
  set_param_from_text(p, "layers", "relu1_2,relu2_2");
  set_param_from_text(p, "regrainIterations", "1,2,3");
  set_param_from_text(p, "superpixels", "300");
  EXPECT_TRUE(std::isinf(p.fusion.radius));
  EXPECT_EQ(p.fusion.sigma_g, 0.5);
  EXPECT_EQ(p.layers, (std::vector<std::string>{"relu1_2", "relu2_2"}));
  EXPECT_EQ(p.regrain.iterations, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(p.slic.superpixels, 300);
  EXPECT_EQ(error_of([&] { set_param_from_text(p, "tau", "0.02x"); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { set_param_from_text(p, "tau", ""); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(kebab_case("deltaS"), "delta-s");
  EXPECT_EQ(kebab_case("analysisMegapixels"), "analysis-megapixels");
}

TEST(Params, SchemaJsonListsEveryRowWithItsDefault) {
  const std::string json = param_schema_json();
  for (const ParamSpec& spec : param_specs()) {
    EXPECT_NE(json.find("{\"name\":\"" + std::string(spec.name) + "\""), std::string::npos)
        << spec.name;
  }
  EXPECT_NE(json.find("\"name\":\"tau\",\"type\":\"number\",\"default\":0.02,"), std::string::npos)
      << "tau is stored as float; its default is written as the shortest text of that float";
  EXPECT_NE(json.find("\"name\":\"sigmaG\",\"type\":\"number\",\"default\":\"adaptive\""),
            std::string::npos);
  EXPECT_NE(json.find("\"default\":[\"relu1_2\"]"), std::string::npos);
}

}  // namespace
}  // namespace supercolor
