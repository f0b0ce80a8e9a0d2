import { describe, expect, it } from '@jest/globals';
import { checkAddressAllowed, matchesAllowedAddress, parseAllowedAddress, parseAllowedAddresses, type AllowedAddress } from './address-policy.ts';

const entry = (text: string): AllowedAddress => {
  const r = parseAllowedAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('parseAllowedAddress', () => {
  it.each<[string, string]>([
    ['http://prometheus.monitoring:9090', 'http://prometheus.monitoring:9090'],
    ['http://prometheus.monitoring', 'http://prometheus.monitoring:80'],
    ['https://Thanos.Example', 'https://thanos.example:443'],
    ['https://thanos.example:443/', 'https://thanos.example:443'],
    ['https://example.com/prometheus/', 'https://example.com:443/prometheus'],
    ['http://[::1]:9090', 'http://[::1]:9090'],
  ])('normalises %j to %j', (text, normal) => expect(entry(text).text).toBe(normal));

  it.each<[string, string]>([
    ['prometheus.monitoring:9090', 'must start with http:// or https://'],
    ['not a url', 'is not a URL'],
    ['ftp://prom:21', 'must start with http:// or https://'],
    ['http://user:pw@prom:9090', 'must not contain a user or password'],
    ['http://prom:9090/?x=1', 'must not have a query (?) or fragment (#)'],
    ['http://prom:9090/#x', 'must not have a query (?) or fragment (#)'],
  ])('rejects %j: %s', (text, problem) => expect(parseAllowedAddress(text)).toEqual({ ok: false, error: expect.stringContaining(problem) }));
});

describe('parseAllowedAddresses', () => {
  it('reads a comma-separated list, ignoring blanks and spaces', () => {
    const r = parseAllowedAddresses(' http://a:9090, ,https://b ');
    expect(r.ok && r.value.map((a) => a.text)).toEqual(['http://a:9090', 'https://b:443']);
  });
  it('reads nothing as an empty list', () => expect(parseAllowedAddresses('')).toEqual({ ok: true, value: [] }));
  it('fails on the first bad entry, naming it', () => expect(parseAllowedAddresses('http://a:9090,ftp://b')).toEqual({ ok: false, error: expect.stringContaining('"ftp://b"') }));
});

describe('matchesAllowedAddress', () => {
  it.each<[string, string, boolean]>([
    ['http://prometheus.monitoring:9090', 'http://prometheus.monitoring:9090', true],
    ['http://prometheus.monitoring:9090', 'http://prometheus.monitoring:9090/', true],
    ['http://prometheus.monitoring:9090', 'http://PROMETHEUS.monitoring:9090', true],
    ['http://prometheus.monitoring:9090', 'http://prometheus.monitoring:9090/any/path', true],
    ['http://prometheus.monitoring:9090', 'https://prometheus.monitoring:9090', false],
    ['http://prometheus.monitoring:9090', 'http://prometheus.monitoring:9091', false],
    ['http://prometheus.monitoring:9090', 'http://prometheus.monitoring', false],
    ['http://prometheus.monitoring:9090', 'http://prometheus.monitoring.evil.example:9090', false],
    ['http://prometheus.monitoring:9090', 'http://evil.example:9090#@prometheus.monitoring:9090', false],
    ['http://prometheus.monitoring:9090', 'http://prometheus.monitoring:9090@evil.example:9090', false],
    ['https://thanos.example', 'https://thanos.example:443', true],
    ['https://thanos.example', 'https://thanos.example', true],
    ['https://thanos.example:443', 'https://thanos.example:8443', false],
    ['http://prom:80', 'http://prom', true],
    ['https://example.com/prom', 'https://example.com/prom', true],
    ['https://example.com/prom', 'https://example.com/prom/', true],
    ['https://example.com/prom', 'https://example.com/prom/tenant-a', true],
    ['https://example.com/prom', 'https://example.com/prometheus', false],
    ['https://example.com/prom', 'https://example.com/', false],
    ['https://example.com/prom', 'https://example.com/prom/../admin', false],
    ['https://example.com/prom', 'https://example.com/prom/%2e%2e/admin', false],
    ['https://example.com/prom', 'https://example.com/prom%2F..%2Fadmin', false],
    ['https://example.com/prom', 'https://example.com/other/../prom/x', true],
    ['http://[::1]:9090', 'http://[0:0:0:0:0:0:0:1]:9090', true],
    ['http://prom:9090', 'not a url', false],
  ])('entry %s, address %s → %s', (allowed, address, matches) => expect(matchesAllowedAddress(address, entry(allowed))).toBe(matches));
});

describe('checkAddressAllowed', () => {
  const list = [entry('http://prometheus.monitoring:9090'), entry('https://thanos.example')];

  it('allows every address when the list is empty', () => expect(checkAddressAllowed('http://anything:1', [])).toBeUndefined());

  it('allows an address that matches an entry', () => expect(checkAddressAllowed('https://thanos.example/', list)).toBeUndefined());

  it('refuses any other address, naming the flag and the allowed addresses', () =>
    expect(checkAddressAllowed('http://attacker.example:9090', list)).toEqual({
      code: 'AddressNotAllowed', address: 'http://attacker.example:9090', allowed: ['http://prometheus.monitoring:9090', 'https://thanos.example:443'],
      message: 'prometheus.address "http://attacker.example:9090" is not allowed by the operator\'s --prometheus-allowed-addresses '
        + '(http://prometheus.monitoring:9090, https://thanos.example:443): use one of those addresses, or ask the operator\'s administrator to add this one',
    }));
});
