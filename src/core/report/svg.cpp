// The drawing primitives of the report's SVG, and the histogram of grace window used.
#include "gracepack/core/report/svg.hpp"

#include <algorithm>
#include <cstdio>

#include "gracepack/core/report/svg_draw.hpp"

namespace gracepack::report {

namespace {

// The length of the valid UTF-8 sequence at s[i], or 0: a renderer refuses the whole document
// for one bad byte, and user names come from the log as written.
std::size_t utf8_length(const std::string& s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t n = c < 0x80           ? 1
                        : (c >> 5) == 0x6  ? 2
                        : (c >> 4) == 0xE  ? 3
                        : (c >> 3) == 0x1E ? 4
                                           : 0;
  if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2)) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_length(s, i);
    const char c = s[i];
    if (n != 1) {
      out += n ? s.substr(i, n) : "?";
      i += n ? n : 1;
      continue;
    }
    ++i;
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        out += static_cast<unsigned char>(c) < 0x20 && c != '\t' ? ' ' : c;
    }
  }
  return out;
}

namespace svg {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string open(double width, double height) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
         "version=\"1.1\" width=\"" +
         num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " +
         num(height) +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
         "<rect x=\"0\" y=\"0\" width=\"" +
         num(width) + "\" height=\"" + num(height) + "\" fill=\"white\"/>\n";
}

std::string close() {
  return "</svg>\n";
}

std::string rect(double x, double y, double w, double h, const std::string& style) {
  return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) +
         "\" height=\"" + num(std::max(h, 0.0)) + "\" " + style + "/>\n";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& style) {
  return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
         num(y2) + "\" " + style + "/>\n";
}

std::string text(double x, double y, const std::string& s, const std::string& style) {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" " + style + ">" + xml_escape(s) +
         "</text>\n";
}

std::string diamond(double x, double y, double r, const std::string& style,
                    const std::string& tip) {
  return "<polygon points=\"" + num(x) + "," + num(y - r) + " " + num(x + r) + "," + num(y) + " " +
         num(x) + "," + num(y + r) + " " + num(x - r) + "," + num(y) + "\" " + style + "><title>" +
         xml_escape(tip) + "</title></polygon>\n";
}

std::string legend(double x, double y,
                   const std::vector<std::pair<std::string, std::string>>& keys) {
  std::string out;
  for (const auto& [fill, label] : keys) {
    out += rect(x, y - 10, 12, 12, "fill=\"" + fill + "\" stroke=\"#333\"");
    out += text(x + 17, y, label, "");
    x += 30 + 7.0 * static_cast<double>(label.size());
  }
  return out;
}

}  // namespace svg

namespace {

constexpr double kWidth = 720, kHeight = 360, kLeft = 60, kRight = 20, kTop = 50, kBottom = 70;
const char* kInTime = "#4a90d9";
const char* kKilled = "#d0021b";

std::string bar(std::size_t i, std::uint64_t count, std::uint64_t top, const char* fill,
                const std::string& label) {
  const double slot = (kWidth - kLeft - kRight) / 11, plot_h = kHeight - kTop - kBottom;
  const double h = top ? plot_h * static_cast<double>(count) / static_cast<double>(top) : 0;
  const double x = kLeft + slot * static_cast<double>(i) + 4, base = kHeight - kBottom;
  std::string out = svg::rect(x, base - h, slot - 8, h, std::string("fill=\"") + fill + "\"");
  out +=
      svg::text(x + (slot - 8) / 2, base - h - 4, std::to_string(count), "text-anchor=\"middle\"");
  out += svg::text(x + (slot - 8) / 2, base + 16, label, "text-anchor=\"middle\" font-size=\"10\"");
  return out;
}

}  // namespace

std::string svg_window_histogram(const Counters& c, const std::string& title) {
  std::uint64_t top = c.killed_at_deadline;
  for (auto v : c.window_used) top = std::max(top, v);
  std::string out = svg::open(kWidth, kHeight);
  out += svg::text(kLeft, 24, title, "font-size=\"15\" font-weight=\"bold\"");
  out += svg::text(kLeft, 40,
                   std::to_string(c.preemptions) +
                       " preempted runs: " + std::to_string(c.exited_in_time) + " ended in time, " +
                       std::to_string(c.killed_at_deadline) + " killed at the deadline, " +
                       std::to_string(c.end_unknown) + " unknown",
                   "fill=\"#444\"");
  for (std::size_t i = 0; i < c.window_used.size(); ++i) {
    const std::string label = std::to_string(i * 10) + "-" + std::to_string(i * 10 + 10) + "%";
    out += bar(i, c.window_used[i], top, kInTime, label);
  }
  out += bar(10, c.killed_at_deadline, top, kKilled, "killed");
  const double base = kHeight - kBottom;
  out += svg::line(kLeft, base, kWidth - kRight, base, "stroke=\"#333\"");
  out += svg::line(kLeft, kTop, kLeft, base, "stroke=\"#333\"");
  out += svg::text(kLeft - 8, kTop + 4, std::to_string(top), "text-anchor=\"end\"");
  out += svg::text(kLeft - 8, base, "0", "text-anchor=\"end\"");
  out += svg::text(kLeft, kHeight - 30,
                   "share of the grace window used before the batch script ended", "fill=\"#444\"");
  out += svg::legend(kLeft, kHeight - 10,
                     {{kInTime, "ended before the deadline"}, {kKilled, "killed at the deadline"}});
  return out + svg::close();
}

}  // namespace gracepack::report
