"""Open Badges 3.0 and W3C Verifiable Credentials: documents, proofs, keys and status.

pipeline     the checks a credential goes through and how their outcomes map to a Verdict
credential   VC 1.1/2.0 document rules and display values (I/O free)
proofs       Data Integrity suites: what each signature covers
canonical    strict, bounded RDF canonicalization (pyld) and JCS
contexts     the vendored JSON-LD contexts: the static document loader
jwt          VC-JWT decoding and claim rules
methods      verification methods: did:key, did:web, controller documents, assertionMethod
keys         Multikey, JWK and signature primitives
status       credentialStatus lists (Bitstring, StatusList2021, 1EdTech revocation lists)
"""
