// A thin monitoring mixin over the generated files (classic metric names), for mixin
// tooling (jsonnet-bundler, mixtool, the monitoring-mixins site). The files themselves are
// the source: regenerate them with `make dashboards`, never edit them here.
{
  grafanaDashboards+:: {
    'openai-errors.json': (import 'out/classic/openai-errors.json'),
  },
  prometheusRules+:: std.parseYaml(importstr 'out/classic/prometheus_rules.yaml'),
  prometheusAlerts+:: std.parseYaml(importstr 'out/classic/prometheus_alerts.yaml'),
}
