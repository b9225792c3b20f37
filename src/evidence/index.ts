/**
 * Evidence for access reviews: deterministic .tar.gz bundles of a campaign's files plus a
 * SHA-256 manifest, their offline re-verification, and CSV with a hash. Pure and dependency-free
 * (node built-ins and csv-stringify): it knows nothing of the store or governance, so callers
 * hand it the subject and file contents. See docs/evidence.md.
 */
export { EVIDENCE_FORMAT, MANIFEST_NAME, buildEvidenceBundle, canonicalJson, verifyEvidenceBundle } from './bundle.js'
export type { EvidenceBundle, EvidenceFile, EvidenceFileCheck, EvidenceFileStatus, EvidenceManifest, EvidenceManifestFile, EvidenceVerification } from './bundle.js'
export { csvWithHash, sha256Hex } from './csv-hash.js'
export type { CsvOptions } from './csv-hash.js'
export { MAX_TAR_BYTES } from './tar.js'
