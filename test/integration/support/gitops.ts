/**
 * The two ends of a GitOps test: a local Git repository the test commits to (a bare repository that
 * Argo CD's repo server clones over file://, and a work tree to commit from), and a small client of
 * the Argo CD API server (session login, Applications, resource actions) over plain HTTP, as the
 * argocd CLI and UI use it. Applications are created as objects in Argo CD's namespace, as a GitOps
 * user declares them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import * as k8s from '@kubernetes/client-node';
import { kubeConfig } from '../../harness/env.ts';

export interface GitRepo {
  /** file:// URL of the bare repository (what an Application's repoURL names). */
  url: string;
  /** Writes the files (path relative to the repository → content), commits and pushes; the new commit's SHA. */
  commit(files: Record<string, string>, message: string): string;
  remove(): void;
}

/** A fresh repository with one empty commit on branch main. */
export function localGitRepo(): GitRepo {
  const dir = mkdtempSync(join(tmpdir(), 'activation-canary-git-'));
  const bare = join(dir, 'models.git');
  const work = join(dir, 'work');
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, {
    cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_AUTHOR_NAME: 'model team', GIT_AUTHOR_EMAIL: 'models@example.com', GIT_COMMITTER_NAME: 'model team', GIT_COMMITTER_EMAIL: 'models@example.com' },
  }).trim();
  mkdirSync(bare);
  git(bare, 'init', '--quiet', '--bare', '--initial-branch=main');
  git(dir, 'clone', '--quiet', bare, work);
  git(work, 'checkout', '--quiet', '-B', 'main');
  git(work, 'commit', '--quiet', '--allow-empty', '-m', 'empty');
  git(work, 'push', '--quiet', 'origin', 'main');
  return {
    url: `file://${bare}`,
    commit(files, message) {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), content);
      }
      git(work, 'add', '--all');
      git(work, 'commit', '--quiet', '-m', message);
      git(work, 'push', '--quiet', 'origin', 'main');
      return git(work, 'rev-parse', 'HEAD');
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The parts of an Application's status the tests read. */
export interface ApplicationStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string; message?: string };
  resources?: { group?: string; kind?: string; name?: string; namespace?: string; status?: string; health?: { status?: string; message?: string } }[];
  operationState?: { phase?: string; message?: string };
  conditions?: { type?: string; message?: string }[];
}

export interface Application {
  metadata: { name: string; namespace?: string };
  spec: object;
  status?: ApplicationStatus;
}

/** A resource an action targets, as the Argo CD API names it. */
export interface ResourceRef {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface ResourceAction {
  name: string;
  disabled?: boolean;
  displayName?: string;
}

export interface ArgoCDClient {
  /** Declares an Application (created in Argo CD's namespace with the Kubernetes API). */
  createApplication(name: string, spec: object): Promise<void>;
  /** GET /api/v1/applications/{name}; `refresh` asks Argo CD to compare with Git now (what a Git webhook does). */
  application(name: string, refresh?: boolean): Promise<Application>;
  listActions(app: string, resource: ResourceRef): Promise<ResourceAction[]>;
  /** POST /api/v1/applications/{app}/resource/actions/v2: runs `action` on the resource. */
  runAction(app: string, resource: ResourceRef, action: string): Promise<void>;
}

/** Logs in as admin (POST /api/v1/session) and returns a client carrying the session token. */
export async function argocdClient(apiUrl: string, namespace: string, password: string): Promise<ArgoCDClient> {
  const session = await axios.post<{ token: string }>(`${apiUrl}/api/v1/session`, { username: 'admin', password });
  const http: AxiosInstance = axios.create({ baseURL: `${apiUrl}/api/v1`, headers: { Authorization: `Bearer ${session.data.token}` }, timeout: 30_000 });
  const resourceParams = (app: string, r: ResourceRef) =>
    ({ appNamespace: namespace, namespace: r.namespace, resourceName: r.name, version: r.version, group: r.group, kind: r.kind, name: app });
  return {
    async createApplication(name, spec) {
      await kubeConfig().makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
        group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', namespace,
        body: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace }, spec },
      });
    },
    async application(name, refresh = false) {
      return (await http.get<Application>(`/applications/${name}`, { params: { appNamespace: namespace, ...(refresh ? { refresh: 'normal' } : {}) } })).data;
    },
    async listActions(app, resource) {
      return (await http.get<{ actions?: ResourceAction[] }>(`/applications/${app}/resource/actions`, { params: resourceParams(app, resource) })).data.actions ?? [];
    },
    async runAction(app, resource, action) {
      await http.post(`/applications/${app}/resource/actions/v2`, { ...resourceParams(app, resource), action });
    },
  };
}
