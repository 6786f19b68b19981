//! Which text encoding a CSV file was saved in. A byte-order mark settles it; else valid
//! UTF-8 is UTF-8, NUL-riddled text is UTF-16 without its mark, and single-byte files
//! are told apart by Mozilla's detector (`chardetng`) checked against Windows-1252 and
//! Mac Roman (Excel for Mac's "CSV (Macintosh)", which the detector does not know): the
//! decoding with the fewest characters that never occur in a member list wins, and a
//! file that still decodes to such characters is refused rather than stored garbled.

use encoding_rs::{Encoding, MACINTOSH, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

use super::text_file::ReadError;

/// A file's text and the encoding it was read with.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
}

/// Decodes `bytes` with `forced` when the admin chose one, else with the detected encoding.
pub fn decode(bytes: &[u8], forced: Option<&'static Encoding>) -> Result<Decoded, ReadError> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return Ok(decoded(encoding, &bytes[bom..]));
    }
    if let Some(encoding) = forced {
        // UTF-16 writes a NUL beside every ASCII character, separators and line breaks
        // included: a file without one is not UTF-16, whatever was chosen.
        if (encoding == UTF_16LE || encoding == UTF_16BE) && !bytes.contains(&0) {
            return Err(ReadError::NotInForcedEncoding(label(encoding)));
        }
        return Ok(decoded(encoding, bytes));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: text.to_owned(),
            encoding: UTF_8,
        });
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return Ok(decoded(encoding, bytes));
    }
    // UTF-8 was ruled out above; ISO-2022-JP is no spreadsheet's CSV.
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    let mut best: Option<(usize, Decoded)> = None;
    for encoding in [guess, WINDOWS_1252, MACINTOSH] {
        let candidate = decoded(encoding, bytes);
        let score = implausible(&candidate.text);
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, candidate));
        }
    }
    let (score, best) = best.expect("three candidates");
    if score > 0 {
        return Err(ReadError::Garbled(label(best.encoding)));
    }
    Ok(best)
}

/// The WHATWG label of an encoding, as the API shows it (`windows-1252`, `macintosh`).
pub fn label(encoding: &'static Encoding) -> String {
    encoding.name().to_ascii_lowercase()
}

fn decoded(encoding: &'static Encoding, bytes: &[u8]) -> Decoded {
    Decoded {
        text: encoding.decode_without_bom_handling(bytes).0.into_owned(),
        encoding,
    }
}

/// UTF-16 saved without its mark: every other byte of ASCII text is NUL.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs < 4 {
        return None;
    }
    let zero_at = |offset: usize| sample.iter().skip(offset).step_by(2).filter(|b| **b == 0).count();
    let (even, odd) = (zero_at(0), zero_at(1));
    if odd * 10 >= pairs * 7 && even * 10 < pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 7 && odd * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Text holding what a wrong decoding leaves: replacement characters, or characters a
/// member list almost never holds ([`implausible`]).
pub fn looks_garbled(text: &str) -> bool {
    text.contains('\u{FFFD}') || implausible(text) > 0
}

/// Characters that a member list's names, addresses, phones and groups almost never
/// hold, but a wrong single-byte decoding is full of: C1 controls, typographic symbols
/// that stand where accented letters were, and an accented capital inside a word
/// ("NoŽ" for "Noé", "JŸrgen" for "Jürgen"; "DUPRÉ" in capitals is fine).
fn implausible(text: &str) -> usize {
    const SYMBOLS: &str = "ˆ˜™†‡•‰ƒ¶§¤¦¨¯´¸¬±÷ª¿¡‹›…√∞≠≤≥∑∏π∫Ω◊ﬁﬂ∆∂¥¢";
    // A window of three characters: no copy of a file that may be megabytes long.
    let mut count = 0;
    let mut before: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let after = chars.peek().copied();
        let inside_word = before.is_some_and(|b| b.is_lowercase())
            || (before.is_some_and(char::is_alphabetic) && after.is_some_and(char::is_lowercase));
        let odd_capital = !c.is_ascii() && c.is_uppercase() && inside_word;
        if ('\u{80}'..='\u{9f}').contains(&c) || SYMBOLS.contains(c) || odd_capital {
            count += 1;
        }
        before = Some(c);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        encoding.encode(text).0.into_owned()
    }

    const FRENCH: &str = "Prénom;Nom;Email\r\nNoé;Dupré;noe@example.org\r\nFrançoise;Lefèvre-Hôtel;f@example.org\r\nJérôme;Bâton;j@example.org\r\n";

    #[test]
    fn each_single_byte_encoding_reads_back_as_written() {
        for encoding in [WINDOWS_1252, MACINTOSH] {
            let read = decode(&encoded(encoding, FRENCH), None).unwrap();
            assert_eq!(read.text, FRENCH, "{}", encoding.name());
            assert_eq!(read.encoding, encoding);
        }
        let german = "Vorname;Name\r\nJürgen;Müller-Weiß\r\nÖzlem;Ärger\r\n";
        for encoding in [WINDOWS_1252, MACINTOSH] {
            assert_eq!(
                decode(&encoded(encoding, german), None).unwrap().text,
                german,
                "{}",
                encoding.name()
            );
        }
    }

    #[test]
    fn marks_utf8_and_utf16_settle_it() {
        let read = decode(FRENCH.as_bytes(), None).unwrap();
        assert_eq!((read.text.as_str(), read.encoding), (FRENCH, UTF_8));
        let mut le: Vec<u8> = FRENCH.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&le, None).unwrap().encoding, UTF_16LE, "no mark");
        le.splice(0..0, [0xFF, 0xFE]);
        assert_eq!(decode(&le, None).unwrap().text, FRENCH);
        let be: Vec<u8> = FRENCH.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&be, None).unwrap().encoding, UTF_16BE);
    }

    #[test]
    fn a_forced_encoding_is_used_as_given() {
        let bytes = encoded(MACINTOSH, FRENCH);
        let forced = decode(&bytes, Some(WINDOWS_1252)).unwrap();
        assert_eq!(forced.encoding, WINDOWS_1252);
        assert!(forced.text.contains("NoŽ"));
    }

    #[test]
    fn utf16_forced_on_a_single_byte_file_is_refused_and_on_utf16_is_read() {
        let single = encoded(WINDOWS_1252, FRENCH);
        let refused = decode(&single, Some(UTF_16LE));
        assert_eq!(refused.unwrap_err(), ReadError::NotInForcedEncoding("utf-16le".into()));
        let le: Vec<u8> = FRENCH.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&le, Some(UTF_16LE)).unwrap().text, FRENCH);
    }

    #[test]
    fn text_that_no_encoding_makes_plausible_is_refused() {
        // Symbols where letters should be, whichever way it is read.
        let bytes = [
            b"Nom\r\nA".as_slice(),
            &[0x86, 0xA0, 0xD7, 0x86, 0x8F, 0xD7, 0xAA, 0x86],
            b"\r\n",
        ]
        .concat();
        assert!(matches!(decode(&bytes, None), Err(ReadError::Garbled(_))));
    }
}
