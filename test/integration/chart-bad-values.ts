/**
 * Values the chart's values.schema.json must refuse, one mistake each, with the JSON path helm's
 * message names (`at '/leaderElection'`, '' for the top level) and what it says there. A table of its
 * own, as crd-invalid-cases.ts is for the CRD; chart-values.test.ts runs it through `helm template`.
 */

export interface BadValues {
  what: string;
  values: Record<string, unknown>;
  /** The JSON pointer helm prints after `at`: the field, or for an unknown key the object holding it. */
  path: string;
  message: RegExp;
}

export const badValues: BadValues[] = [
  { what: 'a typo at the top level (replica)', values: { replica: 2 }, path: '', message: /additional properties 'replica' not allowed/ },
  { what: 'a typo in a nested object (leaderElection.enable)', values: { leaderElection: { enable: true } }, path: '/leaderElection', message: /additional properties 'enable' not allowed/ },
  { what: 'a typo two levels down (metrics.service.annotation)', values: { metrics: { service: { annotation: {} } } }, path: '/metrics/service', message: /additional properties 'annotation' not allowed/ },
  { what: 'replicas 0', values: { replicas: 0 }, path: '/replicas', message: /minimum: got 0, want 1/ },
  { what: 'replicas as a string', values: { replicas: '2' }, path: '/replicas', message: /got string, want integer/ },
  { what: 'a heap old space below 64 MiB', values: { heap: { maxOldSpaceMiB: 32 } }, path: '/heap/maxOldSpaceMiB', message: /minimum: got 32, want 64/ },
  { what: 'a heap size with a unit (heap values are MiB)', values: { heap: { maxOldSpaceMiB: '256Mi' } }, path: '/heap/maxOldSpaceMiB', message: /got string, want integer/ },
  { what: 'a fractional semi-space', values: { heap: { maxSemiSpaceMiB: 1.5 } }, path: '/heap/maxSemiSpaceMiB', message: /got number, want integer/ },
  { what: 'a negative malloc arena count', values: { heap: { mallocArenaMax: -1 } }, path: '/heap/mallocArenaMax', message: /minimum: got -1, want 0/ },
  { what: 'a typo in heap (maxOldSpace)', values: { heap: { maxOldSpace: 256 } }, path: '/heap', message: /additional properties 'maxOldSpace' not allowed/ },
  { what: 'workers 1000', values: { workers: 1000 }, path: '/workers', message: /maximum: got 1,000, want 256/ },
  { what: 'workers 0', values: { workers: 0 }, path: '/workers', message: /minimum: got 0, want 1/ },
  { what: 'a fractional worker count', values: { workers: 2.5 }, path: '/workers', message: /got number, want integer/ },
  { what: 'metrics.port 70000', values: { metrics: { port: 70000 } }, path: '/metrics/port', message: /maximum: got 70,000, want 65,535/ },
  { what: 'metrics.port 0', values: { metrics: { port: 0 } }, path: '/metrics/port', message: /minimum: got 0, want 1/ },
  { what: 'a negative kubeAPI.qps', values: { kubeAPI: { qps: -1 } }, path: '/kubeAPI/qps', message: /minimum: got -1, want 0/ },
  { what: 'a fractional kubeAPI.burst', values: { kubeAPI: { burst: 2.5 } }, path: '/kubeAPI/burst', message: /got number, want integer/ },
  { what: 'prometheus.analysisConcurrency of 0', values: { prometheus: { analysisConcurrency: 0 } }, path: '/prometheus/analysisConcurrency', message: /minimum: got 0, want 1/ },
  { what: 'kubeAPI.qps as a string', values: { kubeAPI: { qps: '20' } }, path: '/kubeAPI/qps', message: /got string, want number/ },
  { what: 'a resync without a unit', values: { resync: '300' }, path: '/resync', message: /'300' does not match pattern/ },
  { what: 'a resync in words', values: { resync: '5 minutes' }, path: '/resync', message: /'5 minutes' does not match pattern/ },
  { what: 'a lease duration in days (the operator reads ms, s, m, h)', values: { leaderElection: { leaseDuration: '1d' } }, path: '/leaderElection/leaseDuration', message: /'1d' does not match pattern/ },
  { what: 'a fractional ServiceMonitor interval (Prometheus durations are whole)', values: { serviceMonitor: { interval: '1.5m' } }, path: '/serviceMonitor/interval', message: /'1.5m' does not match pattern/ },
  { what: 'a ServiceMonitor scrape timeout in words', values: { serviceMonitor: { scrapeTimeout: '10sec' } }, path: '/serviceMonitor/scrapeTimeout', message: /'10sec' does not match pattern/ },
  { what: 'logLevel verbose', values: { logLevel: 'verbose' }, path: '/logLevel', message: /value must be one of 'trace', 'debug', 'info', 'warn', 'error'/ },
  { what: 'an allowed address without a scheme', values: { prometheus: { allowedAddresses: ['prometheus.monitoring:9090'] } }, path: '/prometheus/allowedAddresses/0', message: /does not match pattern/ },
  { what: 'an allowed address with a query', values: { prometheus: { allowedAddresses: ['http://ok:9090', 'https://thanos.example/api?tenant=a'] } }, path: '/prometheus/allowedAddresses/1', message: /does not match pattern/ },
  { what: 'allowedAddresses as one comma-separated string', values: { prometheus: { allowedAddresses: 'http://a:9090,http://b:9090' } }, path: '/prometheus/allowedAddresses', message: /got string, want array/ },
  { what: 'image.pullPolicy Sometimes', values: { image: { pullPolicy: 'Sometimes' } }, path: '/image/pullPolicy', message: /value must be one of 'Always', 'IfNotPresent', 'Never'/ },
  { what: 'a numeric image tag (YAML reads 1.10 as 1.1)', values: { image: { tag: 1.1 } }, path: '/image/tag', message: /got number, want string/ },
  { what: 'serviceAccount.create as a string', values: { serviceAccount: { create: 'yes' } }, path: '/serviceAccount/create', message: /got string, want boolean/ },
  { what: 'a watchNamespace that is no namespace name', values: { watchNamespace: 'ML_Team' }, path: '/watchNamespace', message: /does not match pattern/ },
  { what: 'a metrics Service of type Ingress', values: { metrics: { service: { type: 'Ingress' } } }, path: '/metrics/service/type', message: /value must be one of/ },
  { what: 'podDisruptionBudget.minAvailable in words', values: { podDisruptionBudget: { minAvailable: 'half' } }, path: '/podDisruptionBudget/minAvailable', message: /'half' does not match pattern/ },
  { what: 'tolerations as a map', values: { tolerations: { dedicated: 'ml' } }, path: '/tolerations', message: /got object, want array/ },
  { what: 'an extraEnv value that is a number (an EnvVar value is a string)', values: { extraEnv: [{ name: 'WORKERS', value: 4 }] }, path: '/extraEnv/0/value', message: /got number, want string/ },
  { what: 'an extraEnv value that is a boolean', values: { extraEnv: [{ name: 'DEBUG', value: true }] }, path: '/extraEnv/0/value', message: /got boolean, want string/ },
  { what: 'podDisruptionBudget.minAvailable above 100%', values: { podDisruptionBudget: { minAvailable: '150%' } }, path: '/podDisruptionBudget/minAvailable', message: /'150%' does not match pattern/ },
  { what: 'a dashboards namespace that is no namespace name', values: { dashboards: { namespace: 'Grafana_Dashboards' } }, path: '/dashboards/namespace', message: /does not match pattern/ },
  { what: 'prometheusRule.stuckRolloutAfter 0s (a zero range is no PromQL)', values: { prometheusRule: { stuckRolloutAfter: '0s' } }, path: '/prometheusRule/stuckRolloutAfter', message: /'0s' does not match pattern/ },
  { what: 'prometheusRule.stuckRolloutAfter 0h0m', values: { prometheusRule: { stuckRolloutAfter: '0h0m' } }, path: '/prometheusRule/stuckRolloutAfter', message: /'0h0m' does not match pattern/ },
  { what: 'an extraEnv item without a name', values: { extraEnv: [{ value: 'x' }] }, path: '/extraEnv/0', message: /missing property 'name'/ },
  { what: 'a numeric label value', values: { podLabels: { tier: 1 } }, path: '/podLabels/tier', message: /got number, want string/ },
  { what: 'prometheusRule.objective 1 (no error budget)', values: { prometheusRule: { objective: 1 } }, path: '/prometheusRule/objective', message: /exclusiveMaximum: got 1, want 1/ },
  { what: 'prometheusRule.objective as a percentage', values: { prometheusRule: { objective: 99.5 } }, path: '/prometheusRule/objective', message: /exclusiveMaximum: got 99.5, want 1/ },
  { what: 'prometheusRule.objective as a string that is not a decimal (PromQL)', values: { prometheusRule: { objective: '0.99) or vector(1' } }, path: '/prometheusRule/objective', message: /does not match pattern/ },
  { what: 'prometheusRule.stuckRolloutAfter in words', values: { prometheusRule: { stuckRolloutAfter: 'an hour' } }, path: '/prometheusRule/stuckRolloutAfter', message: /'an hour' does not match pattern/ },
  { what: 'a typo in prometheusRule (runbookBaseUrl)', values: { prometheusRule: { runbookBaseUrl: 'https://x' } }, path: '/prometheusRule', message: /additional properties 'runbookBaseUrl' not allowed/ },
  { what: 'a dashboards label that is not a string', values: { dashboards: { labels: { grafana_dashboard: 1 } } }, path: '/dashboards/labels/grafana_dashboard', message: /got number, want string/ },
  { what: 'dashboards.enabled as a string', values: { dashboards: { enabled: 'true' } }, path: '/dashboards/enabled', message: /got string, want boolean/ },
];
