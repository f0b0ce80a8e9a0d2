/**
 * Faults of the control plane's own components, for tests and `make chaos` (bench/chaos.ts): freeze a
 * component (SIGSTOP: it keeps its sockets and answers nothing, as a process stuck on a disk or starved
 * of CPU), thaw it (SIGCONT), or restart it in place (SIGKILL, then the same command and flags, the same
 * port and data, waited on until ready again, as after a crash). The cluster that started a component
 * knows how to start it again (cluster.ts registers a ComponentSpec for etcd, kube-apiserver and
 * Prometheus); the supervisor (supervisor.ts) serves these actions on a loopback HTTP endpoint whose URL
 * it writes to `state.json` as `controlUrl`, so a test or a bench in another process calls
 * `controlComponent(state.controlUrl, 'etcd', 'freeze')`.
 *
 * Only for a cluster of one's own: the jest run's cluster is shared by every test file, and restarting
 * its apiserver fails the others' requests.
 */
import { probe, startProcess, waitReady, type Managed } from './processes.ts';

/** `freeze` (SIGSTOP), `thaw` (SIGCONT), `restart` (SIGKILL and start again, waits until ready), `info`. */
export type ComponentAction = 'freeze' | 'thaw' | 'restart' | 'info';
export const COMPONENT_ACTIONS: readonly ComponentAction[] = ['freeze', 'thaw', 'restart', 'info'];

/** How to start a component and tell that it is ready. */
export interface ComponentSpec {
  name: string;
  command: string;
  args: string[];
  logDir: string;
  /** What readiness means, for the error message (`kube-apiserver /readyz`). */
  readyWhat: string;
  ready: () => Promise<boolean>;
  /** How long to wait for readiness (ms); default 60 s. */
  timeoutMs?: number;
}

/** A component after an action: its current PID and whether it is frozen. */
export interface ComponentInfo {
  component: string;
  pid: number;
  frozen: boolean;
  /** How long the action took (ms): for a restart, until the component was ready again. */
  tookMs: number;
}

/** Starts a component, records it in `started` (for teardown) and waits until it is ready. */
export async function launchComponent(spec: ComponentSpec, started: Managed[]): Promise<Managed> {
  const managed = startProcess(spec.name, spec.command, spec.args, spec.logDir);
  started.push(managed);
  await waitReady(managed, spec.readyWhat, spec.ready, spec.timeoutMs);
  return managed;
}

/**
 * The control function of a running cluster: acts on the component of that name in `started` (the
 * cluster's list of its processes, which a restart updates in place so that teardown stops the new
 * process). Errors: an unknown component, or a restart of one without a ComponentSpec.
 */
export function componentControl(started: Managed[], specs: ReadonlyMap<string, ComponentSpec>) {
  const frozen = new Set<string>();
  const signal = (m: Managed, sig: NodeJS.Signals) => {
    if (m.child.exitCode === null && m.child.signalCode === null && m.child.pid) process.kill(m.child.pid, sig);
  };
  return async (component: string, action: ComponentAction): Promise<ComponentInfo> => {
    const t0 = Date.now();
    const index = started.findIndex((m) => m.name === component);
    const current = started[index];
    if (!current) throw new Error(`no component ${JSON.stringify(component)}: the cluster runs ${started.map((m) => m.name).join(', ')}`);
    let now = current;
    if (action === 'freeze') {
      signal(current, 'SIGSTOP');
      frozen.add(component);
    } else if (action === 'thaw') {
      signal(current, 'SIGCONT');
      frozen.delete(component);
    } else if (action === 'restart') {
      const spec = specs.get(component);
      if (!spec) throw new Error(`${component} cannot be restarted: ${specs.size ? `only ${[...specs.keys()].join(', ')} can` : 'this cluster registered no component to restart'}`);
      signal(current, 'SIGCONT');
      signal(current, 'SIGKILL');
      await current.exited;
      frozen.delete(component);
      now = startProcess(spec.name, spec.command, spec.args, spec.logDir);
      started[index] = now;
      await waitReady(now, spec.readyWhat, spec.ready, spec.timeoutMs);
    }
    return { component, pid: now.child.pid ?? 0, frozen: frozen.has(component), tookMs: Date.now() - t0 };
  };
}

/** A readiness probe: `url` answers 200 (with `ca` for HTTPS). */
export const answers200 = (url: string, ca?: Buffer) => async () => (await probe(url, ca)) === 200;

/**
 * Asks the supervisor at `controlUrl` (state.json's `controlUrl`) to act on a component; resolves once
 * done (a restart: once the component is ready again). Throws with the supervisor's message on an error.
 */
export async function controlComponent(controlUrl: string | undefined, component: string, action: ComponentAction): Promise<ComponentInfo> {
  if (!controlUrl) throw new Error('this cluster has no control endpoint (state.json predates controlUrl): restart it');
  const res = await fetch(`${controlUrl}/components/${encodeURIComponent(component)}/${action}`, { method: 'POST' });
  const body = await res.text();
  if (!res.ok) throw new Error(`${action} ${component}: ${res.status} ${body}`);
  return JSON.parse(body) as ComponentInfo;
}
