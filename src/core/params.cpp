#include "params.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "error.h"
#include "layers.h"

namespace supercolor {

ParamValue ParamValue::of(double v) {
  ParamValue p;
  p.kind = Kind::kNumber;
  p.number = v;
  return p;
}
ParamValue ParamValue::of_bool(bool v) {
  ParamValue p;
  p.kind = Kind::kBoolean;
  p.boolean = v;
  return p;
}
ParamValue ParamValue::of(std::string v) {
  ParamValue p;
  p.kind = Kind::kString;
  p.string = std::move(v);
  return p;
}
ParamValue ParamValue::of(std::vector<double> v) {
  ParamValue p;
  p.kind = Kind::kNumberList;
  p.numbers = std::move(v);
  return p;
}
ParamValue ParamValue::of(std::vector<std::string> v) {
  ParamValue p;
  p.kind = Kind::kStringList;
  p.strings = std::move(v);
  return p;
}

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kIntMax = 2147483647.0;

std::vector<std::string> layer_names() {
  std::vector<std::string> names;
  for (const LayerInfo& layer : all_layers()) names.push_back(layer.name);
  return names;
}

// The table. Ranges that the method needs (> 0 for scales, [0,1] for strength) are the method's;
// upper bounds on counts only keep indices and run times sane.
std::vector<ParamSpec> make_specs() {
  std::vector<ParamSpec> specs;
  auto add = [&](ParamSpec spec) { specs.push_back(std::move(spec)); };
  {
    ParamSpec s{"superpixels", ParamType::kInteger};
    s.min = 0;
    s.max = kIntMax;
    s.doc = "SLIC superpixels K requested per image; 0 = round(3*sqrt(H*W)) (method.md §1.1)";
    s.get = [](const Params& p) { return ParamValue::of(p.slic.superpixels); };
    s.set = [](Params& p, const ParamValue& v) { p.slic.superpixels = static_cast<int>(v.number); };
    add(s);
  }
  {
    ParamSpec s{"compactness", ParamType::kNumber};
    s.min = 0;
    s.min_exclusive = true;
    s.max = 1e6;
    s.doc = "SLIC compactness m (method.md §1.1)";
    s.get = [](const Params& p) { return ParamValue::of(p.slic.compactness); };
    s.set = [](Params& p, const ParamValue& v) {
      p.slic.compactness = static_cast<float>(v.number);
    };
    add(s);
  }
  {
    ParamSpec s{"slicIterations", ParamType::kInteger};
    s.min = 1;
    s.max = 1000;
    s.doc = "SLIC iterations";
    s.get = [](const Params& p) { return ParamValue::of(p.slic.iterations); };
    s.set = [](Params& p, const ParamValue& v) { p.slic.iterations = static_cast<int>(v.number); };
    add(s);
  }
  {
    ParamSpec s{"layers", ParamType::kChoiceList};
    s.choices = layer_names();
    s.max_length = static_cast<int>(s.choices.size());
    s.doc =
        "VGG-19 layers whose features are matched; several are L2-normalised per superpixel and "
        "concatenated (method.md §1.2)";
    s.get = [](const Params& p) { return ParamValue::of(p.layers); };
    s.set = [](Params& p, const ParamValue& v) { p.layers = v.strings; };
    add(s);
  }
  {
    ParamSpec s{"tau", ParamType::kNumber};
    s.min = 0;
    s.min_exclusive = true;
    s.max = 1e6;
    s.doc = "attention softmax temperature tau (eq. 1)";
    s.get = [](const Params& p) { return ParamValue::of(p.attention.tau); };
    s.set = [](Params& p, const ParamValue& v) { p.attention.tau = static_cast<float>(v.number); };
    add(s);
  }
  {
    ParamSpec s{"deltaS", ParamType::kNumber};
    s.min = 0;
    s.min_exclusive = true;
    s.max = 1e6;
    s.doc = "spatial scale delta_s of Sigma_i (eq. 6)";
    s.get = [](const Params& p) { return ParamValue::of(p.fusion.delta_s); };
    s.set = [](Params& p, const ParamValue& v) { p.fusion.delta_s = v.number; };
    add(s);
  }
  {
    ParamSpec s{"deltaC", ParamType::kNumber};
    s.min = 0;
    s.min_exclusive = true;
    s.max = 1e6;
    s.doc = "colour scale delta_c of Sigma_i (eq. 6)";
    s.get = [](const Params& p) { return ParamValue::of(p.fusion.delta_c); };
    s.set = [](Params& p, const ParamValue& v) { p.fusion.delta_c = v.number; };
    add(s);
  }
  {
    ParamSpec s{"epsilon", ParamType::kNumber};
    s.min = 0;
    s.min_exclusive = true;
    s.max = 1;
    s.doc = "ridge epsilon added to Sigma_i (method.md §1.6)";
    s.get = [](const Params& p) { return ParamValue::of(p.fusion.epsilon); };
    s.set = [](Params& p, const ParamValue& v) { p.fusion.epsilon = v.number; };
    add(s);
  }
  {
    ParamSpec s{"sigmaG", ParamType::kNumber};
    s.min = 0;
    s.min_exclusive = true;
    s.max = 1e12;
    s.keyword = "adaptive";
    s.keyword_value = 0;
    s.doc =
        "fusion bandwidth sigma_g (eq. 5): 'adaptive' = per pixel min_i D_i(p) + 1e-5, or a "
        "fixed value > 0";
    s.get = [](const Params& p) {
      return p.fusion.sigma_g == 0 ? ParamValue::of(std::string("adaptive"))
                                   : ParamValue::of(p.fusion.sigma_g);
    };
    s.set = [](Params& p, const ParamValue& v) { p.fusion.sigma_g = v.number; };
    add(s);
  }
  {
    ParamSpec s{"fusionRadius", ParamType::kNumber};
    s.min = 0;
    s.min_exclusive = true;
    s.max = 1e6;
    s.allow_infinity = true;
    s.doc =
        "fusion neighbourhood radius in normalised coordinates; Infinity = every superpixel "
        "(literal eq. 4)";
    s.get = [](const Params& p) { return ParamValue::of(p.fusion.radius); };
    s.set = [](Params& p, const ParamValue& v) { p.fusion.radius = v.number; };
    add(s);
  }
  {
    ParamSpec s{"regrain", ParamType::kChoice};
    s.choices = {"robust", "pitie", "none"};
    s.doc =
        "post-processing that restores the target's detail: 'robust' (grey, flat, small and dark "
        "inputs handled, method.md §1.7), 'pitie' (Pitie et al. 2005, the paper's) or 'none'";
    s.get = [](const Params& p) {
      return ParamValue::of(std::string(regrain_mode_name(p.regrain_mode)));
    };
    s.set = [](Params& p, const ParamValue& v) { p.regrain_mode = parse_regrain_mode(v.string); };
    add(s);
  }
  {
    ParamSpec s{"regrainSmoothness", ParamType::kNumber};
    s.min = 0;
    s.min_exclusive = true;
    s.max = 1e6;
    s.doc = "regrain smoothness (Pitie's regrain.m)";
    s.get = [](const Params& p) { return ParamValue::of(p.regrain.smoothness); };
    s.set = [](Params& p, const ParamValue& v) { p.regrain.smoothness = v.number; };
    add(s);
  }
  {
    ParamSpec s{"regrainIterations", ParamType::kIntegerList};
    s.min = 1;
    s.max = 10000;
    s.max_length = 16;
    s.doc = "regrain Jacobi iterations per level, finest first (bounds the number of levels)";
    s.get = [](const Params& p) {
      return ParamValue::of(
          std::vector<double>(p.regrain.iterations.begin(), p.regrain.iterations.end()));
    };
    s.set = [](Params& p, const ParamValue& v) {
      p.regrain.iterations.assign(v.numbers.begin(), v.numbers.end());
    };
    add(s);
  }
  {
    ParamSpec s{"analysisMegapixels", ParamType::kNumber};
    s.min = 0.01;
    s.max = 1e4;
    s.allow_infinity = true;
    s.doc =
        "working resolution in megapixels: larger images are analysed on an antialiased "
        "reduction and the transfer is carried to full resolution; Infinity = analyse at full "
        "resolution (method.md §1.9)";
    s.get = [](const Params& p) { return ParamValue::of(p.analysis_megapixels); };
    s.set = [](Params& p, const ParamValue& v) { p.analysis_megapixels = v.number; };
    add(s);
  }
  {
    ParamSpec s{"strength", ParamType::kNumber};
    s.min = 0;
    s.max = 1;
    s.doc =
        "strength of the transfer, blended in CIELab: 0 = the target (bit-identical), 1 = the "
        "full transfer (method.md §1.10)";
    s.get = [](const Params& p) { return ParamValue::of(p.grading.strength); };
    s.set = [](Params& p, const ParamValue& v) { p.grading.strength = v.number; };
    add(s);
  }
  {
    ParamSpec s{"preserveLuminance", ParamType::kBoolean};
    s.doc = "keep the target's CIELab L* (its tonality) and take only a*, b* from the transfer";
    s.get = [](const Params& p) { return ParamValue::of_bool(p.grading.preserve_luminance); };
    s.set = [](Params& p, const ParamValue& v) { p.grading.preserve_luminance = v.boolean; };
    add(s);
  }
  return specs;
}

// Shortest decimal text that reads back as v, or -- for a value held in a float field (tau,
// compactness) -- as the same float, so a float default of 0.02 is written "0.02", not
// "0.0199999996".
std::string format_number(double v) {
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  const bool is_float = static_cast<double>(static_cast<float>(v)) == v;
  char buffer[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, v);
    const double back = std::strtod(buffer, nullptr);
    if (back == v || (is_float && static_cast<float>(back) == static_cast<float>(v))) break;
  }
  return buffer;
}

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

