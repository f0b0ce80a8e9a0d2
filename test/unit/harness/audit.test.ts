import { describe, expect, it } from '@jest/globals';
import { countByRequest, isWrite, matchesFilter, parseAuditLog, requestKey, WRITE_VERBS } from '../../harness/audit.ts';
import { auditFlags, auditPolicy, KWOK_USER } from '../../harness/audit-policy.ts';

const line = (o: { user?: string; verb?: string; resource?: string; subresource?: string; ns?: string; name?: string; at?: string; stage?: string; code?: number }) => JSON.stringify({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: Math.random().toString(36), stage: o.stage ?? 'ResponseComplete',
  requestURI: '/x', verb: o.verb ?? 'get', user: { username: o.user ?? 'op', groups: ['system:masters'] },
  ...(o.resource ? { objectRef: { resource: o.resource, subresource: o.subresource, namespace: o.ns, name: o.name, apiVersion: 'v1' } } : {}),
  responseStatus: { code: o.code ?? 200 },
  requestReceivedTimestamp: o.at ?? '2026-01-01T00:00:01.000001Z', stageTimestamp: o.at ?? '2026-01-01T00:00:01.002Z',
});

describe('reading the audit log', () => {
  it('keeps completed resource requests, with who, what, where and when', () => {
    const events = parseAuditLog([
      line({ user: 'op-a', verb: 'patch', resource: 'modelvariants', subresource: 'status', ns: 'ml', name: 'sentiment', at: '2026-01-01T00:00:02.5Z' }),
      line({ verb: 'get' }), // a non-resource URL: no objectRef
      line({ verb: 'list', resource: 'pods', stage: 'RequestReceived' }),
      '{"kind":"Event","truncated', // a line being written
      '',
    ].join('\n'));
    expect(events).toEqual([expect.objectContaining({
      user: 'op-a', verb: 'patch', resource: 'modelvariants', subresource: 'status', namespace: 'ml', name: 'sentiment', code: 200,
      receivedAt: Date.parse('2026-01-01T00:00:02.5Z'), completedAt: Date.parse('2026-01-01T00:00:02.5Z'),
    })]);
    expect(requestKey(events[0] as never)).toBe('patch modelvariants/status');
  });

  it('filters by time, user, namespace, verb and resource, and counts by verb and resource', () => {
    const events = parseAuditLog([
      line({ user: 'a', verb: 'patch', resource: 'modelvariants', subresource: 'status', ns: 'ml', at: '2026-01-01T00:00:01Z' }),
      line({ user: 'a', verb: 'patch', resource: 'modelvariants', subresource: 'status', ns: 'ml', at: '2026-01-01T00:00:05Z' }),
      line({ user: 'a', verb: 'patch', resource: 'deployments', ns: 'ml', at: '2026-01-01T00:00:06Z' }),
      line({ user: 'a', verb: 'watch', resource: 'deployments', ns: 'ml', at: '2026-01-01T00:00:06Z' }),
      line({ user: 'a', verb: 'create', resource: 'events', ns: 'other', at: '2026-01-01T00:00:07Z' }),
      line({ user: 'b', verb: 'update', resource: 'leases', ns: 'ml', at: '2026-01-01T00:00:08Z' }),
      line({ user: 'a', verb: 'delete', resource: 'namespaces', name: 'ml', at: '2026-01-01T00:00:09Z' }),
    ].join('\n'));
    const count = (f: Parameters<typeof matchesFilter>[1]) => countByRequest(events.filter((e) => matchesFilter(e, f)));
    expect(count({ user: 'a', namespace: 'ml', verbs: WRITE_VERBS })).toEqual({ 'delete namespaces': 1, 'patch deployments': 1, 'patch modelvariants/status': 2 });
    expect(count({ user: 'a', since: Date.parse('2026-01-01T00:00:02Z'), until: new Date('2026-01-01T00:00:07Z'), resources: ['modelvariants/status', 'deployments'] }))
      .toEqual({ 'patch deployments': 1, 'patch modelvariants/status': 1, 'watch deployments': 1 });
    expect(count({ user: ['a', 'b'], resources: ['leases', 'events'] })).toEqual({ 'create events': 1, 'update leases': 1 });
    expect(count({ user: 'nobody' })).toEqual({});
    expect(events.filter(isWrite)).toHaveLength(6);
  });
});

describe('the audit policy', () => {
  it('records everyone at Metadata level once the response is complete, except the control plane\'s own components', () => {
    const policy = JSON.parse(auditPolicy()) as { omitStages: string[]; rules: { level: string; users?: string[]; nonResourceURLs?: string[] }[] };
    expect(policy.omitStages.sort()).toEqual(['Panic', 'RequestReceived', 'ResponseStarted']);
    expect(policy.rules.at(-1)).toEqual({ level: 'Metadata' });
    expect(policy.rules.slice(0, -1).every((r) => r.level === 'None')).toBe(true);
    expect(policy.rules[0]?.users).toContain(KWOK_USER);
    expect(policy.rules.some((r) => r.nonResourceURLs?.includes('*'))).toBe(true);
    expect(auditFlags('/p.yaml', '/a.log')).toEqual(expect.arrayContaining(['--audit-policy-file=/p.yaml', '--audit-log-path=/a.log', '--audit-log-maxsize=0']));
  });
});
