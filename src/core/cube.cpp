// .cube reader and writer (see cube.h). Small and strict: a malformed file is an error naming
// its line, never a silently different LUT.

#include "cube.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "error.h"

namespace supercolor {
namespace {

[[noreturn]] void fail(std::size_t line, const std::string& message) {
  throw Error(ErrorCode::kInvalidLut, "cube line " + std::to_string(line) + ": " + message);
}

std::vector<std::string> split_blanks(const std::string& line) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) tokens.push_back(line.substr(start, i - start));
  }
  return tokens;
}

// A finite decimal number taking the whole token (strtod in the "C" locale the core runs in).
double parse_number(const std::string& token, std::size_t line) {
  const char* begin = token.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (end == begin || *end != '\0') fail(line, "'" + token + "' is not a number");
  if (!std::isfinite(value)) fail(line, "'" + token + "' is not a finite number");
  return value;
}

int parse_size(const std::vector<std::string>& tokens, std::size_t line, int max_size) {
  if (tokens.size() != 2) fail(line, tokens[0] + " takes one integer");
  const std::string& token = tokens[1];
  if (token.empty() || token.size() > 6 ||
      token.find_first_not_of("0123456789") != std::string::npos) {
    fail(line, tokens[0] + " must be an integer in 2.." + std::to_string(max_size) + ", got '" +
                   token + "'");
  }
  const int size = std::atoi(token.c_str());
  if (size < 2 || size > max_size) {
    fail(line, tokens[0] + " must be in 2.." + std::to_string(max_size) + ", got " + token);
  }
  return size;
}

}  // namespace

