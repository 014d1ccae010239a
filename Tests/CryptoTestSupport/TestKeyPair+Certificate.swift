import COpenSSL

/// A self-signed certificate for a test key, in PEM: what a test serves as an SNS `SigningCertURL` document. Valid
/// for an hour from now; its subject and issuer are `CN=<commonName>`.
extension TestKeyPair {
    public func selfSignedCertificatePEM(commonName: String = "sns.us-east-1.amazonaws.com") -> String {
        guard let certificate = X509_new() else { preconditionFailure("X509_new") }
        defer { X509_free(certificate) }
        // Version 3 is encoded as 2; serial 1 is enough for a certificate nobody else sees.
        precondition(X509_set_version(certificate, 2) == 1, "X509_set_version")
        precondition(ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1) == 1, "serial")
        precondition(X509_gmtime_adj(X509_getm_notBefore(certificate), 0) != nil, "notBefore")
        precondition(X509_gmtime_adj(X509_getm_notAfter(certificate), 3600) != nil, "notAfter")
        precondition(X509_set_pubkey(certificate, pointer) == 1, "X509_set_pubkey")
        let name = X509_get_subject_name(certificate)
        // MBSTRING_ASC = MBSTRING_FLAG | 1, a macro Swift does not import.
        let ascii: Int32 = 0x1001
        precondition(X509_NAME_add_entry_by_txt(name, "CN", ascii, commonName, -1, -1, 0) == 1, "CN")
        precondition(X509_set_issuer_name(certificate, name) == 1, "issuer")
        precondition(X509_sign(certificate, pointer, EVP_sha256()) > 0, "X509_sign")
        guard let bio = BIO_new(BIO_s_mem()) else { preconditionFailure("BIO_new") }
        defer { _ = BIO_free(bio) }
        precondition(PEM_write_bio_X509(bio, certificate) == 1, "PEM_write_bio_X509")
        var pem = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        let read = BIO_read(bio, &pem, Int32(pem.count))
        precondition(read == Int32(pem.count), "BIO_read")
        return String(decoding: pem, as: UTF8.self)
    }
}
