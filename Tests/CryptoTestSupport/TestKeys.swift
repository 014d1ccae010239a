/// PEM keys for the signing-key tests, made once with the openssl command line (never at test time) and shipped
/// as text so the tests need no files and no tools.
public enum TestKeys {
    /// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256` — PKCS#8, the form of Apple's .p8.
    public static let p256PKCS8 = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUM6pSoYdwBxx+oLi
        KZCJjdgAz7ai6klMCXe+175itFyhRANCAASiWIXBjz5CsjrbVbIIscYWW/nk2StO
        p39lmoCl6AhAziTjp6/o8PlEHHbdK++IgHd0B9aQGJbVs6LTMLWUDAnF
        -----END PRIVATE KEY-----
        """
    public static let p256PKCS8Public =
        "04a25885c18f3e42b23adb55b208b1c6165bf9e4d92b4ea77f659a80a5e80840ce"
        + "24e3a7afe8f0f9441c76dd2bef8880777407d6901896d5b3a2d330b5940c09c5"

    /// `openssl ecparam -name prime256v1 -genkey` — SEC1, with the EC PARAMETERS block ecparam writes first.
    public static let p256SEC1 = """
        -----BEGIN EC PARAMETERS-----
        BggqhkjOPQMBBw==
        -----END EC PARAMETERS-----
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEIAMS+BTN0fKb9h34Qad9NM8bn2yi48PyK4jn922kxWhXoAoGCCqGSM49
        AwEHoUQDQgAEz7tursdf0ZnqGYxqXshXwzLVI7hcYuNy1w5HuVKtN84DQQKAKE0A
        zE3PCPxxJCsA2qB4cfpoW200B47FyB2FvQ==
        -----END EC PRIVATE KEY-----
        """
    public static let p256SEC1Public =
        "04cfbb6eaec75fd199ea198c6a5ec857c332d523b85c62e372d70e47b952ad37ce"
        + "03410280284d00cc4dcf08fc71242b00daa07871fa685b6d34078ec5c81d85bd"

    /// The SEC1 key above, `openssl ec -aes128 -passout pass:secret`.
    public static let p256SEC1Encrypted = """
        -----BEGIN EC PRIVATE KEY-----
        Proc-Type: 4,ENCRYPTED
        DEK-Info: AES-128-CBC,B542662CA11CAB708D90B35ECD5D7B26

