/**
 * Types shared by the services of an imaginary shop. Included as
 * "common/types.thrift"; its own include of "base.thrift" is found through
 * the include directory, not next to this file.
 */
include "base.thrift"

namespace cpp shop.common
namespace java com.example.shop.common
namespace go shop.common
namespace py shop.common.ttypes

typedef i64 Timestamp      // milliseconds since the epoch
typedef string Uuid
typedef Uuid OrderId       // a typedef of a typedef
typedef OrderId Reference  // and one more level

enum Currency {
  EUR = 978,
  USD = 840,
  JPY = 392
}

struct Money {
  1: required i64 units
  2: required i32 nanos = 0
  3: Currency currency = Currency.EUR
}

struct Audit {
  1: Timestamp created
  2: optional Timestamp updated
  3: base.Tag origin
}

const Money ZERO = {"units": 0, "nanos": 0, "currency": Currency.EUR}
