// The echo service of the demo and of every RPC benchmark (a copy of the
// project's shared workload IDL): the shape of the public kitex-benchmark
// echo, so figures can be set beside published ones.
namespace cpp tern.bench.echo

struct Request {
  1: required string action,
  2: required string msg,
}

struct Response {
  1: required string action,
  2: required string msg,
}

service EchoServer {
  Response echo(1: Request req)
}