        yZa5gdALgNhyCBOp24AfA07iLgUlctUFeKUzi/sofY4t1ZZ1fywUhow/LckYDMYn
        SHfe02VUzmW+JuMyHxF2BEiwL6BX0cVnCd6/zJ/QRzPUsBCmS5O0TtHjbtsBSaKb
        cIa6ORNLSRX0XnDREihw4WrCZXzIQ3MxODW8xR0Ff8Y=
        -----END EC PRIVATE KEY-----
        """

    /// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384`
    public static let p384 = """
        -----BEGIN PRIVATE KEY-----
        MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDH90jYDzfdosUv6mgS
        fQxTwTiZCAi1aFp8f593XM9g0eio2Zoy+pXzjKoHaolELS+hZANiAARwFzQEX1AZ
        tgUgghA1VAemJpFbQO/ClMcpAqh8awDiA0YpqtKY5qGfFted9Qr0Wwgy6qrjdlWG
        V+aP3tUwgtqw1jkrTNn4lG24NJ01UwBYQYDeBz/Hh5y0YRutzH77B2o=
        -----END PRIVATE KEY-----
        """

    /// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` — PKCS#8, like a service-account private_key.
    public static let rsa2048 = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCV70cvfY/QYDH7
        G94n4BEd5kgx6iVGFlopC0mzL2KPE0JZLk/JC6VIKfyyQOupwKdcfvoA1e+dwnpX
        SrdVguVnyRilzOVayqptadv1Ii0M32Lf+Rb9bxGA6hVdHl0NhmKCwq5f3eSMkLMI
        /XU9W9Yx8SGd8yrczKr90xtsz+C0YSx5MuyRDmT7pyl7+Q4Xc+Y/Wnftioh8QwZo
        WTY+icShqlMbo+Vwwgn2D4Tjsrt9ncb58p2azeAaNHdhzUON1A/6vnbwBKq/zQss
        1kVmkWmKPwbiB6/S7p2HdoP1lC/bryCRNAjB2EsxEKzBYksPfaPQQCe711sjNwii
        N9j8bnWhAgMBAAECggEAMwUaRxnF/1VMjLNd9Fm12WPMO1f+2QuwIHlb2eKM+jzG
        fgxZUANredP3zjxzNO9+w+Xdcr1Z7WgJM30UR7/kCl4OyhSgEzYVqme0VoULqW62
        eZqMbS8HWMPPA0HazkhlazOOHMcoB4ERu0RsSbXffF0eYF4nvrzSjs7wbSWLxDUr
        Yv1ge7Bw9XGGrXNWsSK7gRT6TIyoQuTLR0tokMxSsFt4G51baOy/NO5APsWv4iDH
        NonUgLuEZA9N3mLmohutzabnF1UMShGl1jMER7lZVmXWOg5CXYvVLE9KNmRT+VMs
        q0ZVnqEmjX2IDFTFnv658PReHWMlfEwvy0CxD2QQ9QKBgQDOuPwygbK9cbzYrsks
        AVR5At3CqEqFNQPYROSjwt+4oOvuIFxnCgGFY+HX8QLko1Z+uKDPYfRp7L0bGFoi
        Zl7twNAE85RnP14lcnSSGKiDJZ+LDcJfF+wj2M3pdZCODKBm5jRWegGAWMzy2N75
        sjhYugIx9bD/0vnmHl1KHsB6RwKBgQC5rN+1Top+eoQXTUvA1j89cEa3bx2WqpCr
        euKmHDzxJR6tcw98ZpbqU8h7xTfWq814rsY0isncHmLNSAGHstvRLbiHqASjV1Cm
        hlYODR0D67WewB527KTXgzFQ6O3IYh4BGTkbCorMGaNjeH0M+SrJz4O1IBlCoLlX
        AT+D1Vgc1wKBgHSmE8GYSDj4VjzbHC+VrIoAYQx3lF1oVfwSnAYAb+ep/pfHcPy/
        u63+d7E3kY9cz/D/09ZSCu4+pVMFwc7Jf2WfuIIixKoiKsjstfS+r1AZydZYdEbe
        o+RycXb8XQ6a92Q5IG1vuSsocLXURLYXqA4BID36yt8AuPzuQ2wQwEH/AoGBAJ4G
        HIsxYjuMyBkQ5xUjAsWmZfk+b39IgUIAnx9izxcpUXergpWMtoqObgWw7vocVA6P
        KQ+Uw4I8tjgiPXMhbWYVNIT4IaJm8LQZhuoEjRpGJNgMiKEMfKsS9Aj5hU5S+1hS
        AEEccs6MT3ucE0nUUm9Z1q1zuSv0oGkFHep0y74XAoGAC45/w2rPpCtBLZQdM90Q
        ARzEkx34u2ApneUI0XOHfLxo9U9TwLcZGHB95clQjgC5GcrW+57rvUGi2zx9nlWa
        60OmHxHVCkVCyDpDWuiodSj+yfHT7sR63pqEoHTj+5zxF2D1daOWMZHluAz0HTyP
        30U/pKmu8cxprw4Ucs5UtEU=
        -----END PRIVATE KEY-----
        """

    /// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024`
    public static let rsa1024 = """
        -----BEGIN PRIVATE KEY-----
        MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAKwOo1duTA7q9W4S
        J+LY3KdK4saFcAwTbsBZXWcTM2LN24jKObesZJTqM/EXBQjnEjqlNMtK/zrA681V
        zZZDz5dTZ/JiNY7SzIL4XV3V0fVMbNclt002a/F0/x37aDcWs99rvBYQCGVYAys4
        fZM60ev3Qj/supTsazfkYytlqc8xAgMBAAECgYEAnNqTaodw60CkEn6WwiV1s0V/
        y/+mEDw/ATf3AJrug6qr8t55E8sjvuZsB+Q2gNE3OyOVJ6ftWkC6N217iPu06P8O
        hXoE5FAcxxVbnGZFDrRiF6CNNWHqAwienF5e/e2J/eFXb1gsPFZE9OEFvIRKcL7J
        ZiBVjfwwya+KifEi+GkCQQDY/stj+bTIv7bHFKml/DALDkwzoXMr4m35ZROZESwG
        pUnkzruK2ol4EtAXg77SnUwF1lJlriRHxOvlIpgMFFcbAkEAyvv7VCAcRy5RG0qZ
        SZA3I6njARQe9jQ97dyjrFL/QGPR5x+9bq+KZru7z66Sx+X37AfbSLKNT0I4smhX
        PnubowJAI0yHf5LuUr3FGOuGkWbN1e6UfM2ls5zY8Pn9TygY9lfLBnqOzY6xUCQX
        T8vxrcdCx6xOqRXD9xzUluiivUxNwwJAOriAsYqEg7cLcZi4FYbp3KBV8kbu2gys
        6bXNh5mPDAKUg4c0FuQjZqrinycCgV+uxBJVxocYyBgBLONwcbvyfwJAeXoaZC1V
        aMOGILmbRZ6DbEg5vvoUw/vgz1WMW++TOUuav9SrKsoICnh20wXWaO/dLBUwa8Dt
        u8EzdYkHqQvOTg==
        -----END PRIVATE KEY-----
        """
}
