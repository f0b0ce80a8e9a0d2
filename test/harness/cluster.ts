/**
 * Starts a real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC, certificates made
 * per run), kube-controller-manager, kube-scheduler, kwok with fake GPU nodes, the repo's CRDs and the
 * route CRDs of the traffic providers (Gateway API's standard channel, Istio's; no controllers), and a
 * Prometheus that discovers scrape targets from files. Every port is free-allocated; every component
 * logs to `<dir>/logs/`. `stop()` tears down in reverse order and never leaves a process behind.
 * Each component talks to the apiserver under a user of its own, and the apiserver writes an audit
 * log of everyone else's requests (audit-policy.ts); kwok runs pods with the Stages of pod-lifecycle.ts.
 * `control()` freezes, thaws or restarts etcd, kube-apiserver or Prometheus in place (components.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Binaries } from './binaries.ts';
import { REPO_ROOT } from './binaries.ts';
import { auditFlags, auditPolicy, KCM_USER, KWOK_USER, SCHEDULER_USER } from './audit-policy.ts';
import type { ClusterState } from './cluster-state.ts';
import { eventually } from './env.ts';
import { adminClient, generatePki, mintClientCert, writeKubeconfig, type ClientCert } from './pki.ts';
import { KWOK_POD_STAGES_FILE } from './pod-lifecycle.ts';
import { freePorts } from './ports.ts';
import { answers200, componentControl, launchComponent, type ComponentAction, type ComponentInfo, type ComponentSpec } from './components.ts';
import { probe, startProcess, stopProcess, waitReady, type Managed } from './processes.ts';

export interface ClusterOptions {
  dir: string;
  binaries: Binaries;
  /** Fake GPU nodes: name → nvidia.com/gpu count. */
  gpuNodes?: Record<string, number>;
  prometheus?: boolean;
  log?: (msg: string) => void;
}

export interface RunningCluster {
  state: Omit<ClusterState, 'supervisorPid' | 'controlUrl'>;
  /** Faults for one component (components.ts): freeze, thaw, restart in place. */
  control(component: string, action: ComponentAction): Promise<ComponentInfo>;
  stop(): Promise<void>;
}

/**
 * The Services' IP range: a /16 (65,534 addresses) holds the scale bench's 1,000 ModelVariants × 3
 * Services many times over (a /24 stopped at about 84). kube-apiserver refuses anything larger than a
 * /12 for IPv4 (its legacy allocator's bitmap); a /16's bitmap is 8 KiB, so start-up is no slower.
 * 10.0.0.1, the `kubernetes` Service, stays in the serving certificate's SANs (pki.ts).
 */
export const SERVICE_CIDR = '10.0.0.0/16';

export const DEFAULT_GPU_NODES: Record<string, number> = { 'gpu-node-a': 4, 'gpu-node-b': 4 };

