import CCurl

/// The options an SMTP session takes whether it sends mail or only probes: where, how much TLS, and who logs in.
/// One place, so a probe checks exactly the session a delivery would open.
extension CurlOptions {
    mutating func setSMTPSession(
        url: String, tls: SMTPRequest.TLS, username: String?, password: String?, loginOptions: String?,
        timeout: Duration, connectTimeout: Duration, caFile: String?, errorBuffer: UnsafeMutablePointer<CChar>
    ) {
        setCommon(
            timeout: timeout, connectTimeout: connectTimeout, caFile: caFile,
            protocols: Int(CURLPROTO_SMTP | CURLPROTO_SMTPS), errorBuffer: errorBuffer)
        set(CURLOPT_URL, url)
        switch tls {
        case .required: set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        case .opportunistic: set(CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        case .none: set(CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        }
        if let username { set(CURLOPT_USERNAME, username) }
        if let password { set(CURLOPT_PASSWORD, password) }
        if let loginOptions { set(CURLOPT_LOGIN_OPTIONS, loginOptions) }
    }
}
