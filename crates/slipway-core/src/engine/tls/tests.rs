use super::*;

fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

/// A cert folder with the docker CLI's file names, some of them there.
fn cert_dir(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        std::fs::write(dir.path().join(f), "x").unwrap();
    }
    dir
}

#[test]
fn plain_tcp_without_the_environment_is_not_tls() {
    let s = settings_from("tcp://127.0.0.1:2375", None, env_of(&[])).unwrap();
    assert_eq!(s, None);
    let s = settings_from(
        "unix:///x.sock",
        None,
        env_of(&[("DOCKER_TLS_VERIFY", "1")]),
    );
    assert_eq!(s.unwrap(), None, "TLS is for TCP addresses only");
    let s = settings_from("tcp://h:1", None, env_of(&[("DOCKER_TLS_VERIFY", "")]));
    assert_eq!(
        s.unwrap(),
        None,
        "an empty DOCKER_TLS_VERIFY is unset, like docker"
    );
}

#[test]
fn docker_tls_verify_uses_the_cert_path_files_that_exist() {
    let dir = cert_dir(&["ca.pem", "cert.pem", "key.pem"]);
    let path: &'static str = Box::leak(dir.path().display().to_string().into_boxed_str());
    let s = settings_from(
        "tcp://127.0.0.1:2376",
        None,
        env_of(Box::leak(Box::new([
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", path),
        ]))),
    )
    .unwrap()
    .unwrap();
    assert!(s.verify);
    assert_eq!(s.ca, Some(dir.path().join("ca.pem")));
    assert_eq!(s.key, Some(dir.path().join("key.pem")));

    let only_ca = cert_dir(&["ca.pem"]);
    let path: &'static str = Box::leak(only_ca.path().display().to_string().into_boxed_str());
    let s = settings_from(
        "tcp://h:2376",
        None,
        env_of(Box::leak(Box::new([
            ("DOCKER_TLS", "1"),
            ("DOCKER_CERT_PATH", path),
        ]))),
    )
    .unwrap()
    .unwrap();
    assert!(!s.verify, "DOCKER_TLS alone does not check the engine");
    assert_eq!((s.cert, s.key), (None, None));
}

#[test]
fn the_cert_path_defaults_to_home_dot_docker() {
    let s = settings_from("https://h:2376", None, env_of(&[("HOME", "/home/u")]))
        .unwrap()
        .unwrap();
    assert!(s.verify, "https:// checks the engine");
    assert_eq!(s.ca, None, "no such file there");
    let e = settings_from("tcp://h:1", None, env_of(&[("DOCKER_TLS_VERIFY", "1")])).unwrap_err();
    assert_eq!(e.kind(), Some(&ErrorKind::NoCertPath));
}

#[test]
fn an_engines_own_files_win_over_the_environment() {
    let files = TlsFiles {
        ca: Some("/ctx/ca.pem".into()),
        cert: None,
        key: None,
        skip_verify: true,
    };
    let s = settings_from(
        "tcp://h:2376",
        Some(&files),
        env_of(&[("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", "/env")]),
    )
    .unwrap()
    .unwrap();
    assert_eq!(s.ca, Some(PathBuf::from("/ctx/ca.pem")));
    assert!(!s.verify);
    assert_eq!(s.cert, None);
}

#[test]
fn addresses_give_the_dial_target_and_the_name_to_check() {
    let (dial, name) = address("tcp://127.0.0.1:2376").unwrap();
    assert_eq!(dial, "127.0.0.1:2376");
    assert!(matches!(name, ServerName::IpAddress(_)), "{name:?}");
    let (dial, name) = address("https://engine.lab").unwrap();
    assert_eq!(dial, "engine.lab:2376");
    assert!(matches!(name, ServerName::DnsName(_)), "{name:?}");
    let (dial, _) = address("tcp://[::1]:9999/").unwrap();
    assert_eq!(dial, "[::1]:9999");
    for bad in ["tcp://h:port", "tcp://:1", "unix:///x"] {
        assert_eq!(address(bad).unwrap_err().code, 400, "{bad}");
    }
}

fn files(ca: Option<&Path>, cert: Option<&Path>, key: Option<&Path>) -> TlsSettings {
    TlsSettings {
        ca: ca.map(Path::to_path_buf),
        cert: cert.map(Path::to_path_buf),
        key: key.map(Path::to_path_buf),
        verify: true,
    }
}

