// Package schema1 builds, signs, parses and verifies Docker schema1 image
// manifests (application/vnd.docker.distribution.manifest.v1+prettyjws and
// …v1+json), compatibly with docker/libtrust and docker/distribution 2.x.
//
// A [Builder] writes the canonical payload (three-space indent, optional
// ASCII escaping as Python's ensure_ascii) and signs it with a [Key]: ECDSA
// P-256/P-384/P-521 (ES256/ES384/ES512) or RSA (RS256), with the key as a
// JWK (with its libtrust "kid") or as an x5c certificate chain. The signed
// document is byte for byte what libtrust's PrettySignature writes, and
// distribution's schema1.Verify accepts it. Signing is deterministic (RFC
// 6979 for ECDSA) and its time is settable, so fixtures and golden files are
// reproducible; [ECKeyFromSeed] and [RSAKeyFromSeed] derive keys from seeds.
//
// [Parse] reads a manifest from any source (including a registry's
// re-signed answer), verifies every signature and applies the validation
// rules of Quay and distribution; [Manifest.ValidateParentChain] adds Quay's
// server-side v1 parent-chain check.
//
// The digest of a schema1 manifest is the sha256 of its canonical payload,
// not of the signed document ([Manifest.Digest]): a registry re-signs the
// payload with its own key on every GET, so the bytes change but the digest
// does not.
//
// The package imports only the standard library and go-digest.
package schema1
