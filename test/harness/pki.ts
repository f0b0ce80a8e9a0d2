/**
 * Certificates for a throwaway control plane, made with openssl per run: a CA, the apiserver's
 * serving certificate (SANs for loopback and the in-cluster name), an admin client certificate in
 * `system:masters`, and the service-account signing key pair. `mintClientCert` signs more client
 * certificates with the same CA, one per user name, so each component and each operator under test
 * shows up under a name of its own in the apiserver's audit log.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

/** A client identity: a user name (the certificate's CN) with its certificate and key files. */
export interface ClientCert {
  user: string;
  cert: string;
  key: string;
}

/** The admin's user name (CN of the admin certificate, group system:masters). */
export const ADMIN_USER = 'activation-canary-admin';

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed (is the openssl package installed?): ${stderr || String(err)}`, { cause: err });
  }
}

const CLIENT_EXT = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';

/**
 * Signs `<dir>/<name>.crt` with the CA in `caDir`. A random serial (not -CAcreateserial's counter
 * file) lets test workers mint certificates concurrently.
 */
function signed(dir: string, caDir: string, name: string, subject: string, ext: string): void {
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', join(caDir, 'ca.crt'), '-CAkey', join(caDir, 'ca.key'),
    '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '30', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
  rmSync(join(dir, `${name}.csr`), { force: true });
  rmSync(join(dir, `${name}.ext`), { force: true });
}

/** Generates every key and certificate into `dir` (created if missing). */
export function generatePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30',
    '-subj', '/CN=activation-canary-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  signed(dir, dir, 'apiserver', '/CN=kube-apiserver',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
    'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n');
  signed(dir, dir, 'admin', `/O=system:masters/CN=${ADMIN_USER}`, CLIENT_EXT);
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  const p = (f: string) => join(dir, f);
  return {
    dir, caCert: p('ca.crt'), caKey: p('ca.key'), serverCert: p('apiserver.crt'), serverKey: p('apiserver.key'),
    adminCert: p('admin.crt'), adminKey: p('admin.key'), saKey: p('sa.key'), saPub: p('sa.pub'),
  };
}

/**
 * Signs a client certificate for `user` (its CN) in `groups` (its O entries; default system:masters,
 * so it may do anything) with the CA in `pkiDir`, into `outDir` (created if missing).
 */
export function mintClientCert(pkiDir: string, outDir: string, user: string, groups: string[] = ['system:masters']): ClientCert {
  if (!/^[A-Za-z0-9][A-Za-z0-9:._@-]*$/.test(user)) throw new Error(`user name ${JSON.stringify(user)}: use letters, digits and : . _ @ - only`);
  mkdirSync(outDir, { recursive: true });
  const name = `client-${user.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  signed(outDir, pkiDir, name, `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`, CLIENT_EXT);
  return { user, cert: join(outDir, `${name}.crt`), key: join(outDir, `${name}.key`) };
}

/** The admin client certificate of a PKI. */
export const adminClient = (pki: Pki): ClientCert => ({ user: ADMIN_USER, cert: pki.adminCert, key: pki.adminKey });

/** A kubeconfig (YAML is a superset of JSON, so JSON is written) for one client certificate. */
export function writeKubeconfig(file: string, server: string, caCert: string, client: ClientCert): void {
  const config = {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'activation-canary',
    clusters: [{ name: 'activation-canary', cluster: { server, 'certificate-authority': caCert } }],
    users: [{ name: client.user, user: { 'client-certificate': client.cert, 'client-key': client.key } }],
    contexts: [{ name: 'activation-canary', context: { cluster: 'activation-canary', user: client.user, namespace: 'default' } }],
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
}
