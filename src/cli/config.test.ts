import { describe, expect, it } from '@jest/globals';
import { loadConfig, splitAddress } from './config.ts';

describe('loadConfig', () => {
  it('uses defaults a serious operator would: leader election on, 15s lease, 4 workers', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({ leaderElect: true, leaseDuration: 15_000, workers: 4, httpAddress: ':8080', resync: 300_000 });
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
  });
});

describe('splitAddress', () => {
  it('reads an empty host as all interfaces', () => expect(splitAddress(':8080')).toEqual({ host: '0.0.0.0', port: 8080 }));
  it('keeps an explicit host', () => expect(splitAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 }));
});
