/**
 * The provider's one-time TLS certificate for go-plugin's AutoMTLS, built with node:crypto
 * alone (a cert library would add tens of milliseconds to every provider start).
 *
 * Terraform pins this exact certificate (it arrives in the handshake line) as both the root
 * and the expected server cert, dialling with ServerName "localhost"; Go then insists on a SAN
 * (a CN alone is "legacy Common Name" and refused). The other extensions mirror the cert
 * go-plugin makes for its own side.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { bitString, boolean, explicit, implicitPrimitive, integer, octetString, oid, sequence, set, time, utf8String } from './der.js'

export interface SelfSignedCert {
  certPem: string
  /** PKCS#8. */
  keyPem: string
  certDer: Buffer
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  organization: '2.5.4.10',
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const

function name(): Buffer {
  return sequence(
    set(sequence(oid(OID.organization), utf8String('Warden'))),
    set(sequence(oid(OID.commonName), utf8String('localhost'))),
  )
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value))
}

/**
 * KeyUsage bits digitalSignature(0), keyEncipherment(2), keyAgreement(4), keyCertSign(5),
 * most significant bit first: 1010 1100. DER drops trailing zero bits, so 2 bits are unused.
 */
const KEY_USAGE = bitString(Buffer.from([0xac]), 2)

/** A new ECDSA P-256 key and a self-signed CA certificate for `localhost`, valid from a minute ago for 30 years. */
export function generateSelfSignedCert(now = new Date()): SelfSignedCert {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const serial = randomBytes(16)
  // Positive and exactly 16 bytes long: clear the sign bit, keep the first byte non-zero.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40
  const signatureAlgorithm = sequence(oid(OID.ecdsaWithSha256))
  const notAfter = new Date(now)
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 30)

  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serial),
    signatureAlgorithm,
    name(),
    sequence(time(new Date(now.getTime() - 60_000)), time(notAfter)),
    name(),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(
      3,
      sequence(
        extension(OID.subjectAltName, false, sequence(implicitPrimitive(2, Buffer.from('localhost', 'ascii')))),
        extension(OID.basicConstraints, true, sequence(boolean(true))),
        extension(OID.keyUsage, true, KEY_USAGE),
        extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth), oid(OID.clientAuth))),
      ),
    ),
  )
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' })
  const certDer = sequence(tbs, signatureAlgorithm, bitString(signature))
  const body = certDer.toString('base64').replace(/.{1,64}/g, '$&\n')
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certDer,
  }
}

