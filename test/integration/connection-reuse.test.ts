/**
 * The operator's API clients reuse their TLS connections to the real kube-apiserver. client-node (2.x)
 * gives every request a new undici Agent, so a client made by `makeApiClient` opens a connection per
 * request and leaves it idle for seconds; `createKubeClients` (src/kube/client.ts, `connectionReuse`)
 * shares one. Counted from outside the clients: the TCP sockets this process holds to the apiserver
 * (its /proc/self/fd against /proc/net/tcp), right after a burst of requests.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { createKubeClients } from '../../src/kube/client.ts';
import { createTestNamespace, deleteTestNamespace, kubeConfig } from '../harness/env.ts';

let ns: string;

beforeAll(async () => {
  ns = await createTestNamespace('connections');
});

afterAll(async () => {
  if (ns) await deleteTestNamespace(ns);
});

/** This process's TCP sockets (any state) whose remote port is `port`, from /proc/net/tcp{,6} and its fds. */
function socketsTo(port: number): number {
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m?.[1]) mine.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const remote = f[2]?.split(':')[1];
      if (remote && parseInt(remote, 16) === port && f[9] && mine.has(f[9])) n++;
    }
  }
  return n;
}

describe('connections to the apiserver', () => {
  it('are shared by the operator\'s clients, where client-node\'s own open one per request', async () => {
    const kc = kubeConfig();
    const port = Number(new URL(kc.getCurrentCluster()?.server ?? '').port || 443);
    const burst = async (core: k8s.CoreV1Api) => {
      for (let i = 0; i < 30; i++) await core.readNamespace({ name: ns });
      await Promise.all(Array.from({ length: 10 }, () => core.readNamespace({ name: ns })));
    };
    const before = socketsTo(port);
    await burst(createKubeClients(kc).core);
    const shared = socketsTo(port) - before;
    await burst(kc.makeApiClient(k8s.CoreV1Api));
    const perRequest = socketsTo(port) - before - shared;
    console.log(`sockets to the apiserver after 30 sequential and 10 parallel reads: operator's clients ${shared}, client-node's own ${perRequest}`);
    // At most one per request in flight at once (10), however many requests came before.
    expect(shared).toBeLessThanOrEqual(10);
    // The comparison shows the count can grow: client-node's own clients keep one per request for seconds.
    expect(perRequest).toBeGreaterThanOrEqual(30);
  });
});
