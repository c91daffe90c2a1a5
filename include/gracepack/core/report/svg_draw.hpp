// SVG elements as text, for svg*.cpp: numbers with one decimal, text escaped.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gracepack::report::svg {

std::string num(double v);
std::string open(double width, double height);  // the document, on a white background
std::string close();
std::string rect(double x, double y, double w, double h, const std::string& style);
std::string line(double x1, double y1, double x2, double y2, const std::string& style);
std::string text(double x, double y, const std::string& s, const std::string& style);
// A diamond centred on (x, y), `r` from its centre to each corner, with a tooltip (<title>).
std::string diamond(double x, double y, double r, const std::string& style, const std::string& tip);
// Coloured squares with their labels, left to right from (x, y): {fill, label}.
std::string legend(double x, double y,
                   const std::vector<std::pair<std::string, std::string>>& keys);

}  // namespace gracepack::report::svg