#[test]
fn a_missing_tls_file_is_a_400_naming_the_file_and_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let e = build_config("tcp://127.0.0.1:2376", &files(Some(&ca), None, None)).unwrap_err();
    assert_eq!(e.code, 400);
    assert!(
        matches!(e.kind(), Some(ErrorKind::TlsFileUnreadable { path, .. }) if path == &ca.display().to_string()),
        "{e:?}"
    );
    assert!(e.message.contains("tcp://127.0.0.1:2376"), "{}", e.message);
    assert!(
        e.message.contains(&ca.display().to_string()),
        "{}",
        e.message
    );
}

#[test]
fn files_that_are_not_pem_are_named_and_a_key_is_never_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "hello").unwrap();
    let e = build_config("tcp://h:1", &files(Some(&ca), None, None)).unwrap_err();
    assert!(
        matches!(e.kind(), Some(ErrorKind::TlsFileInvalid { path, .. }) if path.ends_with("ca.pem")),
        "{e:?}"
    );

    let key = dir.path().join("key.pem");
    let secret = "TOP-SECRET-NOT-A-KEY";
    std::fs::write(&key, secret).unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(
        &cert,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let mut s = files(None, Some(&cert), Some(&key));
    s.verify = false;
    let e = build_config("tcp://h:1", &s).unwrap_err();
    assert_eq!(e.code, 400);
    assert!(
        matches!(e.kind(), Some(ErrorKind::TlsFileInvalid { path, .. }) if path.ends_with("key.pem")),
        "{e:?}"
    );
    assert!(!format!("{e:?}").contains(secret));
}

#[test]
fn a_certificate_without_its_key_names_the_missing_key() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let mut s = files(None, Some(&cert), None);
    s.verify = false;
    let e = build_config("tcp://h:1", &s).unwrap_err();
    assert!(
        matches!(e.kind(), Some(ErrorKind::TlsFileUnreadable { path, .. }) if path.ends_with("key.pem")),
        "{e:?}"
    );
}

#[test]
fn alerts_and_certificate_errors_get_the_users_words() {
    use rustls::AlertDescription as A;
    let host = "tcp://127.0.0.1:2376";
    let alert = |a| rustls::Error::AlertReceived(a);
    let e = classify(&alert(A::CertificateRequired), host, false);
    assert_eq!(e.code, 401);
    let e = classify(&alert(A::BadCertificate), host, false);
    assert_eq!(e.code, 401, "Go's TLS 1.2 answer to no certificate");
    let e = classify(&alert(A::BadCertificate), host, true);
    assert_eq!(e.code, 403);
    assert!(matches!(e.kind(), Some(ErrorKind::EngineRefusedCertificate { host: h }) if h == host));
    let e = classify(
        &rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        host,
        true,
    );
    assert_eq!(e.code, 502);
    assert!(e.message.contains(host), "{}", e.message);
    assert!(is_tls_failure(&e));
    let e = classify(&rustls::Error::DecryptError, host, true);
    assert!(matches!(
        e.kind(),
        Some(ErrorKind::TlsHandshakeFailed { .. })
    ));
}

#[test]
fn a_typed_error_survives_io_and_bollard() {
    let typed = Error::of(ErrorKind::EngineRefusedCertificate {
        host: "tcp://h:1".into(),
    });
    let io = std::io::Error::other(typed.clone());
    assert_eq!(carried(&io), Some(typed.clone()));
    let through: Error = bollard::errors::Error::IOError { err: io }.into();
    assert_eq!(through, typed);
    let plain = std::io::Error::other("reset");
    assert_eq!(carried(&plain), None);
}

/// The late refusal (TLS 1.3) comes as an I/O error around the rustls alert at a read.
#[test]
fn a_rustls_alert_inside_an_io_error_is_classified() {
    let io = std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        rustls::Error::AlertReceived(rustls::AlertDescription::UnknownCA),
    );
    let e = io_failure(io, "tcp://h:1", true);
    assert_eq!(e.code, 403);
    let e = io_failure(
        std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        "tcp://h:1",
        true,
    );
    assert_eq!(e.code, 503);
    assert!(e.message.contains("tcp://h:1"));
}
