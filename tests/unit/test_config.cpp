#include <gtest/gtest.h>

#include "gracepack/config.hpp"

using gracepack::Config;
using gracepack::parse_config;

TEST(Config, DefaultsWithNoArguments) {
  auto c = parse_config({});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->pack_gpus);
  EXPECT_TRUE(c->preempt_requeue);
}

TEST(Config, SwitchesOptionsOff) {
  auto c = parse_config({"pack_gpus=off", "preempt_requeue=no"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->pack_gpus);
  EXPECT_FALSE(c->preempt_requeue);
}

TEST(Config, UnknownKeyIsNamed) {
  auto c = parse_config({"pack_gpus=on", "frobnicate=1"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("unknown key 'frobnicate'"), std::string::npos);
  EXPECT_NE(c.error().message.find("known keys:"), std::string::npos);
}

TEST(Config, BadValueNamesKeyAndAcceptedValues) {
  auto c = parse_config({"pack_gpus=maybe"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("pack_gpus=maybe"), std::string::npos);
  EXPECT_NE(c.error().message.find("expected on or off"), std::string::npos);
}

TEST(Config, RejectsWordsWithoutValue) {
  for (const char* arg : {"pack_gpus", "=on", ""}) {
    auto c = parse_config({arg});
    EXPECT_FALSE(c.ok()) << arg;
  }
}

TEST(Config, RejectsRepeatedKey) {
  auto c = parse_config({"pack_gpus=on", "pack_gpus=off"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("given twice"), std::string::npos);
}

TEST(Config, DescribeShowsValuesInForce) {
  auto c = parse_config({"pack_gpus=off"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(describe(*c), "pack_gpus=off preempt_requeue=on");
}
