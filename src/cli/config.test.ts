import { describe, expect, it } from '@jest/globals';
import { loadConfig, splitAddress } from './config.ts';

describe('loadConfig', () => {
  it('uses defaults a serious operator would: leader election on, 15s lease, 16 workers', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({ leaderElect: true, leaseDuration: 15_000, workers: 16, httpAddress: ':8080', resync: 300_000 });
  });
  it('takes flags over environment variables', () => {
    const c = loadConfig({ workers: '8' }, { ACTIVATION_CANARY_WORKERS: '2', ACTIVATION_CANARY_LEADER_ELECT: 'false' });
    expect(c.workers).toBe(8);
    expect(c.leaderElect).toBe(false);
  });
  it('puts the lease in the pod namespace when running in a cluster', () => {
    expect(loadConfig({}, { POD_NAMESPACE: 'ops' }).leaderElectionNamespace).toBe('ops');
  });
  it('names the flag, the variable and what it accepts on bad input', () => {
    expect(() => loadConfig({ leaseDuration: 'soon' }, {})).toThrow(/--lease-duration \(or ACTIVATION_CANARY_LEASE_DURATION\): --lease-duration must be a duration/);
    expect(() => loadConfig({}, { ACTIVATION_CANARY_HTTP_ADDRESS: 'localhost' })).toThrow(/--http-address .* must be host:port/);
    expect(() => loadConfig({ leaseDuration: '900ms' }, {})).toThrow(/--lease-duration must be at least 2s/);
    expect(loadConfig({ leaseDuration: '2s' }, {}).leaseDuration).toBe(2_000);
  });
});

describe('--analysis-concurrency and --analysis-batch-window', () => {
  it('default to 8 queries in flight per Prometheus and a 1s window', () => {
    expect(loadConfig({}, {})).toMatchObject({ analysisConcurrency: 8, analysisBatchWindow: 1000 });
  });
  it('read the flags over their variables', () => {
    const env = { ACTIVATION_CANARY_ANALYSIS_CONCURRENCY: '2', ACTIVATION_CANARY_ANALYSIS_BATCH_WINDOW: '5s' };
    expect(loadConfig({}, env)).toMatchObject({ analysisConcurrency: 2, analysisBatchWindow: 5000 });
    expect(loadConfig({ analysisBatchWindow: '250ms' }, env).analysisBatchWindow).toBe(250);
  });
  it('refuse a window that is no duration or out of range, and a concurrency below 1, naming the flag', () => {
    expect(() => loadConfig({ analysisBatchWindow: 'often' }, {})).toThrow(/--analysis-batch-window .*must be a duration/);
    expect(() => loadConfig({ analysisBatchWindow: '2m' }, {})).toThrow(/--analysis-batch-window must be between 10ms and 1m/);
    expect(() => loadConfig({ analysisConcurrency: '0' }, {})).toThrow(/--analysis-concurrency \(or ACTIVATION_CANARY_ANALYSIS_CONCURRENCY\)/);
  });
});

describe('--kube-api-qps and --kube-api-burst', () => {
  it('default to 50 requests per second with bursts of 100 (kube-controller-manager\'s 20 and 30 queued a wave\'s step ends)', () => {
    expect(loadConfig({}, {})).toMatchObject({ kubeApiQps: 50, kubeApiBurst: 100 });
  });
  it('read the flags over ACTIVATION_CANARY_KUBE_API_QPS / _BURST, take a fraction of a request per second, and 0 turns the limit off', () => {
    const env = { ACTIVATION_CANARY_KUBE_API_QPS: '2.5', ACTIVATION_CANARY_KUBE_API_BURST: '5' };
    expect(loadConfig({}, env)).toMatchObject({ kubeApiQps: 2.5, kubeApiBurst: 5 });
    expect(loadConfig({ kubeApiQps: '0', kubeApiBurst: '100' }, env)).toMatchObject({ kubeApiQps: 0, kubeApiBurst: 100 });
  });
  it('refuse what is no rate, naming the flag and the variable', () => {
    expect(() => loadConfig({ kubeApiQps: 'fast' }, {})).toThrow(/--kube-api-qps \(or ACTIVATION_CANARY_KUBE_API_QPS\): must be a number/);
    expect(() => loadConfig({ kubeApiQps: '-1' }, {})).toThrow(/--kube-api-qps/);
    expect(() => loadConfig({}, { ACTIVATION_CANARY_KUBE_API_BURST: '0' })).toThrow(/--kube-api-burst \(or ACTIVATION_CANARY_KUBE_API_BURST\)/);
    expect(() => loadConfig({ kubeApiBurst: '1.5' }, {})).toThrow(/--kube-api-burst/);
  });
});

describe('--prometheus-allowed-addresses', () => {
  it('allows every address by default', () => expect(loadConfig({}, {}).prometheusAllowedAddresses).toEqual([]));

  it('reads a comma-separated list from the flag, normalising ports and paths', () =>
    expect(loadConfig({ prometheusAllowedAddresses: 'http://prometheus.monitoring:9090, https://thanos.example/prom/' }, {})
      .prometheusAllowedAddresses.map((a) => a.text)).toEqual(['http://prometheus.monitoring:9090', 'https://thanos.example:443/prom']));

  it('reads ACTIVATION_CANARY_PROMETHEUS_ALLOWED_ADDRESSES, and the flag wins over it', () => {
    const env = { ACTIVATION_CANARY_PROMETHEUS_ALLOWED_ADDRESSES: 'http://a:9090' };
    expect(loadConfig({}, env).prometheusAllowedAddresses.map((a) => a.hostname)).toEqual(['a']);
    expect(loadConfig({ prometheusAllowedAddresses: 'http://b:9090' }, env).prometheusAllowedAddresses.map((a) => a.hostname)).toEqual(['b']);
  });

  it.each([
    ['not a url', 'is not a URL'],
    ['prometheus:9090', 'must start with http:// or https://'],
    ['ftp://prom:21', 'must start with http:// or https://'],
    ['http://user:pw@prom:9090', 'must not contain a user or password'],
    ['http://prom:9090/?x=1', 'must not have a query'],
  ])('names the flag, the variable and the problem for %j', (entry, problem) =>
    expect(() => loadConfig({ prometheusAllowedAddresses: `http://ok:9090,${entry}` }, {}))
      .toThrow(new RegExp(`--prometheus-allowed-addresses \\(or ACTIVATION_CANARY_PROMETHEUS_ALLOWED_ADDRESSES\\): .*${problem.replace(/[?()]/g, '\\$&')}`)));
});

describe('splitAddress', () => {
  it('reads an empty host as all interfaces', () => expect(splitAddress(':8080')).toEqual({ host: '0.0.0.0', port: 8080 }));
  it('keeps an explicit host', () => expect(splitAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 }));
});
