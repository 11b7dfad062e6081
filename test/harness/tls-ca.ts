// A throwaway certificate authority made for one test run (openssl), and a server certificate
// it signs for loopback and for the names a test routes to loopback (login.microsoftonline.com
// through a proxy, say). Clients trust it the way their platform lets them: Node through
// NODE_EXTRA_CA_CERTS, Python's requests (the Azure CLI) through REQUESTS_CA_BUNDLE.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  /** The CA's certificate file: what NODE_EXTRA_CA_CERTS and REQUESTS_CA_BUNDLE point to. */
  readonly caPath: string;
  /** The server's key and certificate (PEM), for https.createServer. */
  readonly key: string;
  readonly cert: string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'ignore' });

/** A CA and one server certificate for 127.0.0.1, localhost and `names`, valid for two days. */
export function makeTestCa(names: readonly string[] = []): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-ca-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=claimcheck throwaway test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  const alternatives = ['IP:127.0.0.1', 'DNS:localhost', ...names.map((name) => `DNS:${name}`)].join(',');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${alternatives}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext'], dir);
  return { caPath: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}
