/**
 * A realistic service IDL of the kind users write: nested namespaces for
 * several languages, an include from a subdirectory, typedef chains, every
 * kind of constant, exceptions, a service hierarchy and annotations.
 */
include "common/types.thrift"

namespace cpp shop.api.v1
namespace java com.example.shop.api.v1
namespace go shop.api.v1
namespace py shop.api.v1
namespace rb Shop.Api.V1
namespace js Shop.Api.V1
namespace netstd Example.Shop.Api.V1

typedef types.Reference Ref
typedef list<Ref> RefList
typedef map<string, RefList> RefIndex

const i32 PAGE_SIZE = 50
const i32 MAX_PAGE_SIZE = 1000;
const i64 ONE_DAY_MS = 86400000
const double TAX_RATE = 0.19
const double TINY = 1e-9
const string API_VERSION = "v1"
const bool STRICT = true
const list<string> REGIONS = ["eu-west", "us-east", 'ap-south']
const set<types.Currency> ACCEPTED = [types.Currency.EUR, types.Currency.USD]
const map<types.Currency, string> SYMBOLS = {types.Currency.EUR: "€", types.Currency.USD: "$"}
const map<string, map<string, i32>> LIMITS = {"basic": {"orders": 10}, "pro": {"orders": 1000}}
const i32 DEFAULT_LIMIT = PAGE_SIZE
const i32 EURO_CODE = types.Currency.EUR

enum OrderState {
  NEW,
  PAID,
  SHIPPED,
  DELIVERED,
  CANCELLED = 100,
  REFUNDED
}

struct LineItem {
  1: required string sku
  2: required i32 quantity = 1
  3: types.Money unit_price
  4: optional string gift_note (max_length = "200")
}

struct Order {
  1: required Ref id
  2: required OrderState state = OrderState.NEW
  3: list<LineItem> items
  4: types.Money total = {"units": 0, "nanos": 0}
  5: types.Audit audit
  6: optional map<string, string> metadata
  7: set<string> tags
  8: optional Order & replaces
} (cpp.name = "OrderRecord")

union PaymentMethod {
  1: string card_token
  2: string iban
  3: Voucher voucher
}

struct Voucher {
  1: string code
  2: types.Money value
}

exception OrderNotFound {
  1: Ref id
  2: string message = "order not found"
}

exception InvalidOrder {
  1: string message
  2: list<string> problems
} (message = "message")

exception PaymentFailed {
  1: string reason
  2: i32 code
}

service Health {
  /** Returns "ok" when the service can take traffic. */
  string status()
  oneway void ping()
}

service OrderService extends Health {
  Order get(1: Ref id) throws (1: OrderNotFound not_found)
  list<Order> list_orders(1: i32 page = 0, 2: i32 size = PAGE_SIZE, 3: optional OrderState state)
      throws (1: InvalidOrder invalid),
  Ref create(1: required list<LineItem> items, 2: PaymentMethod payment)
      throws (1: InvalidOrder invalid, 2: PaymentFailed payment_failed);
  void cancel(1: Ref id, 2: string reason) throws (1: OrderNotFound not_found)
  RefIndex index_by_customer()
  oneway void touch(1: Ref id)
} (deprecated = "use v2")