export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  const log = opts.log ?? (() => undefined);
  const { dir, binaries: bin } = opts;
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const started: Managed[] = [];
  /** How to start each component again and tell it is ready (for control()'s restart). */
  const specs = new Map<string, ComponentSpec>();
  const stop = async () => {
    for (const p of started.reverse()) {
      if (p.child.pid) try { process.kill(p.child.pid, 'SIGCONT'); } catch { /* gone */ } // a frozen process cannot stop
      await stopProcess(p);
    }
    started.length = 0;
  };
  try {
    const [etcdPort, etcdPeer, apiPort, kcmPort, schedPort, kwokPort, promPort] = await freePorts(7) as [number, number, number, number, number, number, number];
    const pki = generatePki(join(dir, 'pki'));
    const ca = readFileSync(pki.caCert);
    // A user per component, so the audit log can leave them out and count everyone else.
    const client = (user: string) => mintClientCert(pki.dir, join(pki.dir, 'users'), user);
    const [kwokClient, kcmClient, schedulerClient] = [client(KWOK_USER), client(KCM_USER), client(SCHEDULER_USER)];
    const auditPolicyFile = join(dir, 'audit-policy.yaml');
    const auditLog = join(dir, 'audit.log');
    writeFileSync(auditPolicyFile, auditPolicy());

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcdSpec: ComponentSpec = { name: 'etcd', command: bin.etcd, logDir: logs, readyWhat: 'etcd /health', ready: answers200(`${etcdUrl}/health`), args: [
      `--data-dir=${join(dir, 'etcd')}`, `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`, '--unsafe-no-fsync', '--log-level=warn',
    ] };
    specs.set('etcd', etcdSpec);
    await launchComponent(etcdSpec, started);
    log(`etcd ready on ${etcdUrl}`);

    const apiserverUrl = `https://127.0.0.1:${apiPort}`;
    const apiserverSpec: ComponentSpec = {
      name: 'kube-apiserver', command: bin.kubeApiserver, logDir: logs, readyWhat: 'kube-apiserver /readyz', ready: answers200(`${apiserverUrl}/readyz`, ca), timeoutMs: 90_000, args: [
        `--etcd-servers=${etcdUrl}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
        `--cert-dir=${pki.dir}`, `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`, '--authorization-mode=Node,RBAC', `--service-account-issuer=${apiserverUrl}`,
        `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.saKey}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`, '--allow-privileged=true', '--enable-priority-and-fairness=false',
        '--profiling=false', '--v=1', '--endpoint-reconciler-type=none', ...auditFlags(auditPolicyFile, auditLog),
      ],
    };
    specs.set('kube-apiserver', apiserverSpec);
    await launchComponent(apiserverSpec, started);
    const kubeconfig = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, apiserverUrl, pki.caCert, adminClient(pki));
    const componentKubeconfig = (name: string, client: ClientCert) => {
      const file = join(dir, `${name}.kubeconfig`);
      writeKubeconfig(file, apiserverUrl, pki.caCert, client);
      return file;
    };
    log(`kube-apiserver ready on ${apiserverUrl}`);

    const auth = (kc: string) => [`--kubeconfig=${kc}`, `--authentication-kubeconfig=${kc}`, `--authorization-kubeconfig=${kc}`,
      '--bind-address=127.0.0.1', '--leader-elect=false', '--v=1'];
    const kcm = startProcess('kube-controller-manager', bin.kubeControllerManager, [
      ...auth(componentKubeconfig('kube-controller-manager', kcmClient)), `--secure-port=${kcmPort}`, `--root-ca-file=${pki.caCert}`, `--service-account-private-key-file=${pki.saKey}`,
      '--use-service-account-credentials=true', '--controllers=*,-nodeipam', `--cert-dir=${join(dir, 'kcm-certs')}`,
    ], logs);
    started.push(kcm);
    const scheduler = startProcess('kube-scheduler', bin.kubeScheduler, [...auth(componentKubeconfig('kube-scheduler', schedulerClient)), `--secure-port=${schedPort}`, `--cert-dir=${join(dir, 'scheduler-certs')}`], logs);
    started.push(scheduler);
    await waitReady(kcm, 'kube-controller-manager /healthz', async () => (await probe(`https://127.0.0.1:${kcmPort}/healthz`, 'insecure')) === 200);
    await waitReady(scheduler, 'kube-scheduler /healthz', async () => (await probe(`https://127.0.0.1:${schedPort}/healthz`, 'insecure')) === 200);
    log('kube-controller-manager and kube-scheduler ready');

    const kubectl = (args: string[], input?: string) =>
      execFileSync(bin.kubectl, [`--kubeconfig=${kubeconfig}`, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

    const kwok = startProcess('kwok', bin.kwok, [
      `--kubeconfig=${componentKubeconfig('kwok', kwokClient)}`, '--manage-all-nodes=true', `--server-address=127.0.0.1:${kwokPort}`, '--cidr=10.244.0.0/16', '--node-ip=127.0.0.1',
      // Pod Stages only: pods with a ready-delay annotation start unready (pod-lifecycle.ts); node stages stay kwok's defaults.
      `--config=${KWOK_POD_STAGES_FILE}`,
      // Lease-based heartbeats, as a kubelet does; without them kube-controller-manager marks the fake
      // nodes NotReady after its grace period and their pods unready.
      '--node-lease-duration-seconds=40',
    ], logs);
    started.push(kwok);
    await waitReady(kwok, 'kwok /healthz', async () => (await probe(`http://127.0.0.1:${kwokPort}/healthz`)) === 200);

    const gpuNodes = opts.gpuNodes ?? DEFAULT_GPU_NODES;
    for (const [name, gpus] of Object.entries(gpuNodes)) kubectl(['create', '-f', '-'], JSON.stringify(fakeGpuNode(name, gpus)));
    await waitReady(kwok, 'fake GPU nodes Ready', async () => {
      const out = kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
      return Object.keys(gpuNodes).every((n) => out.includes(`${n}=True`));
    });
    log(`fake GPU nodes ready: ${Object.entries(gpuNodes).map(([n, g]) => `${n} (${g} GPUs)`).join(', ')}`);

    kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(REPO_ROOT, 'crds'), ...bin.routeCrds.flatMap((d) => ['-f', d])]);
    // `kubectl wait` fails outright ("status.conditions accessor error") while a just-created CRD has no
    // conditions yet, as crds.ts knows too (a CI run's cluster failed to start on it): retried for 60 s.
    await eventually('the CRDs Established', async () => {
      kubectl(['wait', '--for=condition=Established', '--timeout=10s', 'crd', '--all']);
      return true;
    }, 60_000, 500);
    log(`CRDs installed (crds/, ${bin.routeCrds.join(', ')})`);

    let prometheusUrl = '';
    const prometheusTargetsDir = join(dir, 'prometheus-targets');
    mkdirSync(prometheusTargetsDir, { recursive: true });
    if (opts.prometheus !== false) {
      prometheusUrl = `http://127.0.0.1:${promPort}`;
      const config = join(dir, 'prometheus.yml');
      writeFileSync(config, prometheusConfig(prometheusTargetsDir));
      const promSpec: ComponentSpec = { name: 'prometheus', command: bin.prometheus, logDir: logs, readyWhat: 'Prometheus /-/ready', ready: answers200(`${prometheusUrl}/-/ready`), args: [
        `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'prometheus-data')}`, `--web.listen-address=127.0.0.1:${promPort}`,
        '--web.enable-lifecycle', '--storage.tsdb.retention.time=1d', '--log.level=warn',
      ] };
      specs.set('prometheus', promSpec);
      await launchComponent(promSpec, started);
      log(`Prometheus ready on ${prometheusUrl}`);
    }

    const pids = Object.fromEntries(started.map((p) => [p.name, p.child.pid ?? 0]));
    return {
      state: { dir, kubeconfig, apiserverUrl, pkiDir: pki.dir, auditLog, prometheusUrl, prometheusTargetsDir, pids, gpuNodes, startedAt: new Date().toISOString() },
      control: componentControl(started, specs),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A Node object kwok will manage, advertising `gpus` × nvidia.com/gpu. */
export function fakeGpuNode(name: string, gpus: number): object {
  const resources = { cpu: '32', memory: '256Gi', pods: '110', 'nvidia.com/gpu': String(gpus) };
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok',
        'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': 'Fake-GPU-80GB' },
    },
    spec: {},
    status: { capacity: resources, allocatable: resources, nodeInfo: { kubeletVersion: 'fake', architecture: 'amd64', operatingSystem: 'linux' } },
  };
}

/** Prometheus scrapes whatever `*.json` target files appear in `targetsDir` (file-based discovery). */
export function prometheusConfig(targetsDir: string): string {
  return [
    'global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: targets', '    honor_labels: true',
    '    file_sd_configs:', `      - files: ['${join(targetsDir, '*.json')}']`, '        refresh_interval: 1s', '',
  ].join('\n');
}