Lut parse_cube(const std::string& text) {
  Lut lut;
  int size_1d = 0, size_3d = 0;
  std::size_t size_line = 0;
  bool have_title = false, have_domain = false, have_range = false;
  bool have_min = false, have_max = false;
  std::size_t expected = 0;  // data lines, known once the size line is read
  std::size_t line_number = 0;
  std::size_t last_line = 0;
  std::vector<float> values;

  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    last_line = line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const std::vector<std::string> tokens = split_blanks(line);
    const std::string& key = tokens[0];
    // A data line starts with a number (also "nan" / "inf", so they are reported as such).
    char* number_end = nullptr;
    std::strtod(key.c_str(), &number_end);
    const bool is_data = key.find_first_of("0123456789.-+") == 0 ||
                         (number_end != key.c_str() && *number_end == '\0');
    if (is_data) {
      if (expected == 0) fail(line_number, "data before the LUT_1D_SIZE / LUT_3D_SIZE line");
      if (tokens.size() != 3) {
        fail(line_number, "expected 3 numbers, got " + std::to_string(tokens.size()));
      }
      if (values.size() / 3 == expected) {
        fail(line_number, "more data lines than the " + std::to_string(expected) + " that " +
                              (size_3d ? "LUT_3D_SIZE " + std::to_string(size_3d)
                                       : "LUT_1D_SIZE " + std::to_string(size_1d)) +
                              " declares");
      }
      for (const std::string& token : tokens) {
        values.push_back(static_cast<float>(parse_number(token, line_number)));
      }
      continue;
    }
    if (!values.empty()) fail(line_number, "keyword " + key + " after the data lines");
    if (key == "TITLE") {
      if (have_title) fail(line_number, "TITLE given twice");
      have_title = true;
      std::string title = line.substr(line.find("TITLE") + 5);
      const std::size_t a = title.find_first_not_of(" \t");
      title = a == std::string::npos ? "" : title.substr(a);
      while (!title.empty() && (title.back() == ' ' || title.back() == '\t')) title.pop_back();
      if (!title.empty() && title.front() == '"') {
        if (title.size() < 2 || title.back() != '"') fail(line_number, "TITLE quote not closed");
        title = title.substr(1, title.size() - 2);
      }
      lut.title = title;
    } else if (key == "LUT_1D_SIZE" || key == "LUT_3D_SIZE") {
      if (size_1d || size_3d) {
        fail(line_number, (size_1d && key == "LUT_3D_SIZE") || (size_3d && key == "LUT_1D_SIZE")
                              ? "both LUT_1D_SIZE and LUT_3D_SIZE: one LUT per file is supported"
                              : key + " given twice");
      }
      size_line = line_number;
      if (key == "LUT_1D_SIZE") {
        size_1d = parse_size(tokens, line_number, 65536);
        expected = std::size_t(size_1d);
      } else {
        size_3d = parse_size(tokens, line_number, 256);
        expected = std::size_t(size_3d) * size_3d * size_3d;
      }
    } else if (key == "DOMAIN_MIN" || key == "DOMAIN_MAX") {
      if (have_range) fail(line_number, key + " together with an *_INPUT_RANGE line");
      bool& seen = key == "DOMAIN_MIN" ? have_min : have_max;
      if (seen) fail(line_number, key + " given twice");
      seen = true;
      have_domain = true;
      if (tokens.size() != 4) fail(line_number, key + " takes 3 numbers");
      auto& bound = key == "DOMAIN_MIN" ? lut.domain_min : lut.domain_max;
      for (int c = 0; c < 3; ++c) {
        bound[c] = static_cast<float>(parse_number(tokens[1 + c], line_number));
      }
    } else if (key == "LUT_1D_INPUT_RANGE" || key == "LUT_3D_INPUT_RANGE") {
      if (have_domain) fail(line_number, key + " together with a DOMAIN_* line");
      if (have_range) fail(line_number, "input range given twice");
      have_range = true;
      if (tokens.size() != 3) fail(line_number, key + " takes 2 numbers");
      const float lo = static_cast<float>(parse_number(tokens[1], line_number));
      const float hi = static_cast<float>(parse_number(tokens[2], line_number));
      lut.domain_min = {lo, lo, lo};
      lut.domain_max = {hi, hi, hi};
    } else {
      fail(line_number, "unknown keyword '" + key + "'");
    }
  }

  if (!size_1d && !size_3d) {
    throw Error(ErrorCode::kInvalidLut, "cube: no LUT_1D_SIZE or LUT_3D_SIZE line");
  }
  if (values.size() / 3 != expected) {
    fail(last_line, "the LUT has " + std::to_string(values.size() / 3) + " data lines, " +
                        (size_3d ? "LUT_3D_SIZE " + std::to_string(size_3d)
                                 : "LUT_1D_SIZE " + std::to_string(size_1d)) +
                        " (line " + std::to_string(size_line) + ") needs " +
                        std::to_string(expected));
  }
  for (int c = 0; c < 3; ++c) {
    if (!(lut.domain_min[c] < lut.domain_max[c])) {
      throw Error(ErrorCode::kInvalidLut,
                  "cube: the domain minimum must be below the maximum in every channel");
    }
  }
  lut.kind = size_3d ? Lut::Kind::k3d : Lut::Kind::k1d;
  lut.size = size_3d ? size_3d : size_1d;
  lut.values = std::move(values);
  return lut;
}

std::string write_cube(const Lut& lut) {
  validate_lut(lut);
  std::string out;
  std::string title = lut.title;
  for (char& ch : title) {
    if (ch == '"' || ch == '\n' || ch == '\r') ch = '\'';
  }
  char buffer[128];
  out += "# Written by supercolor\n";
  out += "TITLE \"" + title + "\"\n";
  out += (lut.kind == Lut::Kind::k3d ? "LUT_3D_SIZE " : "LUT_1D_SIZE ") + std::to_string(lut.size) +
         "\n";
  std::snprintf(buffer, sizeof buffer, "DOMAIN_MIN %.6f %.6f %.6f\nDOMAIN_MAX %.6f %.6f %.6f\n",
                lut.domain_min[0], lut.domain_min[1], lut.domain_min[2], lut.domain_max[0],
                lut.domain_max[1], lut.domain_max[2]);
  out += buffer;
  out.reserve(out.size() + lut.values.size() / 3 * 27);
  for (std::size_t k = 0; k < lut.values.size(); k += 3) {
    std::snprintf(buffer, sizeof buffer, "%.6f %.6f %.6f\n", lut.values[k], lut.values[k + 1],
                  lut.values[k + 2]);
    out += buffer;
  }
  return out;
}

}  // namespace supercolor
