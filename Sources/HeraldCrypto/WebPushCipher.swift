/// Encrypts a Web Push message body with RFC 8291 over RFC 8188 `aes128gcm` (PROTOCOLS §4.3): a fresh ephemeral
/// P-256 key and a fresh 16-byte salt per call, one record of `rs` = 4096, no padding. The result is the whole HTTP
/// body, header included; the request also needs `Content-Encoding: aes128gcm`. It does not sign VAPID tokens
/// (`P256SigningKey` and `JWT` do) and does not decrypt: Herald only sends.
public enum WebPushCipher {
    /// 4096 bytes of body, the size every push service must accept, less the 86-byte header, the 0x02 delimiter
    /// and the 16-byte tag.
    public static let maximumPlaintext = 3993
    /// Record size written into the header; larger than any single record this type produces.
    static let recordSize: UInt32 = 4096
    /// RFC 8291 §3.2 fixes the auth secret at 16 bytes.
    static let authSecretLength = 16
    static let saltLength = 16

    /// `uaPublic` is the subscription's `keys.p256dh` decoded (65 bytes), `authSecret` its `keys.auth` decoded
    /// (16 bytes). Throws `payload_too_large` past `maximumPlaintext`, `invalid_public_key` for a point not on
    /// P-256, `invalid_auth_secret` for a secret of the wrong length.
    public static func encrypt(plaintext: [UInt8], uaPublic: [UInt8], authSecret: [UInt8]) throws(CryptoError)
        -> [UInt8]
    {
        try encrypt(
            plaintext: plaintext, uaPublic: uaPublic, authSecret: authSecret, ephemeral: P256KeyAgreement(),
            salt: Digest.randomBytes(saltLength))
    }

    /// The deterministic core, with the ephemeral key and salt supplied so a test can reproduce RFC 8291
    /// Appendix A. Reusing either across messages repeats the content key and nonce; only `encrypt` above may be
    /// used to send.
    static func encrypt(
        plaintext: [UInt8], uaPublic: [UInt8], authSecret: [UInt8], ephemeral: P256KeyAgreement, salt: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        guard plaintext.count <= maximumPlaintext else {
            throw CryptoError(
                .payloadTooLarge,
                "the push payload is \(plaintext.count) bytes; Web Push carries at most \(maximumPlaintext) bytes "
                    + "of plaintext (4096 bytes encrypted); send less, or a reference the app can fetch")
        }
        guard authSecret.count == authSecretLength else {
            throw CryptoError(
                .invalidAuthSecret,
                "the auth secret is \(authSecret.count) bytes; a good one is the subscription's keys.auth: "
                    + "16 bytes (22 base64url characters)")
        }
        precondition(salt.count == saltLength, "the Web Push salt must be 16 bytes")
        let keys = contentKeys(
            ecdhSecret: try ephemeral.sharedSecret(peerPublicKey: uaPublic), authSecret: authSecret,
            uaPublic: uaPublic, asPublic: ephemeral.publicKey, salt: salt)
        // One record, so the last-record delimiter 0x02 and no padding; the nonce needs no sequence XOR.
        let ciphertext = AES128GCM.seal(key: keys.contentKey, nonce: keys.nonce, plaintext: plaintext + [0x02])
        return header(salt: salt, asPublic: ephemeral.publicKey) + ciphertext
    }

    /// The RFC 8291 §3.3–3.4 and RFC 8188 §2.2–2.3 key schedule; separate so a test can compare each step.
    static func contentKeys(
        ecdhSecret: [UInt8], authSecret: [UInt8], uaPublic: [UInt8], asPublic: [UInt8], salt: [UInt8]
    ) -> (contentKey: [UInt8], nonce: [UInt8]) {
        let keyInfo = Array("WebPush: info".utf8) + [0x00] + uaPublic + asPublic
        let prkKey = HKDF.extract(salt: authSecret, inputKeyMaterial: ecdhSecret)
        let ikm = HKDF.expand(pseudoRandomKey: prkKey, info: keyInfo, length: 32)
        let prk = HKDF.extract(salt: salt, inputKeyMaterial: ikm)
        let contentKey = HKDF.expand(
            pseudoRandomKey: prk, info: Array("Content-Encoding: aes128gcm".utf8) + [0x00],
            length: AES128GCM.keyLength)
        let nonce = HKDF.expand(
            pseudoRandomKey: prk, info: Array("Content-Encoding: nonce".utf8) + [0x00], length: AES128GCM.nonceLength)
        return (contentKey, nonce)
    }

    /// salt(16) || rs (uint32 big-endian) || idlen (1) = 65 || keyid = as_public: 86 bytes.
    static func header(salt: [UInt8], asPublic: [UInt8]) -> [UInt8] {
        let rs = recordSize
        return salt + [UInt8(rs >> 24), UInt8(rs >> 16 & 0xFF), UInt8(rs >> 8 & 0xFF), UInt8(rs & 0xFF)]
            + [UInt8(asPublic.count)] + asPublic
    }
}
