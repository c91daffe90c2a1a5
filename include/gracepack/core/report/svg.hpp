// gracepack-report --svg: plain SVG 1.1 written by hand, for people who would rather look than
// read: a job's runs on a time axis, or how much of their grace window preempted runs used.
#pragma once

#include <string>
#include <vector>

#include "gracepack/core/report/job.hpp"
#include "gracepack/core/report/summary.hpp"
#include "gracepack/core/report/time.hpp"

namespace gracepack::report {

std::string svg_timeline(const JobSelector& job, const std::vector<Run>& runs,
                         const TimeFormatter& when);

// Preempted runs that ended in time, by the tenth of the window they used, and those killed at
// the deadline.
std::string svg_window_histogram(const Counters& c, const std::string& title);

// Text for SVG/XML character data and attribute values.
std::string xml_escape(const std::string& s);

}  // namespace gracepack::report
