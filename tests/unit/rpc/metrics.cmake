# The RPC metrics module (core/rpc/metrics.cc): histogram, registry,
# Prometheus text.
tern_add_test(rpc_metrics_test MODULE rpc LABEL unit SOURCES metrics_test.cc LIBS tern_core)
