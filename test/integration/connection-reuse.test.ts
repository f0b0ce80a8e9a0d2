/**
 * The operator's API clients reuse their TLS connections to the real kube-apiserver. client-node (2.x)
 * gives every request a new undici Agent, so a client made by `makeApiClient` opens a connection per
 * request and leaves it idle for seconds; `createKubeClients` (src/kube/client.ts, `connectionReuse`)
 * shares one. Counted from outside the clients: the distinct TCP sockets this process opened to the
 * apiserver during a burst of requests (its /proc/self/fd against /proc/net/tcp, sampled after every
 * sequential request and after the parallel batch), so a socket that idles out before the burst ends still counts, and one that closes is not
 * subtracted from the other client's count.
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

/** The inodes of this process's TCP sockets (any state) whose remote port is `port`, from /proc/net/tcp{,6} and its fds. */
function socketsTo(port: number): Set<string> {
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m?.[1]) mine.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  const found = new Set<string>();
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
      if (remote && parseInt(remote, 16) === port && f[9] && mine.has(f[9])) found.add(f[9]);
    }
  }
  return found;
}

describe('connections to the apiserver', () => {
  it('are shared by the operator\'s clients, where client-node\'s own open one per request', async () => {
    const kc = kubeConfig();
    const port = Number(new URL(kc.getCurrentCluster()?.server ?? '').port || 443);
    const seenBefore = socketsTo(port);
    /** The sockets opened during 30 sequential and 10 parallel reads that were not there before any burst. */
    const burst = async (core: k8s.CoreV1Api): Promise<Set<string>> => {
      const opened = new Set<string>();
      const sample = () => {
        for (const inode of socketsTo(port)) if (!seenBefore.has(inode)) opened.add(inode);
      };
      for (let i = 0; i < 30; i++) {
        await core.readNamespace({ name: ns });
        sample();
      }
      await Promise.all(Array.from({ length: 10 }, () => core.readNamespace({ name: ns })));
      sample();
      for (const inode of opened) seenBefore.add(inode);
      return opened;
    };
    const shared = (await burst(createKubeClients(kc).core)).size;
    const perRequest = (await burst(kc.makeApiClient(k8s.CoreV1Api))).size;
    console.log(`sockets opened to the apiserver by 30 sequential and 10 parallel reads: operator's clients ${shared}, client-node's own ${perRequest}`);
    // At most one per request in flight at once (10), however many requests came before.
    expect(shared).toBeLessThanOrEqual(10);
    // The comparison shows the count can grow: client-node's own clients open one per request.
    expect(perRequest).toBeGreaterThanOrEqual(30);
  });
});
