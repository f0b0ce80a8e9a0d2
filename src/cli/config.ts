/**
 * The operator's configuration: flags first, then ACTIVATION_CANARY_* environment variables, then
 * defaults, validated with zod so a bad value stops the process with one line that names the flag and
 * what it accepts.
 */
import { z } from 'zod';
import { parseAllowedAddresses, type AllowedAddress } from '../analysis/address-policy.ts';
import { parseDuration } from '../util/duration.ts';

const duration = (what: string) =>
  z.string().refine((s) => parseDuration(s) !== undefined, { message: `${what} must be a duration such as 15s, 2m or 1h` }).transform((s) => parseDuration(s) as number);

/** The shortest --lease-duration the operator accepts (ms). */
export const MIN_LEASE_DURATION_MS = 2_000;

const address = z.string().regex(/^[^:\s]*:\d{1,5}$/, { message: 'must be host:port, e.g. 0.0.0.0:8080 or :8080 (port 0 picks a free one)' });

/** A comma-separated list of http(s) URLs (scheme, host, port, optional path prefix); empty allows every address. */
const allowedAddresses = z.union([z.string(), z.array(z.string())]).transform((list, ctx): AllowedAddress[] => {
  const parsed = parseAllowedAddresses(list);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: `${parsed.error} (a comma-separated list of Prometheus base URLs, e.g. http://prometheus.monitoring:9090,https://thanos.example)` });
  return z.NEVER;
});

export const configSchema = z.object({
  kubeconfig: z.string().optional(),
  namespace: z.string().optional(),
  httpAddress: address.default(':8080'),
  leaderElect: z.boolean().default(true),
  leaderElectionNamespace: z.string().min(1).default('default'),
  leaderElectionId: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be a lowercase DNS name' }).default('activation-canary-leader'),
  // The Lease holds whole seconds, and the leader renews every leaseDuration / 7.5 (at least 500 ms)
  // within a renew deadline of 2/3 of it (operator.ts): below 2 s there is no room for a retry.
  leaseDuration: duration('--lease-duration').prefault('15s')
    .refine((ms) => ms >= MIN_LEASE_DURATION_MS, { message: '--lease-duration must be at least 2s (the Lease holds whole seconds; client-go defaults to 15s)' }),
  workers: z.coerce.number().int().min(1).max(256).default(16),
  // client-go's client-side rate limit. The defaults sit between Argo Rollouts' (40 and 80, with 10
  // rollout workers) and Flagger's (100 and 250): a wave of 100 ModelVariants ending their steps at once
  // must not queue behind the bucket (docs/performance.md). client-go's own are 5 and 10,
  // kube-controller-manager's 20 and 30; controller-runtime turns the limit off and leaves it to
  // priority and fairness: 0 here.
  kubeApiQps: z.coerce.number({ message: 'must be a number of requests per second' }).min(0).max(10_000).default(50),
  kubeApiBurst: z.coerce.number({ message: 'must be a whole number of requests' }).int().min(1).max(100_000).default(100),
  resync: duration('--resync').prefault('5m'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  prometheusAllowedAddresses: allowedAddresses.prefault(''),
  analysisConcurrency: z.coerce.number().int().min(1).max(256).default(8),
  analysisBatchWindow: duration('--analysis-batch-window').prefault('1s')
    .refine((ms) => ms >= 10 && ms <= 60_000, { message: '--analysis-batch-window must be between 10ms and 1m' }),
});

export type OperatorConfig = z.output<typeof configSchema>;

const ENV: Record<keyof z.input<typeof configSchema>, string> = {
  kubeconfig: 'ACTIVATION_CANARY_KUBECONFIG',
  namespace: 'ACTIVATION_CANARY_NAMESPACE',
  httpAddress: 'ACTIVATION_CANARY_HTTP_ADDRESS',
  leaderElect: 'ACTIVATION_CANARY_LEADER_ELECT',
  leaderElectionNamespace: 'ACTIVATION_CANARY_LEADER_ELECTION_NAMESPACE',
  leaderElectionId: 'ACTIVATION_CANARY_LEADER_ELECTION_ID',
  leaseDuration: 'ACTIVATION_CANARY_LEASE_DURATION',
  workers: 'ACTIVATION_CANARY_WORKERS',
  kubeApiQps: 'ACTIVATION_CANARY_KUBE_API_QPS',
  kubeApiBurst: 'ACTIVATION_CANARY_KUBE_API_BURST',
  resync: 'ACTIVATION_CANARY_RESYNC',
  logLevel: 'ACTIVATION_CANARY_LOG_LEVEL',
  prometheusAllowedAddresses: 'ACTIVATION_CANARY_PROMETHEUS_ALLOWED_ADDRESSES',
  analysisConcurrency: 'ACTIVATION_CANARY_ANALYSIS_CONCURRENCY',
  analysisBatchWindow: 'ACTIVATION_CANARY_ANALYSIS_BATCH_WINDOW',
};

/** Merges flags over environment variables and validates; throws one readable message per problem. */
export function loadConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): OperatorConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, envName] of Object.entries(ENV)) {
    const fromEnv = env[envName];
    if (flags[key] !== undefined) raw[key] = flags[key];
    else if (fromEnv !== undefined && fromEnv !== '') raw[key] = key === 'leaderElect' ? !['false', '0', 'no'].includes(fromEnv.toLowerCase()) : fromEnv;
  }
  if (raw.leaderElectionNamespace === undefined && env.POD_NAMESPACE) raw.leaderElectionNamespace = env.POD_NAMESPACE;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      return `${flag} (or ${ENV[key as keyof typeof ENV] ?? '?'}): ${i.message}`;
    });
    throw new Error(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

/** Splits "host:port" (host may be empty = all interfaces). */
export function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i) || '0.0.0.0', port: Number(address.slice(i + 1)) };
}
