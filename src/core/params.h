// The method's parameters: one table, the single source of truth for every parameter's name,
// type, default, range and meaning (method.md §1). The wasm bindings read JS objects
// through it, the native CLI reads `--kebab-name value` through it, and the TypeScript types,
// defaults and validation of the npm package are generated from param_schema_json()
// (tools/gen-params.mjs; a test checks the generated file against the module).
//
// Adding a parameter: add the field to Params (with its default), one row to the table in
// params.cpp, and use it where the method needs it.
#pragma once

#include <string>
#include <vector>

#include "attention.h"
#include "fusion.h"
#include "grading.h"
#include "regrain.h"
#include "slic.h"

namespace supercolor {

// Every parameter of method.md §1 with its default.
struct Params {
  SlicParams slic;  // K (0 = round(3 sqrt(n))), m = 10, 10 iterations
  std::vector<std::string> layers = {"relu1_2"};
  AttentionParams attention;  // tau = 0.02
  FusionParams fusion;        // delta_s 10, delta_c 0.1, eps 1e-4, sigma_g adaptive, radius 0.3
  RegrainMode regrain_mode = RegrainMode::kRobust;
  RegrainParams regrain;  // smoothness 1, iterations 4,16,32,64,64,64
  // Working resolution (method.md §1.9): images above this many megapixels (10^6 px) are
  // analysed (stages 1-6) on an antialiased reduction to it, and the transfer is carried to full
  // resolution; +infinity analyses at full resolution.
  double analysis_megapixels = 1.5;
  // Grading (method.md §1.10, grading.h): strength in [0,1] of the transfer, blended in CIELab,
  // and keep-luminance (the target's L*, the result's a*b*). Applied at full resolution.
  GradingParams grading;
  // Execution, not a parameter of the method: threads of parallel_for (results do not depend on
  // it). Not in the table.
  int threads = 1;
};

// A parameter value as it comes from JS or a command line.
struct ParamValue {
  enum class Kind { kNumber, kBoolean, kString, kNumberList, kStringList };
  Kind kind = Kind::kNumber;
  double number = 0;
  bool boolean = false;
  std::string string;
  std::vector<double> numbers;
  std::vector<std::string> strings;

  static ParamValue of(double v);
  static ParamValue of_bool(bool v);
  static ParamValue of(std::string v);
  static ParamValue of(std::vector<double> v);
  static ParamValue of(std::vector<std::string> v);
};

enum class ParamType {
  kInteger,      // a whole number in [min, max]
  kNumber,       // a finite number in [min, max] (or (min, max] when min_exclusive)
  kBoolean,      // true / false
  kChoice,       // one string of `choices`
  kIntegerList,  // 1..max_length whole numbers, each in [min, max]
  kChoiceList,   // 1..max_length distinct strings of `choices`
};

// One row of the table.
struct ParamSpec {
  ParamSpec(const char* name_, ParamType type_) : name(name_), type(type_) {}

  const char* name;  // JS name (camelCase); the CLI flag is its kebab-case (--delta-s)
  ParamType type;
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  bool allow_infinity = false;    // kNumber: +Infinity accepted ("inf" on a command line)
  const char* keyword = nullptr;  // kNumber: a string accepted instead of a number...
  double keyword_value = 0;       // ...and the number that stands for it in Params
  std::vector<std::string> choices;
  int max_length = 0;    // lists
  const char* doc = "";  // one line, units and meaning, shown in generated types and --help
  ParamValue (*get)(const Params&) = nullptr;
  void (*set)(Params&, const ParamValue&) = nullptr;
};

// The table, in a stable order.
const std::vector<ParamSpec>& param_specs();
// The row named `name` (camelCase), or nullptr.
const ParamSpec* find_param(const std::string& name);

// Checks `value` against the row of `name` and stores it. Throws Error(kInvalidArgument) naming
// the parameter for an unknown name, a wrong type or a value out of range.
void set_param(Params& params, const std::string& name, const ParamValue& value);

// Parses a command-line string for the row of `name` (numbers, "inf", the keyword, true/false,
// comma-separated lists) and sets it. Same errors as set_param.
void set_param_from_text(Params& params, const std::string& name, const std::string& text);

// Checks every parameter against the table (and `threads` in [1, 256]). Throws
// Error(kInvalidArgument) naming the first bad value. Image-dependent checks (K <= n) happen in
// Pipeline's constructor.
void validate_params(const Params& params);

// The table as JSON: [{name, type, default, min, max, minExclusive, allowInfinity, keyword,
// choices, maxLength, doc}, ...] with "integer" | "number" | "boolean" | "choice" |
// "integerList" | "choiceList" as type; default is the value of Params{} (Infinity as the
// string "Infinity", a keyword default as the keyword).
std::string param_schema_json();

// "deltaS" -> "delta-s".
std::string kebab_case(const std::string& camel);

}  // namespace supercolor
