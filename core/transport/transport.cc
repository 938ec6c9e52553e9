// Out-of-line destructors of the transport interfaces: their vtables live in
// core, so the host and every plugin share one (plugin ABI rule 9).
#include "tern/transport.h"

namespace tern {

Connection::~Connection() = default;
ConnectionHandler::~ConnectionHandler() = default;
Transport::~Transport() = default;

}  // namespace tern
