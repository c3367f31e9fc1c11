//! The rustls client configuration of one engine: its CA (else the system's, or none checked
//! with skip-verify), its client certificate and key, read from PEM files whose problems are
//! said naming the file and the engine (never quoting a key).

use crate::error::{Error, ErrorKind, Result};
use rustls::ClientConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use super::TlsSettings;

/// Built once per set of files (and again when one of them changes).
pub(super) fn client_config(host: &str, settings: &TlsSettings) -> Result<Arc<ClientConfig>> {
    type Key = (TlsSettings, Vec<Option<(SystemTime, u64)>>);
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<ClientConfig>>>> = OnceLock::new();
    let stamp = |p: &Option<PathBuf>| {
        let m = std::fs::metadata(p.as_ref()?).ok()?;
        Some((m.modified().ok()?, m.len()))
    };
    let key = (
        settings.clone(),
        vec![
            stamp(&settings.ca),
            stamp(&settings.cert),
            stamp(&settings.key),
        ],
    );
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().map_err(Error::unexpected)?.get(&key) {
        return Ok(Arc::clone(found));
    }
    let config = Arc::new(build_config(host, settings)?);
    cache
        .lock()
        .map_err(Error::unexpected)?
        .insert(key, Arc::clone(&config));
    Ok(config)
}

pub(super) fn build_config(host: &str, settings: &TlsSettings) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(Error::unexpected)?;
    let builder = if settings.verify {
        let mut roots = rustls::RootCertStore::empty();
        match &settings.ca {
            Some(ca) => {
                for cert in read_certificates(host, ca)? {
                    roots
                        .add(cert)
                        .map_err(|e| invalid(host, ca, format!("not a CA certificate: {e}")))?;
                }
            }
            // No CA file: the system's, as the docker CLI does.
            None => {
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            }
        }
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServer(provider)))
    };
    match (&settings.cert, &settings.key) {
        (Some(cert), Some(key)) => builder
            .with_client_auth_cert(read_certificates(host, cert)?, read_key(host, key)?)
            .map_err(|e| {
                invalid(
                    host,
                    key,
                    format!("does not go with {}: {e}", cert.display()),
                )
            }),
        (None, None) => Ok(builder.with_no_client_auth()),
        (Some(cert), None) => Err(unreadable(
            host,
            &cert.with_file_name("key.pem"),
            "a client certificate needs its key",
        )),
        (None, Some(key)) => Err(unreadable(
            host,
            &key.with_file_name("cert.pem"),
            "a client key needs its certificate",
        )),
    }
}

fn unreadable(host: &str, path: &Path, why: impl std::fmt::Display) -> Error {
    Error::of(ErrorKind::TlsFileUnreadable {
        host: host.to_owned(),
        path: path.display().to_string(),
    })
    .with_detail(why)
}

fn invalid(host: &str, path: &Path, why: impl std::fmt::Display) -> Error {
    Error::of(ErrorKind::TlsFileInvalid {
        host: host.to_owned(),
        path: path.display().to_string(),
    })
    .with_detail(why)
}

fn read(host: &str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| unreadable(host, path, e))
}

pub(super) fn read_certificates(host: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(&read(host, path)?)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| invalid(host, path, e))?;
    if certs.is_empty() {
        return Err(invalid(host, path, "no PEM certificate in it"));
    }
    Ok(certs)
}

/// PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM. The parser's complaint never quotes the key.
pub(super) fn read_key(host: &str, path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(&read(host, path)?).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => invalid(
            host,
            path,
            "no PEM private key (PKCS#8, PKCS#1 or EC) in it",
        ),
        other => invalid(host, path, other),
    })
}

/// `skip_verify` / `DOCKER_TLS`: any server certificate, but the handshake's signatures are
/// still checked (the connection is encrypted to whoever holds that certificate's key).
#[derive(Debug)]
struct AnyServer(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
