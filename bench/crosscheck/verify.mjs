// Verifies credcord's signed Open Badges 3.0 fixtures with Digital Bazaar's implementation of the
// W3C Verifiable Credentials and Data Integrity specifications (@digitalbazaar/vc, data-integrity,
// eddsa-rdfc-2022 and eddsa-jcs-2022 cryptosuites), for bench/crosscheck_ob3.py.
//
//   node verify.mjs <contexts folder> < {"now": ..., "documents": {url: json}, "fixtures": [{name, credential}]}
//
// prints one JSON line per fixture: {"name", "verified", "error"}. Nothing is ever fetched: JSON-LD
// contexts come from credcord's vendored folder (checked against its manifest's SHA-256), did:key
// documents are derived from the key itself, and every other document (controller documents) is one
// the driver handed over. Any other URL is an error.

import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import path from 'node:path';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as didKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {createVerifyCryptosuite as jcsCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {cryptosuite as rdfcCryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';

async function vendoredContexts(folder) {
  const manifest = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8'));
  const contexts = new Map();
  for(const [url, entry] of Object.entries(manifest)) {
    const raw = await readFile(path.join(folder, entry.file));
    const digest = createHash('sha256').update(raw).digest('hex');
    if(digest !== entry.sha256) {
      throw new Error(`the vendored context for ${url} does not match its pinned SHA-256`);
    }
    contexts.set(url, JSON.parse(raw.toString('utf8')));
  }
  return contexts;
}

function staticLoader(contexts, documents) {
  const keys = didKey.driver();
  keys.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  const found = (url, document) => ({contextUrl: null, documentUrl: url, document});
  return async url => {
    if(contexts.has(url)) {
      return found(url, contexts.get(url));
    }
    if(url.startsWith('did:key:')) {
      return found(url, await keys.get({url}));
    }
    if(Object.hasOwn(documents, url)) {
      return found(url, documents[url]);
    }
    // A verification method named by a fragment of a controller document handed over.
    const [base, fragment] = url.split('#');
    const controller = fragment !== undefined && Object.hasOwn(documents, base) ? documents[base] : null;
    const method = (controller?.verificationMethod ?? []).find(entry => entry.id === url);
    if(method) {
      return found(url, {'@context': controller['@context'], ...method});
    }
    throw new Error(`${url} is not available offline`);
  };
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const documentLoader = staticLoader(await vendoredContexts(process.argv[2]), input.documents);
const suite = [
  new DataIntegrityProof({cryptosuite: rdfcCryptosuite}),
  new DataIntegrityProof({cryptosuite: jcsCryptosuite()})
];
for(const {name, credential} of input.fixtures) {
  const result = await vc.verifyCredential({credential, suite, documentLoader, now: input.now});
  const errors = [result.error, ...(result.results ?? []).map(entry => entry.error)]
    .flatMap(error => error?.errors ?? (error ? [error] : []));
  const error = errors.length ? String(errors[0].message ?? errors[0]).slice(0, 200) : null;
  process.stdout.write(JSON.stringify({name, verified: result.verified === true, error}) + '\n');
}
