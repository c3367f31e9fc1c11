//! Both transports (bollard's requests and the raw ones) against an in-process TLS engine
//! that wants a client certificate from its CA: the right certificate, none, a wrong one, an
//! engine certificate from another CA, and skip-verify. The files in `testdata/` were made
//! with openssl for these tests (EC P-256; the engine's names IP:127.0.0.1).

use super::*;
use crate::Engine;
use crate::engine::{EngineInfo, EngineKind, EngineSpec, Transport};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn testdata(name: &str) -> String {
    format!(
        "{}/src/engine/tls/testdata/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

const VERSION: &str =
    r#"{"Version":"20.10-tls-test","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}"#;

/// An engine on 127.0.0.1 that answers every request with `VERSION`, over TLS with
/// client certificates required.
async fn tls_engine() -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for ca in read_certificates("test", Path::new(&testdata("ca.pem"))).unwrap() {
        roots.add(ca).unwrap();
    }
    let clients = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(clients)
        .with_single_cert(
            read_certificates("test", Path::new(&testdata("server.pem"))).unwrap(),
            read_key("test", Path::new(&testdata("server-key.pem"))).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = format!("tcp://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{VERSION}",
                    VERSION.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    host
}

fn files(ca: &str, client: Option<&str>, skip_verify: bool) -> TlsFiles {
    TlsFiles {
        ca: Some(testdata(ca)),
        cert: client.map(|c| testdata(&format!("{c}.pem"))),
        key: client.map(|c| testdata(&format!("{c}-key.pem"))),
        skip_verify,
    }
}

/// The raw transport alone: an engine value as `connect` would have made it.
fn raw_engine(host: &str, tls: TlsFiles) -> Engine {
    let unused = Docker::connect_with_http("tcp://127.0.0.1:9", 5, API_DEFAULT_VERSION).unwrap();
    Engine {
        api: unused.clone(),
        pool: Default::default(),
        long: unused,
        stall: Duration::from_secs(5),
        info: EngineInfo {
            host: host.to_owned(),
            kind: EngineKind::Docker,
            version: "test".into(),
            api_version: "1.41".into(),
            os: "linux".into(),
            arch: "amd64".into(),
            buildkit: true,
        },
        transport: Transport {
            tls: Some(tls),
            identity: None,
        },
    }
}

async fn both(host: &str, tls: TlsFiles) -> [Result<String>; 2] {
    let spec = EngineSpec {
        host: Some(host.to_owned()),
        ignore_env: true,
        tls: Some(tls.clone()),
        identity: None,
    };
    let bollard = Engine::connect(spec).await.map(|e| e.info.version);
    let raw = raw_engine(host, tls)
        .raw_json("GET", "/version", None)
        .await
        .map(|v| v["Version"].as_str().unwrap_or_default().to_owned());
    [bollard, raw]
}

#[tokio::test]
async fn the_right_client_certificate_reaches_the_engine_by_both_transports() {
    let host = tls_engine().await;
    for answer in both(&host, files("ca.pem", Some("client"), false)).await {
        assert_eq!(answer.unwrap(), "20.10-tls-test");
    }
}

async fn refused(tls: TlsFiles, code: u16, kind: fn(&ErrorKind) -> bool) {
    let host = tls_engine().await;
    let started = Instant::now();
    for (transport, answer) in ["bollard", "raw"].iter().zip(both(&host, tls).await) {
        let e = answer.unwrap_err();
        assert_eq!(e.code, code, "{transport}: {e:?}");
        assert!(e.kind().is_some_and(kind), "{transport}: {e:?}");
        assert!(e.message.contains(&host), "{transport}: {}", e.message);
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// TLS 1.3: the engine judges the certificate after the handshake, at our first read.
#[tokio::test]
async fn a_client_certificate_from_another_ca_is_refused_by_name_not_a_broken_connection() {
    refused(files("ca.pem", Some("wrong-client"), false), 403, |k| {
        matches!(k, ErrorKind::EngineRefusedCertificate { .. })
    })
    .await;
}

#[tokio::test]
async fn no_client_certificate_says_the_engine_wants_one() {
    refused(files("ca.pem", None, false), 401, |k| {
        matches!(k, ErrorKind::EngineWantsCertificate { .. })
    })
    .await;
}

#[tokio::test]
async fn an_engine_certificate_from_an_unknown_ca_is_not_trusted() {
    refused(files("wrong-ca.pem", Some("client"), false), 502, |k| {
        matches!(k, ErrorKind::EngineCertificateUntrusted { .. })
    })
    .await;
}

#[tokio::test]
async fn skip_verify_accepts_an_engine_certificate_from_an_unknown_ca() {
    let host = tls_engine().await;
    for answer in both(&host, files("wrong-ca.pem", Some("client"), true)).await {
        assert_eq!(answer.unwrap(), "20.10-tls-test");
    }
}

/// The certificate carries IP:127.0.0.1 only: another name for the same engine is refused.
#[tokio::test]
async fn the_engine_certificate_must_name_the_address_dialled() {
    let host = tls_engine().await.replace("127.0.0.1", "localhost");
    let [bollard, raw] = both(&host, files("ca.pem", Some("client"), false)).await;
    for e in [bollard.unwrap_err(), raw.unwrap_err()] {
        assert!(
            matches!(e.kind(), Some(ErrorKind::EngineCertificateUntrusted { .. })),
            "{e:?}"
        );
    }
}

/// What a separate engine process does (dockerd): its refusal is there before hyper writes
/// the request. Held until then, it is still the request's error, in the engine's name.
#[tokio::test]
async fn a_refusal_that_arrives_before_the_request_is_still_the_certificate_problem() {
    let host = tls_engine().await;
    let settings = settings_for(&host, Some(&files("ca.pem", Some("wrong-client"), false)))
        .unwrap()
        .unwrap();
    let io = connect(&host, &settings).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
            .await
            .unwrap();
    tokio::spawn(conn);
    // The engine's alert arrives and hyper's connection reads it, before any request.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let request = http::Request::get("/version")
        .header(http::header::HOST, "engine")
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let e = sender.send_request(request).await.unwrap_err();
    let typed = carried(&e).unwrap_or_else(|| panic!("no typed error in {e:?}"));
    assert!(
        matches!(typed.kind(), Some(ErrorKind::EngineRefusedCertificate { host: h }) if *h == host),
        "{typed:?}"
    );
}

/// Something that accepts the connection and never answers the handshake: the raw request
/// gives up within its connect bound (here the 1 s stall timeout), naming the engine.
#[tokio::test]
async fn an_engine_that_never_answers_the_handshake_is_given_up_within_the_bound() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = format!("tcp://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    let engine = raw_engine(&host, files("ca.pem", Some("client"), false))
        .with_stall_timeout(Duration::from_secs(1));
    let started = Instant::now();
    let e = engine.raw_json("GET", "/version", None).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.code, 504, "{e:?}");
    assert!(e.message.contains(&host), "{}", e.message);
}
