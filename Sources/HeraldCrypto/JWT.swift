/// Builds compact JWS tokens, `base64url(header).base64url(claims).base64url(signature)` with unpadded base64url
/// (PROTOCOLS §0.1), for APNs provider tokens, VAPID and Google service-account assertions. It takes the header and
/// claims already serialised, so `HeraldCrypto` stays free of any JSON type and the bytes signed are exactly the
/// bytes sent, in the caller's key order. It neither parses nor verifies tokens, and does not check that the
/// header's `alg` matches the signer.
public enum JWT {
    public static func sign(headerJSON: [UInt8], claimsJSON: [UInt8], signer: some JWSSigner) -> String {
        let signingInput = encode(headerJSON) + "." + encode(claimsJSON)
        return signingInput + "." + encode(signer.sign(Array(signingInput.utf8)))
    }

    private static func encode(_ bytes: [UInt8]) -> String {
        Base64.encode(bytes, urlSafe: true, padded: false)
    }
}
