// The conformance schema's TypeInfo checks (tern/testing/codec_conformance.h)
// plus every struct of the other test IDLs.
#include "tern/testing/codec_conformance.h"

#include "everything_types.h"
#include "keys_types.h"
#include "names_types.h"
#include "serde_types.h"
#include "wide_types.h"

namespace tern::testing {
namespace {

std::vector<const TypeInfo*> AllTypes() {
  std::vector<const TypeInfo*> all = ConformanceTypes();
  for (const TypeInfo* t : {&::tern::test::everything::User::kTernTypeInfo,
                            &::tern::test::everything::Address::kTernTypeInfo,
                            &::tern::test::everything::Value::kTernTypeInfo,
                            &::tern::test::everything::Node::kTernTypeInfo,
                            &::tern::test::everything::WithDefaults::kTernTypeInfo,
                            &::tern::test::everything::Implicit::kTernTypeInfo,
                            &::tern::test::everything::NotFound::kTernTypeInfo,
                            &::tern::bench::serde::Mixed::kTernTypeInfo,
                            &::tern::bench::serde::MyTest::kTernTypeInfo,
                            &::tern::bench::serde::MyTest32::kTernTypeInfo,
                            &::tern::bench::serde::MyTestF64::kTernTypeInfo,
                            &::tern::test::wide::Wide::kTernTypeInfo,
                            &::tern::test::keys::Point::kTernTypeInfo,
                            &::tern::test::keys::Id::kTernTypeInfo,
                            &::tern::test::keys::Cell::kTernTypeInfo,
                            &::tern::test::keys::Board::kTernTypeInfo,
                            &::tern::test::names::Holder::kTernTypeInfo,
                            &::tern::test::names::Ping::kTernTypeInfo,
                            &::tern::test::names::Accessors::kTernTypeInfo,
                            &::tern::test::names::Tagged::kTernTypeInfo}) {
    all.push_back(t);
  }
  return all;
}

INSTANTIATE_TEST_SUITE_P(Schemas, TypeInfoConformanceTest, ::testing::ValuesIn(AllTypes()),
                         TypeInfoName);

}  // namespace
}  // namespace tern::testing