std::string range_text(const ParamSpec& spec) {
  std::string text = spec.min_exclusive ? "(" : "[";
  text += format_number(spec.min) + ", " + format_number(spec.max) + "]";
  return text;
}

bool in_range(const ParamSpec& spec, double v) {
  if (!std::isfinite(v)) return false;
  return (spec.min_exclusive ? v > spec.min : v >= spec.min) && v <= spec.max;
}

bool is_choice(const ParamSpec& spec, const std::string& s) {
  for (const std::string& c : spec.choices) {
    if (c == s) return true;
  }
  return false;
}

std::string choices_text(const ParamSpec& spec) {
  std::string text;
  for (std::size_t i = 0; i < spec.choices.size(); ++i) {
    text += (i ? ", '" : "'") + spec.choices[i] + "'";
  }
  return text;
}

// Checks a value against its row; returns it normalised (keyword -> keyword_value). Throws
// Error(kInvalidArgument) with a message naming the parameter.
ParamValue checked(const ParamSpec& spec, const ParamValue& value) {
  const std::string name = spec.name;
  using Kind = ParamValue::Kind;
  switch (spec.type) {
    case ParamType::kInteger:
      if (value.kind != Kind::kNumber || !in_range(spec, value.number) ||
          value.number != std::floor(value.number)) {
        invalid(name + " must be an integer in " + range_text(spec) + ", got " +
                (value.kind == Kind::kNumber ? format_number(value.number) : "a non-number"));
      }
      return value;
    case ParamType::kNumber:
      if (spec.keyword != nullptr && value.kind == Kind::kString && value.string == spec.keyword) {
        return ParamValue::of(spec.keyword_value);
      }
      if (value.kind == Kind::kNumber &&
          (in_range(spec, value.number) || (spec.allow_infinity && value.number == kInfinity))) {
        return value;
      }
      invalid(name + " must be a number in " + range_text(spec) +
              (spec.allow_infinity ? " or Infinity" : "") +
              (spec.keyword ? std::string(" or '") + spec.keyword + "'" : std::string()) +
              ", got " +
              (value.kind == Kind::kNumber   ? format_number(value.number)
               : value.kind == Kind::kString ? "'" + value.string + "'"
                                             : "a value of another type"));
    case ParamType::kBoolean:
      if (value.kind != Kind::kBoolean) invalid(name + " must be true or false");
      return value;
    case ParamType::kChoice:
      if (value.kind != Kind::kString || !is_choice(spec, value.string)) {
        invalid(name + " must be one of " + choices_text(spec) +
                (value.kind == Kind::kString ? ", got '" + value.string + "'" : ""));
      }
      return value;
    case ParamType::kIntegerList:
      if (value.kind != Kind::kNumberList || value.numbers.empty() ||
          static_cast<int>(value.numbers.size()) > spec.max_length) {
        invalid(name + " must be an array of 1 to " + std::to_string(spec.max_length) +
                " integers in " + range_text(spec));
      }
      for (std::size_t i = 0; i < value.numbers.size(); ++i) {
        const double v = value.numbers[i];
        if (!in_range(spec, v) || v != std::floor(v)) {
          invalid(name + "[" + std::to_string(i) + "] must be an integer in " + range_text(spec) +
                  ", got " + format_number(v));
        }
      }
      return value;
    case ParamType::kChoiceList:
      if (value.kind != Kind::kStringList || value.strings.empty() ||
          static_cast<int>(value.strings.size()) > spec.max_length) {
        invalid(name + " must be a non-empty array of " + choices_text(spec));
      }
      for (std::size_t i = 0; i < value.strings.size(); ++i) {
        if (!is_choice(spec, value.strings[i])) {
          invalid("unknown " + name + " entry '" + value.strings[i] + "' (expected " +
                  choices_text(spec) + ")");
        }
        for (std::size_t j = 0; j < i; ++j) {
          if (value.strings[j] == value.strings[i]) {
            invalid(name + " entry '" + value.strings[i] + "' given twice");
          }
        }
      }
      return value;
  }
  invalid(name + ": unsupported parameter type");
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string json_value(const ParamValue& v) {
  using Kind = ParamValue::Kind;
  switch (v.kind) {
    case Kind::kNumber:
      return std::isinf(v.number) ? json_string(format_number(v.number)) : format_number(v.number);
    case Kind::kBoolean:
      return v.boolean ? "true" : "false";
    case Kind::kString:
      return json_string(v.string);
    case Kind::kNumberList: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.numbers.size(); ++i) {
        out += (i ? "," : "") + format_number(v.numbers[i]);
      }
      return out + "]";
    }
    case Kind::kStringList: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.strings.size(); ++i) {
        out += (i ? "," : "") + json_string(v.strings[i]);
      }
      return out + "]";
    }
  }
  return "null";
}

