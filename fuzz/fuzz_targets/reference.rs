//! Image references: whatever parses re-parses to itself, from its printed and its
//! normalized form, and names the same image in Podman's qualified spelling.
#![no_main]
use libfuzzer_sys::fuzz_target;
use slipway_core::reference::{Reference, looks_like_id, validate_image_ref};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = match Reference::parse(input) {
        Ok(r) => r,
        Err(e) => {
            assert_eq!(e.code, 400, "{input:?}: {e:?}");
            assert!(!e.message.is_empty());
            if !looks_like_id(input) {
                assert!(validate_image_ref(input).is_err(), "{input:?}");
            }
            return;
        }
    };
    assert!(validate_image_ref(input).is_ok(), "{input:?}");
    let printed = parsed.to_string();
    assert_eq!(
        Reference::parse(&printed).as_ref(),
        Ok(&parsed),
        "{input:?} printed as {printed:?}"
    );
    let normalized = parsed.normalized();
    let again = Reference::parse(&normalized).unwrap_or_else(|e| {
        panic!("{input:?} normalized to {normalized:?}, which does not parse: {e:?}")
    });
    assert_eq!(again.normalized(), normalized, "{input:?}");
    assert_eq!(again.repository(), parsed.repository(), "{input:?}");
    assert_eq!(again.digest, parsed.digest, "{input:?}");
    assert_eq!(again.tag_or_default(), parsed.tag_or_default(), "{input:?}");
    if parsed.digest.is_none() {
        assert!(parsed.matches_name(&normalized), "{input:?}");
        let tag = parsed.tag_or_default().unwrap_or("latest");
        let qualified = format!("{}:{tag}", parsed.qualified_repository());
        assert!(
            parsed.matches_name(&qualified),
            "{input:?} does not match its qualified name {qualified:?}"
        );
    }
});
