import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateSelfSignedCert } from './cert.js'
import { time } from './der.js'

describe('generateSelfSignedCert', () => {
  const now = new Date('2026-11-28T12:00:00Z')
  const cert = generateSelfSignedCert(now)
  const x509 = new X509Certificate(cert.certPem)

  it('is a self-signed CA for localhost with a SAN, signed by its own P-256 key', () => {
    expect(x509.subject).toBe('O=Warden\nCN=localhost')
    expect(x509.issuer).toBe(x509.subject)
    expect(x509.subjectAltName).toBe('DNS:localhost')
    expect(x509.checkHost('localhost')).toBe('localhost')
    expect(x509.checkHost('example.com')).toBeUndefined()
    expect(x509.ca).toBe(true)
    expect(x509.verify(x509.publicKey)).toBe(true)
    expect(x509.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' })
    expect(x509.checkPrivateKey(createPrivateKey(cert.keyPem))).toBe(true)
    expect(cert.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    expect(createPublicKey(cert.keyPem).export({ type: 'spki', format: 'der' })).toEqual(x509.publicKey.export({ type: 'spki', format: 'der' }))
  })

  it('allows server and client auth, and the PEM and DER are the same certificate', () => {
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'])
    expect(new X509Certificate(cert.certDer).raw).toEqual(x509.raw)
  })

  it('has the critical KeyUsage go-plugin uses and CA:TRUE critical', () => {
    const der = cert.certDer.toString('hex')
    // KeyUsage 2.5.29.15, critical, BIT STRING with 2 unused bits: digitalSignature, keyEncipherment, keyAgreement, keyCertSign.
    expect(der).toContain('0603551d0f' + '0101ff' + '0404' + '030202ac')
    // BasicConstraints 2.5.29.19, critical, SEQUENCE { BOOLEAN TRUE }.
    expect(der).toContain('0603551d13' + '0101ff' + '0405' + '30030101ff')
  })

  it('is valid from a minute ago for 30 years', () => {
    expect(new Date(x509.validFrom).toISOString()).toBe('2026-11-28T11:59:00.000Z')
    expect(new Date(x509.validTo).toISOString()).toBe('2056-11-28T12:00:00.000Z')
  })

  it('gets a fresh key and a random positive serial each time', () => {
    const other = generateSelfSignedCert(now)
    const otherX509 = new X509Certificate(other.certPem)
    expect(otherX509.serialNumber).not.toBe(x509.serialNumber)
    expect(otherX509.verify(x509.publicKey)).toBe(false)
    for (const serial of [x509.serialNumber, otherX509.serialNumber]) expect(serial).toMatch(/^[4-7][0-9A-F]{31}$/)
  })

  it('writes UTCTime before 2050 and GeneralizedTime from 2050', () => {
    expect(time(new Date('2049-12-31T23:59:59Z')).toString('latin1')).toBe('\x17\x0d491231235959Z')
    expect(time(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe('\x18\x0f20500101000000Z')
  })
})