const char* type_name(ParamType type) {
  switch (type) {
    case ParamType::kInteger:
      return "integer";
    case ParamType::kNumber:
      return "number";
    case ParamType::kBoolean:
      return "boolean";
    case ParamType::kChoice:
      return "choice";
    case ParamType::kIntegerList:
      return "integerList";
    case ParamType::kChoiceList:
      return "choiceList";
  }
  return "unknown";
}

}  // namespace

const std::vector<ParamSpec>& param_specs() {
  static const std::vector<ParamSpec> specs = make_specs();
  return specs;
}

const ParamSpec* find_param(const std::string& name) {
  for (const ParamSpec& spec : param_specs()) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

void set_param(Params& params, const std::string& name, const ParamValue& value) {
  const ParamSpec* spec = find_param(name);
  if (spec == nullptr) invalid("unknown parameter '" + name + "'");
  spec->set(params, checked(*spec, value));
}

void set_param_from_text(Params& params, const std::string& name, const std::string& text) {
  const ParamSpec* spec = find_param(name);
  if (spec == nullptr) invalid("unknown parameter '" + name + "'");
  const auto number = [&](const std::string& t) {
    if (t == "inf" || t == "Infinity") return kInfinity;
    std::size_t used = 0;
    double v = std::numeric_limits<double>::quiet_NaN();
    try {
      v = std::stod(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != t.size()) {
      invalid(std::string(spec->name) + " expects a number, got '" + t + "'");
    }
    return v;
  };
  const auto split = [](const std::string& t) {
    std::vector<std::string> parts;
    std::stringstream stream(t);
    for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
    return parts;
  };
  ParamValue value;
  switch (spec->type) {
    case ParamType::kInteger:
      value = ParamValue::of(number(text));
      break;
    case ParamType::kNumber:
      value = spec->keyword && text == spec->keyword ? ParamValue::of(text)
                                                     : ParamValue::of(number(text));
      break;
    case ParamType::kBoolean:
      if (text != "true" && text != "false")
        invalid(std::string(spec->name) + " expects true or false");
      value = ParamValue::of_bool(text == "true");
      break;
    case ParamType::kChoice:
      value = ParamValue::of(text);
      break;
    case ParamType::kIntegerList: {
      std::vector<double> numbers;
      for (const std::string& part : split(text)) numbers.push_back(number(part));
      value = ParamValue::of(numbers);
      break;
    }
    case ParamType::kChoiceList:
      value = ParamValue::of(split(text));
      break;
  }
  set_param(params, spec->name, value);
}

void validate_params(const Params& params) {
  for (const ParamSpec& spec : param_specs()) checked(spec, spec.get(params));
  if (params.threads < 1 || params.threads > 256) {
    invalid("threads must be in [1, 256], got " + std::to_string(params.threads));
  }
  // Consistency of the blocks' own structs, which carry fields that are not parameters (e.g.
  // the attention block size).
  validate_slic_params(params.slic, -1);
  validate_attention_params(params.attention);
  validate_fusion_params(params.fusion);
  validate_regrain_params(params.regrain);
  validate_grading_params(params.grading);
}

std::string param_schema_json() {
  const Params defaults;
  std::string out = "[";
  bool first = true;
  for (const ParamSpec& spec : param_specs()) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "{\"name\":" + json_string(spec.name);
    out += ",\"type\":" + json_string(type_name(spec.type));
    out += ",\"default\":" + json_value(spec.get(defaults));
    if (spec.type == ParamType::kInteger || spec.type == ParamType::kNumber ||
        spec.type == ParamType::kIntegerList) {
      out += ",\"min\":" + format_number(spec.min) + ",\"max\":" + format_number(spec.max);
      out += std::string(",\"minExclusive\":") + (spec.min_exclusive ? "true" : "false");
    }
    if (spec.type == ParamType::kNumber) {
      out += std::string(",\"allowInfinity\":") + (spec.allow_infinity ? "true" : "false");
      if (spec.keyword) out += ",\"keyword\":" + json_string(spec.keyword);
    }
    if (!spec.choices.empty()) out += ",\"choices\":" + json_value(ParamValue::of(spec.choices));
    if (spec.max_length > 0) out += ",\"maxLength\":" + std::to_string(spec.max_length);
    out += ",\"doc\":" + json_string(spec.doc) + "}";
  }
  return out + "\n]";
}

std::string kebab_case(const std::string& camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out += '-';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace supercolor
