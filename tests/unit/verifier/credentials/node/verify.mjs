// An independent verifier of a carbontrust vc+jwt (panva/jose on Node's own X.509):
//   node verify.mjs TOKEN_FILE TRUSTED_ROOT.pem
// prints {"header", "payload", "did"} and exits 0 when the JWS verifies with the x5c leaf's
// key, the chain ends in the trusted root and the issuer is the chain's did:x509; exits 1
// with the reason otherwise. Written against the specs, not against our Python code.
import { readFileSync } from 'node:fs';
import { X509Certificate, createHash } from 'node:crypto';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';

function fail(why) {
  process.stderr.write(`refused: ${why}\n`);
  process.exit(1);
}

const [tokenPath, rootPath] = process.argv.slice(2);
const token = readFileSync(tokenPath, 'utf8').trim();
const trusted = new X509Certificate(readFileSync(rootPath));
let header;
try {
  header = decodeProtectedHeader(token);
} catch (e) {
  fail(`header: ${e.message}`);
}
if (!Array.isArray(header.x5c) || header.x5c.length < 2) fail('x5c must carry leaf and root');
const chain = header.x5c.map((c) => new X509Certificate(Buffer.from(c, 'base64')));
for (let i = 0; i + 1 < chain.length; i++) {
  if (!chain[i].checkIssued(chain[i + 1]) || !chain[i].verify(chain[i + 1].publicKey)) {
    fail(`x5c[${i}] is not issued by x5c[${i + 1}]`);
  }
}
if (chain.at(-1).fingerprint256 !== trusted.fingerprint256) fail('x5c does not end in the trusted root');
const pem = `-----BEGIN CERTIFICATE-----\n${header.x5c[0].match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
let verified;
try {
  const key = await importX509(pem, 'ES256');
  verified = await jwtVerify(token, key, { algorithms: ['ES256'], typ: 'vc+jwt' });
} catch (e) {
  fail(`${e.code ?? e.name}: ${e.message}`);
}
const cn = chain[0].subject.split('\n').find((l) => l.startsWith('CN=')).slice(3);
const pct = (s) => encodeURIComponent(s).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const fp = createHash('sha256').update(chain.at(-1).raw).digest('base64url');
const did = `did:x509:0:sha256:${fp}::subject:CN:${pct(cn)}`;
if (verified.payload.issuer?.id !== did || header.kid !== `${did}#0`) fail(`issuer is not ${did}`);
process.stdout.write(JSON.stringify({ header: verified.protectedHeader, payload: verified.payload, did }));
